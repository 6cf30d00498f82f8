-- The key a network or desk sees (Idempotency-Key, marker) must be unique across every
-- installation and profile, not derived from local ids: a second profile or laptop on
-- the same account would otherwise get the first one's post back as a "replay" and
-- lose its own. Random, made once when the row is queued, kept for every retry.
-- idempotency_key stays the LOCAL de-duplication key (enqueue twice -> one row).
ALTER TABLE outbox ADD COLUMN remote_key TEXT NOT NULL DEFAULT '';
-- @sqlite
-- (Rows of a local profile from before; a team database is made at a newer schema.)
UPDATE outbox SET remote_key = lower(hex(randomblob(16))) WHERE remote_key = '';
