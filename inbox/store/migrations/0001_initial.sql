-- The first schema: accounts, contacts, conversations, messages + FTS, teams,
-- members, columns, outbox, audit log, quarantine, settings.
-- Times are UTC ISO-8601 text of fixed width (core.clock.to_iso): they sort as text.
-- Secrets never live here: tokens are in the OS keyring (inbox/secrets.py).

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    network TEXT NOT NULL,
    instance TEXT NOT NULL DEFAULT '',
    remote_id TEXT NOT NULL,
    handle TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    avatar_url TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'ok',
    status_detail TEXT NOT NULL DEFAULT '',
    settings_json TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    UNIQUE (network, instance, remote_id)
);

CREATE TABLE sync_cursors (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    stream TEXT NOT NULL,
    cursor TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (account_id, stream)
);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    network TEXT NOT NULL,
    remote_id TEXT NOT NULL,
    handle TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    avatar_url TEXT NOT NULL DEFAULT '',
    profile_url TEXT NOT NULL DEFAULT '',
    followers_count INTEGER,
    is_vip INTEGER NOT NULL DEFAULT 0,
    UNIQUE (network, remote_id)
);
CREATE INDEX contacts_handle ON contacts (handle);

CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    settings_json TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL DEFAULT 'contributor' CHECK (role IN ('admin', 'approver', 'contributor')),
    settings_json TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, member_id)
);

CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    contact_id INTEGER REFERENCES contacts(id),
    snippet TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'new',
    priority INTEGER NOT NULL DEFAULT 0,
    priority_explain TEXT NOT NULL DEFAULT '[]',
    team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,
    assignee_id INTEGER REFERENCES members(id) ON DELETE SET NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    hidden INTEGER NOT NULL DEFAULT 0,
    unread INTEGER NOT NULL DEFAULT 1,
    message_count INTEGER NOT NULL DEFAULT 0,
    first_message_at TEXT NOT NULL,
    last_message_at TEXT NOT NULL,
    last_inbound_at TEXT,
    -- '9999' when no SLA runs, so one index orders by priority, then due time.
    sla_due_at TEXT NOT NULL DEFAULT '9999',
    first_response_at TEXT,
    snoozed_until TEXT,
    UNIQUE (account_id, key)
);
CREATE INDEX conversations_queue ON conversations (hidden, status, priority DESC, sla_due_at, last_message_at DESC);
CREATE INDEX conversations_newest ON conversations (hidden, status, last_message_at DESC);
CREATE INDEX conversations_account ON conversations (account_id, priority DESC, sla_due_at);
CREATE INDEX conversations_team ON conversations (team_id, priority DESC, sla_due_at);
CREATE INDEX conversations_assignee ON conversations (assignee_id, priority DESC, sla_due_at);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    remote_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    direction TEXT NOT NULL DEFAULT 'in',
    author_id INTEGER REFERENCES contacts(id),
    author_handle TEXT NOT NULL DEFAULT '',
    author_name TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    html TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    in_reply_to TEXT,
    visibility TEXT NOT NULL DEFAULT 'public',
    spoiler_text TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    media_json TEXT NOT NULL DEFAULT '[]',
    mentions_json TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    raw_json TEXT NOT NULL DEFAULT '',
    UNIQUE (account_id, remote_id)
);
CREATE INDEX messages_conversation ON messages (conversation_id, created_at);

-- Full-text search. SQLite: an FTS5 index kept by triggers. PostgreSQL: a stored tsvector
-- with a GIN index, and a view named like the FTS5 table so the store's one query text
-- works on both (store/dialect.py rewrites `MATCH ?` to `@@ inbox_fts_query(?)`).
-- @sqlite
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text, author, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text, author)
    VALUES (new.id, new.text, new.author_handle || ' ' || new.author_name);
END;
CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text, author)
    VALUES ('delete', old.id, old.text, old.author_handle || ' ' || old.author_name);
