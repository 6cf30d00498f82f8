-- The offline journal (store/journal.py, engine/offline.py): the id of every journal entry
-- (laptop id + sequence number) replayed on this database, written in the same
-- transaction as the replayed operation, so an entry is applied exactly once even when two
-- processes of one laptop come back at the same moment.
CREATE TABLE journal_applied (
    id TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    op TEXT NOT NULL,
    applied_at TEXT NOT NULL
);
