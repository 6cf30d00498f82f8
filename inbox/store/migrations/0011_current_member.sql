-- One "current member" setting replaces triage.current_member and publishing.member_id,
-- which could name different people. The triage one wins (it is what the audit log used).
-- @sqlite
-- (A team database starts at the newest schema: it never held the two old settings.)
INSERT OR IGNORE INTO settings (key, value_json)
    SELECT 'current_member', value_json FROM settings WHERE key = 'triage.current_member' AND value_json != 'null';
INSERT OR IGNORE INTO settings (key, value_json)
    SELECT 'current_member', value_json FROM settings WHERE key = 'publishing.member_id' AND value_json != 'null';
DELETE FROM settings WHERE key IN ('triage.current_member', 'publishing.member_id');
