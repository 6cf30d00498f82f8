-- When a resolved conversation was resolved (store.triage.set_status writes it; it is read
-- only while status = 'resolved', so a reopen or an undo needs no write). Conversations
-- resolved before this column take their newest audited "status -> resolved".
ALTER TABLE conversations ADD COLUMN resolved_at TEXT;
-- @sqlite
UPDATE conversations SET resolved_at = (
    SELECT max(a.at) FROM audit_log a
    WHERE a.conversation_id = conversations.id AND a.action = 'status'
      AND instr(a.detail_json, '"status": "resolved"') > 0
) WHERE status = 'resolved';
-- @postgresql
UPDATE conversations SET resolved_at = (
    SELECT max(a.at) FROM audit_log a
    WHERE a.conversation_id = conversations.id AND a.action = 'status'
      AND position('"status": "resolved"' in a.detail_json) > 0
) WHERE status = 'resolved';
-- @both

-- Reports (store/reports.py) read a period's conversations by when they came in. This index
-- holds every column those counts group by, so a week is a short range walk and a year a
-- scan of a narrow index instead of the wide conversation rows. first_message_at, kind and
-- account_id never change; team, assignee, status, hidden and first_response_at change on
-- triage, resolving and the first reply; last_inbound_id (the message whose sentiment the report
-- reads) changes with each new customer message of a conversation: one index entry rewritten.
CREATE INDEX conversations_received ON conversations
    (first_message_at, team_id, kind, account_id, assignee_id, status, hidden, first_response_at,
     last_inbound_id, resolved_at);

-- The sentiment the rules computed, by message id: the report looks up 100,000 scores in a
-- 2 MB index instead of 100,000 wide message rows. Partial: only scored messages.
CREATE INDEX messages_scored ON messages (id, sentiment_score) WHERE sentiment_score IS NOT NULL;

-- Replies our published posts got: messages on the post's account whose in_reply_to is the
-- remote id the post got. Without this, a walk over every message of the account per post.
-- Partial: messages answering nothing are not indexed, so ingest pays only for replies.
CREATE INDEX messages_in_reply_to ON messages (account_id, in_reply_to)
    WHERE in_reply_to IS NOT NULL;
