-- What our account has done to a person on the network (engine/moderation.py records it
-- when the server confirmed a block, unblock, mute or unmute): the cards of their
-- conversations on that account say "Blocked" / "Muted". Per account, since a block is
-- one account's relationship with one person.
CREATE TABLE contact_moderation (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    blocked INTEGER NOT NULL DEFAULT 0,
    muted INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (account_id, contact_id)
);

-- A try whose outcome is unknown (the request may have reached the server, its answer
-- did not come back, or the process died meanwhile): set before a request that the
-- network cannot recognise when repeated (a moderation report) leaves, cleared when the
-- answer says what happened. A row claimed again with it set is not sent by itself
-- (engine/moderation.py): the user checks and presses Retry, which clears it.
ALTER TABLE outbox ADD COLUMN unsure_since TEXT;
