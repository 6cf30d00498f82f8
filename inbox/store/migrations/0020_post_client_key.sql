-- A post's client key: made by whoever first saves the post (the composer, `post`, a CSV
-- import), so an operation replayed later (the offline journal) or sent twice finds the
-- post it made the first time instead of making a second one. NULL for older posts.
ALTER TABLE posts ADD COLUMN client_key TEXT;
CREATE UNIQUE INDEX posts_client_key ON posts (client_key) WHERE client_key IS NOT NULL;
