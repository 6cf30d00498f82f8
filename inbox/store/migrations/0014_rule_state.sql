-- What the rules put on a conversation, kept apart from what people decided, so that
-- re-applying after a rule is edited or removed takes the rule's traces back:
--   {"tags": [...], "team": id, "assignee": id, "hidden": true, "veto": ["spam", "tag:x"]}
-- tags/team/assignee/hidden: set by the rules (a person's choice is never listed here);
-- veto: what a person took away from the rules ("not spam", a removed rule tag).
ALTER TABLE conversations ADD COLUMN rule_state TEXT NOT NULL DEFAULT '{}';
