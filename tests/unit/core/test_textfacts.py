"""Text facts: folding, whole-word patterns, questions."""

from __future__ import annotations

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
