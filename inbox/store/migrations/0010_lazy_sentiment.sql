-- Sentiment is worked out when a rule needs it, not for every message at ingest:
-- VADER was ~40% of ingest time. sentiment_score is NULL until the rules compute it
-- for the message they read (conversations.last_inbound_id), then kept, so VADER runs
-- at most once per message. See docs/architecture.md, "Triage rules".
ALTER TABLE messages ADD COLUMN sentiment_score REAL;

-- Scores computed eagerly before are still right: keep those the rules read.
UPDATE messages SET sentiment_score = sentiment
WHERE id IN (SELECT last_inbound_id FROM conversations WHERE last_inbound_id IS NOT NULL);

-- messages.sentiment (0005) is no longer written or read. It stays (dropping a column
-- rewrites the whole table); new rows get its default 0.
