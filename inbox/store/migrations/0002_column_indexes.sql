-- Indexes that give every column filter its first page without sorting.
-- A column's order is (priority DESC, sla_due_at, last_message_at DESC, id DESC), or
-- (last_message_at DESC, id DESC) for "newest". Each index below leads with the
-- equality a filter kind provides (kind, account, team, assignee), then hidden = 0,
-- then the full order, so SQLite walks it in order and stops after one page.
-- Status is not a leading column: "new, open or pending" is an IN list, which would
-- force a sort; it is checked on the rows walked instead (cheap: most rows pass).
-- See docs/architecture.md, "Store indexes".

DROP INDEX conversations_queue;
DROP INDEX conversations_newest;
DROP INDEX conversations_account;
DROP INDEX conversations_team;
DROP INDEX conversations_assignee;

CREATE INDEX conversations_by_priority
    ON conversations (hidden, priority DESC, sla_due_at, last_message_at DESC, id DESC);
CREATE INDEX conversations_by_newest
    ON conversations (hidden, last_message_at DESC, id DESC);
CREATE INDEX conversations_kind
    ON conversations (kind, hidden, priority DESC, sla_due_at, last_message_at DESC, id DESC);
CREATE INDEX conversations_account
    ON conversations (account_id, hidden, priority DESC, sla_due_at, last_message_at DESC, id DESC);
CREATE INDEX conversations_team
    ON conversations (team_id, hidden, priority DESC, sla_due_at, last_message_at DESC, id DESC);
CREATE INDEX conversations_assignee
    ON conversations (assignee_id, hidden, priority DESC, sla_due_at, last_message_at DESC, id DESC);
