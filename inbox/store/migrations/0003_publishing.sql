-- Publishing: posts and the accounts each goes to, saved reply templates, and
-- each account's weekly posting slots. scheduled_at is UTC (core.clock.to_iso);
-- zone is the IANA zone the post was planned in, so its wall time survives DST.

CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,
    author_id INTEGER REFERENCES members(id) ON DELETE SET NULL,
    state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'awaiting_approval',
        'scheduled', 'sending', 'published', 'failed', 'missed', 'skipped')),
    text TEXT NOT NULL DEFAULT '',
    variants_json TEXT NOT NULL DEFAULT '{}',
    link TEXT NOT NULL DEFAULT '',
    media_json TEXT NOT NULL DEFAULT '[]',
    scheduled_at TEXT,
    zone TEXT NOT NULL DEFAULT 'UTC',
    use_network_scheduler INTEGER NOT NULL DEFAULT 0,
    review_comment TEXT NOT NULL DEFAULT '',
    approved_by INTEGER REFERENCES members(id) ON DELETE SET NULL,
    error TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',      -- e.g. "published late: the app was closed at its time"
    -- grows when a published post is deliberately sent again, so its new outbox keys differ
    generation INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX posts_due ON posts (state, scheduled_at);

CREATE TABLE post_targets (
    post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    outbox_id INTEGER REFERENCES outbox(id) ON DELETE SET NULL,
    PRIMARY KEY (post_id, account_id)
);
CREATE INDEX post_targets_account ON post_targets (account_id);

CREATE TABLE templates (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    shortcut TEXT NOT NULL DEFAULT '',
    team_id INTEGER REFERENCES teams(id) ON DELETE CASCADE,
    custom_fields_json TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX templates_name ON templates (coalesce(team_id, 0), name);

CREATE TABLE posting_schedules (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    zone TEXT NOT NULL,
    slots TEXT NOT NULL  -- core.schedule.PostingSchedule.format(), e.g. "mon 09:30,15:00"
);
