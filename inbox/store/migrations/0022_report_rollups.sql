-- Reports over a year in well under a second (store/reports.py, docs/architecture.md Reports).
--
-- last_inbound_score: the sentiment of the conversation's newest inbound message
-- (messages.sentiment_score of last_inbound_id; NULL until the rules score it: sentiment is
-- lazy). Kept by the triggers below whoever writes (ingest, the rules, a test's SQL), so the
-- report's mood per day is a walk of one index instead of 100,000 look-ups into messages.
ALTER TABLE conversations ADD COLUMN last_inbound_score REAL;
UPDATE conversations SET last_inbound_score = (
    SELECT m.sentiment_score FROM messages m WHERE m.id = conversations.last_inbound_id
) WHERE last_inbound_id IS NOT NULL;

-- @sqlite
-- The newest inbound message changed (ingest: a customer wrote again): its score, which is
-- NULL for a new message. The WHEN keeps ingest's common case (neither scored) to one
-- primary-key look-up.
CREATE TRIGGER conversations_inbound_score AFTER UPDATE OF last_inbound_id ON conversations
WHEN old.last_inbound_id IS NOT new.last_inbound_id
 AND (old.last_inbound_score IS NOT NULL
      OR EXISTS (SELECT 1 FROM messages WHERE id = new.last_inbound_id
                 AND sentiment_score IS NOT NULL))
BEGIN
    UPDATE conversations SET last_inbound_score = (
        SELECT sentiment_score FROM messages WHERE id = new.last_inbound_id)
    WHERE id = new.id;
END;
CREATE TRIGGER conversations_inbound_score_new AFTER INSERT ON conversations
WHEN new.last_inbound_id IS NOT NULL
BEGIN
    UPDATE conversations SET last_inbound_score = (
        SELECT sentiment_score FROM messages WHERE id = new.last_inbound_id)
    WHERE id = new.id;
END;
-- A message was scored (the rules), or came in scored, or went away.
CREATE TRIGGER messages_score_to_conversation AFTER UPDATE OF sentiment_score ON messages
WHEN old.sentiment_score IS NOT new.sentiment_score
BEGIN
    UPDATE conversations SET last_inbound_score = new.sentiment_score
    WHERE id = new.conversation_id AND last_inbound_id = new.id;
END;
CREATE TRIGGER messages_scored_new AFTER INSERT ON messages
WHEN new.sentiment_score IS NOT NULL
BEGIN
    UPDATE conversations SET last_inbound_score = new.sentiment_score
    WHERE id = new.conversation_id AND last_inbound_id = new.id;
END;
CREATE TRIGGER messages_scored_gone AFTER DELETE ON messages
WHEN old.sentiment_score IS NOT NULL
BEGIN
    UPDATE conversations SET last_inbound_score = NULL
    WHERE id = old.conversation_id AND last_inbound_id = old.id;
END;
-- @postgresql
CREATE FUNCTION inbox_conversation_score() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.last_inbound_id IS NULL THEN
        IF NEW.last_inbound_score IS NOT NULL THEN
            UPDATE conversations SET last_inbound_score = NULL WHERE id = NEW.id;
        END IF;
    ELSIF TG_OP = 'INSERT' OR OLD.last_inbound_id IS DISTINCT FROM NEW.last_inbound_id THEN
        UPDATE conversations SET last_inbound_score = (
            SELECT sentiment_score FROM messages WHERE id = NEW.last_inbound_id)
        WHERE id = NEW.id
          AND last_inbound_score IS DISTINCT FROM (
            SELECT sentiment_score FROM messages WHERE id = NEW.last_inbound_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER conversations_inbound_score AFTER INSERT OR UPDATE OF last_inbound_id
    ON conversations FOR EACH ROW EXECUTE FUNCTION inbox_conversation_score();
CREATE FUNCTION inbox_message_score() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.sentiment_score IS NOT NULL THEN
            UPDATE conversations SET last_inbound_score = NULL
            WHERE id = OLD.conversation_id AND last_inbound_id = OLD.id;
        END IF;
    ELSIF NEW.sentiment_score IS NOT NULL OR TG_OP = 'UPDATE' THEN
        UPDATE conversations SET last_inbound_score = NEW.sentiment_score
        WHERE id = NEW.conversation_id AND last_inbound_id = NEW.id
          AND last_inbound_score IS DISTINCT FROM NEW.sentiment_score;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER messages_score_to_conversation AFTER INSERT OR DELETE OR UPDATE OF sentiment_score
    ON messages FOR EACH ROW EXECUTE FUNCTION inbox_message_score();
-- @both

-- The report's per-conversation reads, now with the score instead of the message id (so a
-- customer writing again no longer rewrites this entry unless the old message was scored).
DROP INDEX conversations_received;
CREATE INDEX conversations_received ON conversations
    (first_message_at, team_id, kind, account_id, assignee_id, status, hidden, first_response_at,
     last_inbound_score, resolved_at);

-- Resolutions by when they happened (a resolved conversation without resolved_at counts as
-- resolved when it came in): the backlog's "resolved that day" is a range walk of this.
-- Partial: open conversations are not in it, so ingest never touches it.
CREATE INDEX conversations_resolved ON conversations
    ((coalesce(resolved_at, first_message_at)), first_message_at, hidden, kind, team_id)
    WHERE status = 'resolved';
