"""Text facts the rules read: accent- and case-free words, questions, VADER sentiment."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

# VADER's own recommended cut-offs on the compound score.
POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05

_QUESTION_START = re.compile(
    r"^\s*(?:@\S+\s+)*(who|what|when|where|why|how|which|can|could|would|will|is|are|do|does"
    r"|did|should|anyone)\b",
    re.IGNORECASE,
)


def fold(text: str) -> str:
    """Lower-case without accents: "Café FERMÉ" -> "cafe ferme"."""
    if text.isascii():
        return text.lower()  # nothing to strip: the common case, much faster
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def word_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """A regex matching any of words (or phrases) as whole words in fold()ed text."""
    folded = sorted({fold(w).strip() for w in words if w.strip()}, key=len, reverse=True)
    if not folded:
        return None
    alternatives = "|".join(r"\s+".join(map(re.escape, w.split())) for w in folded)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def is_question(text: str) -> bool:
    """A question mark, or a sentence that opens like an English question."""
    return "?" in text or any(_QUESTION_START.match(s) for s in re.split(r"[.!\n]+", text))


@functools.cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()  # reads its packaged lexicon once


def sentiment(text: str) -> float:
    """VADER's compound score in [-1, 1]; made for short social media text."""
    return float(_analyzer().polarity_scores(text)["compound"]) if text.strip() else 0.0


def sentiment_label(score: float) -> str:
    """negative, neutral or positive."""
    if score >= POSITIVE_AT:
        return "positive"
    if score <= NEGATIVE_AT:
        return "negative"
    return "neutral"