END;
CREATE TRIGGER messages_fts_au AFTER UPDATE OF text, author_handle, author_name ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text, author)
    VALUES ('delete', old.id, old.text, old.author_handle || ' ' || old.author_name);
    INSERT INTO messages_fts (rowid, text, author)
    VALUES (new.id, new.text, new.author_handle || ' ' || new.author_name);
END;
-- @postgresql
-- Words as FTS5's unicode61 remove_diacritics tokenizer finds them: no stemming, accents
-- ignored ("cafe" finds "café"; unaccent ships with PostgreSQL's contrib modules).
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH CONFIGURATION inbox_words (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION inbox_words
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
    WITH unaccent, simple;
ALTER TABLE messages ADD COLUMN fts tsvector GENERATED ALWAYS AS (
    to_tsvector('inbox_words', text || ' ' || author_handle || ' ' || author_name)) STORED;
CREATE INDEX messages_fts_index ON messages USING gin (fts);
CREATE VIEW messages_fts AS SELECT id AS rowid, fts AS messages_fts FROM messages;
-- store.queries.fts_query's FTS5 text ("refund"* AND "late"* OR …) as a tsquery.
CREATE FUNCTION inbox_fts_query(q text) RETURNS tsquery LANGUAGE sql IMMUTABLE AS $$
    SELECT to_tsquery('inbox_words', replace(replace(
        regexp_replace(q, '"([^"]*)"\*', '''\1'':*', 'g'), ' AND ', ' & '), ' OR ', ' | '))
$$;
-- json_each(?) over a JSON list of ids, and json_extract(col, '$.a.b').
CREATE FUNCTION inbox_json_ids(ids text) RETURNS TABLE (value bigint) LANGUAGE sql IMMUTABLE AS $$
    SELECT e::bigint FROM json_array_elements_text(ids::json) AS e
$$;
CREATE FUNCTION inbox_json_extract(doc text, path text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT doc::json #>> string_to_array(substr(path, 3), '.')
$$;
-- SQLite's scalar functions the store's SQL uses (reports): printf('%02d', n), julianday(iso),
-- round(real, digits).
CREATE FUNCTION printf(fmt text, n bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN fmt ~ '^%0[0-9]+d$'
        THEN lpad(n::text, substring(fmt FROM 3 FOR length(fmt) - 3)::int, '0')
        ELSE replace(fmt, '%d', n::text) END
$$;
CREATE FUNCTION julianday(iso text) RETURNS double precision LANGUAGE sql STABLE AS $$
    SELECT extract(epoch FROM iso::timestamptz)::double precision / 86400.0 + 2440587.5
$$;
CREATE FUNCTION instr(haystack text, needle text) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT strpos(haystack, needle)
$$;
-- sum(a = b): SQLite counts true comparisons as 1.
CREATE FUNCTION inbox_add_bool(acc bigint, b boolean) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT acc + CASE WHEN b THEN 1 ELSE 0 END
$$;
CREATE AGGREGATE sum(boolean) (SFUNC = inbox_add_bool, STYPE = bigint, INITCOND = '0');
CREATE FUNCTION round(x double precision, digits integer) RETURNS double precision
    LANGUAGE sql IMMUTABLE AS $$ SELECT round(x::numeric, digits)::double precision $$;
-- @both

CREATE TABLE columns (
    id INTEGER PRIMARY KEY,
    team_id INTEGER REFERENCES teams(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    filter_json TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                 -- reply, post, push, article, ...
    idempotency_key TEXT NOT NULL UNIQUE,
    account_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    conversation_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
    target TEXT NOT NULL DEFAULT '',    -- connector name or other destination
    payload_json TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'done', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at TEXT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    remote_id TEXT NOT NULL DEFAULT '',
    remote_url TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, due_at);
CREATE INDEX outbox_conversation ON outbox (conversation_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    conversation_id INTEGER REFERENCES conversations(id) ON DELETE CASCADE,
    detail_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_conversation ON audit_log (conversation_id, at);

CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    source TEXT NOT NULL,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL DEFAULT ''
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value_json TEXT NOT NULL
);
