-- Connectors (service desks, knowledge bases) and where conversations live in them.
-- Secrets never live here: connector passwords and tokens are in the OS keyring.

CREATE TABLE connectors (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    config_json TEXT NOT NULL DEFAULT '{}',   -- declared non-secret fields only
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One row per (conversation, connector, kind): the UNIQUE key is what guarantees
-- one ticket per conversation and connector, even across retries and crashes.
CREATE TABLE external_refs (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    connector TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('ticket', 'article')),
    remote_id TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    -- highest messages.id already in the ticket: later messages become follow-ups
    synced_message_id INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (conversation_id, connector, kind)
);
CREATE INDEX external_refs_connector ON external_refs (connector, remote_id);
