"""Text facts: folding, whole-word patterns, questions."""

from __future__ import annotations

import random

from inbox.core.textfacts import fold, is_question, sentiment_label, word_pattern


def test_fold_drops_case_and_accents() -> None:
    assert fold("Crème BRÛLÉE à São Paulo") == "creme brulee a sao paulo"


def test_word_pattern_matches_phrases_across_spacing() -> None:
    pattern = word_pattern(["not working", "refund"])
    assert pattern is not None
    assert pattern.search(fold("it's NOT   working"))
    assert pattern.search("refund!")
    assert not pattern.search("refunded")
    assert word_pattern(["", "  "]) is None


def test_questions() -> None:
    assert is_question("how do I reset my password")
    assert is_question("@shop can you help")
    assert is_question("Thanks. Where is my parcel")
    assert not is_question("I reset my password")


def test_sentiment_labels_follow_vader_cutoffs() -> None:
    assert sentiment_label(0.05) == "positive"
    assert sentiment_label(-0.05) == "negative"
    assert sentiment_label(0.0) == "neutral"


def test_sentiment_scores_exactly_as_stock_vader() -> None:
    """The faster analyzer is the same VADER: same scores on texts hitting every rule."""
    from vaderSentiment.vaderSentiment import (
        BOOSTER_DICT,
        NEGATE,
        SPECIAL_CASES,
        SentimentIntensityAnalyzer,
    )

    from inbox.core.textfacts import sentiment

    stock = SentimentIntensityAnalyzer()
    rng = random.Random(1)
    pool = [
        *rng.sample(sorted(stock.lexicon), 300),
        *BOOSTER_DICT,
        *NEGATE,
        *(w for k in SPECIAL_CASES for w in k.split()),
        *[
            "no",
            "nor",
            "or",
            "least",
            "at",
            "very",
            "but",
            "BUT",
            "kind",
            "of",
            "never",
            "so",
            "this",
            "without",
            "doubt",
            "sort",
            "the",
        ],
        *[
            "isn't",
            "GREAT",
            "Good",
            "bad!!",
            "love?",
            ":)",
            ":(",
            "@user",
            "?",
            "!!!",
            "café",
            "fermé",
            "😀",
            "💔",
            "😂😂",
        ],
    ]
    texts = ["", "   ", "I love this, thank you so much!", "Worst service ever"]
    for _ in range(3000):
        text = " ".join(rng.choice(pool) for _ in range(rng.randint(0, 30)))
        if rng.random() < 0.2:
            text = text.upper()
        if rng.random() < 0.3:
            text += rng.choice(["!", "!!", "?", "??", "????", " :)", "😀"])
        if rng.random() < 0.2:
            text = text.replace(" ", rng.choice(["  ", ", ", "😀", "\n"]))
        texts.append(text)
    for text in texts:
        expected = stock.polarity_scores(text)["compound"] if text.strip() else 0.0
        assert sentiment(text) == expected, text
