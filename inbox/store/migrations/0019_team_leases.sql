-- Working together: several laptops (engines) on one database.
-- outbox.claimed_by / lease_until: the row lease. A row in "sending" belongs to the
-- engine named in claimed_by until lease_until; after that any engine may take it
-- (the remote_key makes the retry safe). '' = nobody (rows of older files).
ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN lease_until TEXT NOT NULL DEFAULT '';
-- Who queued a row (the engine's holder id): "someone else answered" is a reply row or
-- an outbound message that did not come from this engine.
ALTER TABLE outbox ADD COLUMN queued_by TEXT NOT NULL DEFAULT '';

-- Named leases: one holder at a time ("fetch:<account id>": the one fetcher of an
-- account). A holder renews until; an expired lease may be taken by anyone.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until TEXT NOT NULL,
    acquired_at TEXT NOT NULL
);

-- Presence: what each engine's member is doing, one row per engine (holder), renewed
-- by a heartbeat; rows older than the expiry are ignored and pruned.
CREATE TABLE presence (
    holder TEXT PRIMARY KEY,
    member TEXT NOT NULL,
    conversation_id INTEGER,
    activity TEXT NOT NULL DEFAULT 'viewing' CHECK (activity IN ('viewing', 'replying')),
    seen_at TEXT NOT NULL
);
CREATE INDEX presence_conversation ON presence (conversation_id, seen_at);

-- Live: what each engine changed, so the other laptops' open decks re-read those
-- conversations (engine/live.py; on PostgreSQL a NOTIFY carries the same ids at once).
-- Pruned after a few minutes.
CREATE TABLE change_log (
    id INTEGER PRIMARY KEY,
    holder TEXT NOT NULL,
    conversations TEXT NOT NULL,
    at TEXT NOT NULL
);
