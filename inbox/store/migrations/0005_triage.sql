-- Triage: ordered rules, internal notes, undo of the last triage action, and the
-- conversation columns the rules, SLA timers and reports need.

CREATE TABLE rules (
    id INTEGER PRIMARY KEY,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    match TEXT NOT NULL DEFAULT 'all' CHECK (match IN ('all', 'any')),
    stop INTEGER NOT NULL DEFAULT 0,
    conditions_json TEXT NOT NULL DEFAULT '[]',
    actions_json TEXT NOT NULL DEFAULT '[]'
);

-- Internal notes: never sent to a network, never in the outbox.
CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    author_id INTEGER REFERENCES members(id) ON DELETE SET NULL,
    author_name TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX notes_conversation ON notes (conversation_id, at);

-- The inverse of each triage action, newest last; undo pops the member's newest.
CREATE TABLE undo_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id INTEGER,
    label TEXT NOT NULL,
    inverse_json TEXT NOT NULL
);

ALTER TABLE conversations ADD COLUMN template TEXT;            -- suggested by a rule
ALTER TABLE conversations ADD COLUMN priority_override INTEGER; -- set by hand
ALTER TABLE conversations ADD COLUMN waiting_since TEXT;       -- oldest unanswered inbound
ALTER TABLE conversations ADD COLUMN last_inbound_id INTEGER;  -- the message the rules read
ALTER TABLE conversations ADD COLUMN sla_breached_at TEXT;     -- the due time last missed
ALTER TABLE conversations ADD COLUMN sla_breaches INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN sentiment REAL NOT NULL DEFAULT 0; -- VADER compound, inbound

UPDATE conversations SET
    last_inbound_id = (SELECT m.id FROM messages m WHERE m.conversation_id = conversations.id
                       AND m.direction = 'in' ORDER BY m.created_at DESC, m.id DESC LIMIT 1),
    waiting_since = CASE WHEN first_response_at IS NULL THEN last_inbound_at END;

-- The SLA sweep and the snooze wake-up run every 30 s: let them seek, not scan.
CREATE INDEX conversations_sla_due ON conversations (sla_due_at);
CREATE INDEX conversations_snoozed ON conversations (snoozed_until) WHERE snoozed_until IS NOT NULL;
