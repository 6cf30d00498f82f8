-- Suggested answers (core/suggest.py, store/suggest.py).
--
-- answered: one row per resolved conversation that has an answer of ours
-- (first_response_at set), holding the customer's question text. Its FTS5 index
-- (porter stemming: "refunded" finds "refund") is the bounded candidate set the
-- suggestions are ranked from: far smaller than messages_fts, so bm25 stays cheap
-- at a million messages. Triggers keep it true whatever resolves or reopens a
-- conversation (the window, the CLI, ingest reopening on a customer's message).
CREATE TABLE answered (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    question TEXT NOT NULL
);
-- @sqlite
CREATE VIRTUAL TABLE answered_fts USING fts5 (
    question, content='answered', content_rowid='conversation_id',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER answered_fts_ai AFTER INSERT ON answered BEGIN
    INSERT INTO answered_fts (rowid, question) VALUES (new.conversation_id, new.question);
END;
CREATE TRIGGER answered_fts_ad AFTER DELETE ON answered BEGIN
    INSERT INTO answered_fts (answered_fts, rowid, question)
    VALUES ('delete', old.conversation_id, old.question);
END;

-- Resolved with an answer: index the question (the customer's first 20 messages).
CREATE TRIGGER answered_on_resolve AFTER UPDATE OF status ON conversations
WHEN new.status = 'resolved' AND old.status <> 'resolved' AND new.first_response_at IS NOT NULL
BEGIN
    DELETE FROM answered WHERE conversation_id = new.id;
    INSERT INTO answered (conversation_id, question)
    SELECT new.id, group_concat(text, char(10)) FROM (
        SELECT text FROM messages WHERE conversation_id = new.id AND direction = 'in'
        ORDER BY created_at, id LIMIT 20)
    HAVING count(*) > 0;
END;
-- Answered after it was resolved.
CREATE TRIGGER answered_on_response AFTER UPDATE OF first_response_at ON conversations
WHEN new.status = 'resolved' AND old.first_response_at IS NULL AND new.first_response_at IS NOT NULL
BEGIN
    DELETE FROM answered WHERE conversation_id = new.id;
    INSERT INTO answered (conversation_id, question)
    SELECT new.id, group_concat(text, char(10)) FROM (
        SELECT text FROM messages WHERE conversation_id = new.id AND direction = 'in'
        ORDER BY created_at, id LIMIT 20)
    HAVING count(*) > 0;
END;
-- Reopened: no longer a solved case.
CREATE TRIGGER answered_on_reopen AFTER UPDATE OF status ON conversations
WHEN old.status = 'resolved' AND new.status <> 'resolved'
BEGIN
    DELETE FROM answered WHERE conversation_id = new.id;
END;

INSERT INTO answered (conversation_id, question)
SELECT c.id, (SELECT group_concat(text, char(10)) FROM (
        SELECT text FROM messages WHERE conversation_id = c.id AND direction = 'in'
        ORDER BY created_at, id LIMIT 20))
FROM conversations c
WHERE c.status = 'resolved' AND c.first_response_at IS NOT NULL
  AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'in');
-- @postgresql
-- The same rows kept by one trigger function; the view gives the store's FTS5 query text
-- a tsvector to match (no stemming yet, and bm25 is a constant: on a team server the
-- candidates come newest first, unranked; see docs/architecture.md, Backends).
CREATE FUNCTION inbox_answered_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'resolved' AND NEW.first_response_at IS NOT NULL
       AND (OLD.status <> 'resolved' OR OLD.first_response_at IS NULL) THEN
        DELETE FROM answered WHERE conversation_id = NEW.id;
        INSERT INTO answered (conversation_id, question)
        SELECT NEW.id, string_agg(q.text, chr(10)) FROM (
            SELECT text FROM messages WHERE conversation_id = NEW.id AND direction = 'in'
            ORDER BY created_at, id LIMIT 20) AS q
        HAVING count(*) > 0;
    ELSIF OLD.status = 'resolved' AND NEW.status <> 'resolved' THEN
        DELETE FROM answered WHERE conversation_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER answered_sync AFTER UPDATE OF status, first_response_at ON conversations
    FOR EACH ROW EXECUTE FUNCTION inbox_answered_sync();
CREATE VIEW answered_fts AS
    SELECT conversation_id AS rowid, to_tsvector('inbox_words', question) AS answered_fts
    FROM answered;
CREATE FUNCTION bm25(doc tsvector) RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
    SELECT 0.0::double precision
$$;
-- @both

-- Every time a suggestion was put into a reply box: "reused N times", and the report's
-- first-response time with vs without a suggestion.
CREATE TABLE suggestion_uses (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    conversation_id INTEGER REFERENCES conversations(id) ON DELETE CASCADE,
    source TEXT NOT NULL CHECK (source IN ('conversation', 'template', 'article')),
    source_id INTEGER NOT NULL,
    rank INTEGER NOT NULL DEFAULT 1,
    actor TEXT NOT NULL DEFAULT ''
);
CREATE INDEX suggestion_uses_source ON suggestion_uses (source, source_id);
CREATE INDEX suggestion_uses_conversation ON suggestion_uses (conversation_id);
CREATE INDEX suggestion_uses_at ON suggestion_uses (at);
