-- The waiting re-score (engine sla_tick, every 30 s) looks up conversations whose
-- oldest unanswered message crossed a rule's "waiting longer than N minutes": seek, not scan.
CREATE INDEX conversations_waiting ON conversations (waiting_since) WHERE waiting_since IS NOT NULL;
