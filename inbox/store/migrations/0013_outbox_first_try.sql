-- When an outbox row was first tried on its network. Networks forget an idempotency key
-- after a while (Mastodon: an hour), so a retry later than that could deliver twice and
-- is held for the user instead. It was kept per post target (0009) and covered posts
-- only; on the row it covers replies and every other network-bound kind too.
-- post_targets.first_try_at stays for older files but is no longer read.
ALTER TABLE outbox ADD COLUMN first_try_at TEXT;
UPDATE outbox SET first_try_at =
    (SELECT t.first_try_at FROM post_targets t WHERE t.outbox_id = outbox.id)
 WHERE kind = 'post';
