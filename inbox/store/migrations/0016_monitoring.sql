-- Monitoring columns: a column whose filter names a search shows what it found.
-- searches: what to look for (core.monitoring.SearchSpec as JSON) and where its last
-- fetch stands (the column header shows it). A search outlives its column (undo of a
-- removed column brings the same search and hits back); the engine fetches only
-- searches a column names. Cursors live in sync_cursors as stream 'search:<id>'.
CREATE TABLE searches (
    id INTEGER PRIMARY KEY,
    spec_json TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'new',  -- new, fetching, ok, error
    detail TEXT NOT NULL DEFAULT '',
    fetched_at TEXT,
    created_at TEXT NOT NULL
);

-- Which conversations a search found (one item may be found by several searches and
-- also be a mention: it is one conversation, listed here once per search).
CREATE TABLE search_hits (
    search_id INTEGER NOT NULL REFERENCES searches(id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    PRIMARY KEY (search_id, conversation_id)
) WITHOUT ROWID;
CREATE INDEX search_hits_conversation ON search_hits (conversation_id);
