-- A team's posting guidelines (core.guidelines): forbidden words, required disclosure
-- tags, allowed link domains, unverified-claims words, community rules. team_id NULL:
-- every team's. severity 'approval' holds a post or reply for an approver.
CREATE TABLE guidelines (
    id INTEGER PRIMARY KEY,
    team_id INTEGER REFERENCES teams(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('forbidden', 'disclosure', 'domains', 'claims', 'conduct')),
    words_json TEXT NOT NULL DEFAULT '[]',
    triggers_json TEXT NOT NULL DEFAULT '[]',
    severity TEXT NOT NULL DEFAULT 'warn' CHECK (severity IN ('warn', 'approval')),
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX guidelines_team ON guidelines (team_id);

-- A reply that breaks an 'approval' guideline waits here instead of in the outbox; an
-- approver's yes queues it (outbox_id) with the draft's own key, a no returns it to its
-- author with the comment.
CREATE TABLE held_replies (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    draft_key TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    options_json TEXT NOT NULL DEFAULT '{}',
    author TEXT NOT NULL DEFAULT '',
    member_id INTEGER,
    reasons TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'awaiting' CHECK (state IN ('awaiting', 'approved', 'rejected')),
    review_comment TEXT NOT NULL DEFAULT '',
    outbox_id INTEGER REFERENCES outbox(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX held_replies_state ON held_replies (state, created_at);
