-- When a post was first sent to an account: Mastodon forgets an Idempotency-Key after
-- an hour, so a retry later than that could post twice and is held for the user instead.
ALTER TABLE post_targets ADD COLUMN first_try_at TEXT;
