-- PostgreSQL only: column pages as one statement, suggestions ranked and stemmed.
-- (SQLite's schema is unchanged: this file is empty for it.) docs/architecture.md, Backends.
-- @postgresql

-- A column's order is priority DESC, sla_due_at ASC, last_message_at DESC, id DESC. A
-- row-value comparison, (a, b, c, d) < (…), seeks an index only when every column runs the
-- same way, so the ascending ISO time is indexed with its digits mirrored (0 <-> 9: later
-- times become smaller strings; '9999', no SLA, becomes '0000' and still sorts last), in
-- byte order whatever the database's collation. store.dialect.Postgres orders and pages by
-- the same expression, so "the rows behind this one" is one index seek.
CREATE FUNCTION inbox_desc(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT translate(t, '0123456789', '9876543210') COLLATE "C"
$$;
DROP INDEX conversations_by_priority;
DROP INDEX conversations_kind;
DROP INDEX conversations_account;
DROP INDEX conversations_team;
DROP INDEX conversations_assignee;
CREATE INDEX conversations_by_priority ON conversations
    (hidden, priority DESC, inbox_desc(sla_due_at) DESC, last_message_at DESC, id DESC);
CREATE INDEX conversations_kind ON conversations
    (kind, hidden, priority DESC, inbox_desc(sla_due_at) DESC, last_message_at DESC, id DESC);
CREATE INDEX conversations_account ON conversations
    (account_id, hidden, priority DESC, inbox_desc(sla_due_at) DESC, last_message_at DESC,
     id DESC);
CREATE INDEX conversations_team ON conversations
    (team_id, hidden, priority DESC, inbox_desc(sla_due_at) DESC, last_message_at DESC, id DESC);
CREATE INDEX conversations_assignee ON conversations
    (assignee_id, hidden, priority DESC, inbox_desc(sla_due_at) DESC, last_message_at DESC,
     id DESC);

-- Solved questions with stems, as FTS5's porter tokenizer has them on SQLite: Snowball's
-- English stemmer (Porter's successor) without a stop-word list (core.suggest drops its
-- own stop words; FTS5 keeps every word), accents ignored. Stored and GIN-indexed, where
-- 0015's view computed the tsvector of every solved question on every call.
CREATE TEXT SEARCH DICTIONARY inbox_stem (TEMPLATE = snowball, Language = english);
CREATE TEXT SEARCH CONFIGURATION inbox_stems (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION inbox_stems
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
    WITH unaccent, inbox_stem;
CREATE FUNCTION inbox_stem_query(q text) RETURNS tsquery LANGUAGE sql IMMUTABLE AS $$
    SELECT to_tsquery('inbox_stems', replace(replace(
        regexp_replace(q, '"([^"]*)"\*', '''\1'':*', 'g'), ' AND ', ' & '), ' OR ', ' | '))
$$;
DROP VIEW answered_fts;
DROP FUNCTION bm25(tsvector);
ALTER TABLE answered ADD COLUMN fts tsvector
    GENERATED ALWAYS AS (to_tsvector('inbox_stems', question)) STORED;
CREATE INDEX answered_fts_index ON answered USING gin (fts);
CREATE VIEW answered_fts AS SELECT conversation_id AS rowid, fts AS answered_fts FROM answered;
-- @both
