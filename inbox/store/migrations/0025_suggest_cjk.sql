-- Suggested answers for Chinese, Japanese and Korean questions (store/suggest.py).
--
-- The solved-question index treats a run of CJK characters as one word (FTS5's
-- unicode61 tokenizer; PostgreSQL's parser likewise), so a Japanese question only found
-- the very same sentence. `cjk` marks the solved questions written with such characters
-- (hiragana, katakana, CJK ideographs and compatibility ideographs, Hangul syllables);
-- store.suggest scores the newest of them by the character pairs they share with the
-- question (LIKE over that bounded, indexed set), beside the FTS candidates.
-- @sqlite
ALTER TABLE answered ADD COLUMN cjk INTEGER
    GENERATED ALWAYS AS (question GLOB '*[ぁ-ヿ㐀-鿿豈-﫿가-힣]*') VIRTUAL;
-- @postgresql
ALTER TABLE answered ADD COLUMN cjk INTEGER
    GENERATED ALWAYS AS (CASE WHEN question ~ '[ぁ-ヿ㐀-鿿豈-﫿가-힣]' THEN 1 ELSE 0 END) STORED;
-- @both
CREATE INDEX answered_cjk ON answered (conversation_id) WHERE cjk = 1;
