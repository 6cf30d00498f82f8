"""Text facts the rules read: accent- and case-free words, questions, VADER sentiment."""

from __future__ import annotations

import functools
import re
import string
import unicodedata
from collections.abc import Iterable

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    allcap_differential,
    scalar_inc_dec,
)

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


_NEGATE = frozenset(NEGATE)
_PUNCTUATION = string.punctuation  # what SentiText strips from tokens


class _Vader(SentimentIntensityAnalyzer):
    """VADER with the same scores, without its per-word rework.

    The stock analyzer lower-cases the whole sentence again for every lexicon word it
    scores (negation and idiom checks), which makes a text cost O(words²), and copies
    every character of ASCII text looking for emoji. This lower-cases once and skips
    the emoji pass when there can be none; every rule is the stock one, in the same
    order (tests/unit/core/test_textfacts.py compares both on many texts).
    """

    def polarity_scores(self, text: str) -> dict[str, float]:
        if not text.isascii():  # every emoji VADER knows is non-ASCII
            text = self._describe_emoji(text)
        text = text.strip()
        # SentiText's tokens: punctuation stripped unless that leaves 2 characters or less
        words = [w if len(s := w.strip(_PUNCTUATION)) <= 2 else s for w in text.split()]
        is_cap_diff: bool = allcap_differential(words)
        lower = [w.lower() for w in words]
        lexicon: dict[str, float] = self.lexicon
        last = len(words) - 1
        sentiments: list[float] = []
        for i, item in enumerate(words):
            low = lower[i]
            if low in BOOSTER_DICT or (low == "kind" and i < last and lower[i + 1] == "of"):
                sentiments.append(0)
                continue
            if low not in lexicon:
                sentiments.append(0)
                continue
            sentiments.append(self._valence(is_cap_diff, words, lower, item, i))
        sentiments = self._but_check(words, sentiments)
        return dict(self.score_valence(sentiments, text))

    def _describe_emoji(self, text: str) -> str:
        out: list[str] = []
        prev_space = True
        for ch in text:
            description = self.emojis.get(ch)
            if description is not None:
                if not prev_space:
                    out.append(" ")
                out.append(description)
                prev_space = False
            else:
                out.append(ch)
                prev_space = ch == " "
        return "".join(out)

    def _valence(
        self, is_cap_diff: bool, words: list[str], lower: list[str], item: str, i: int
    ) -> float:
        """The stock sentiment_valence for a lexicon word, on the lower-cased list."""
        lexicon: dict[str, float] = self.lexicon
        low = lower[i]
        valence = lexicon[low]
        if low == "no" and i != len(words) - 1 and lower[i + 1] in lexicon:
            valence = 0.0
        if (
            (i > 0 and lower[i - 1] == "no")
            or (i > 1 and lower[i - 2] == "no")
            or (i > 2 and lower[i - 3] == "no" and lower[i - 1] in ("or", "nor"))
        ):
            valence = lexicon[low] * N_SCALAR
        if item.isupper() and is_cap_diff:
            valence = valence + C_INCR if valence > 0 else valence - C_INCR
        for start_i in range(3):
            if i > start_i and lower[i - (start_i + 1)] not in lexicon:
                s = scalar_inc_dec(words[i - (start_i + 1)], valence, is_cap_diff)
                if start_i == 1 and s != 0:
                    s = s * 0.95
                if start_i == 2 and s != 0:
                    s = s * 0.9
                valence = valence + s
                valence = _negation(valence, lower, start_i, i)
                if start_i == 2:
                    valence = _idioms(valence, lower, i)
        # the stock _least_check
        if i > 1 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
            if lower[i - 2] != "at" and lower[i - 2] != "very":
                valence = valence * N_SCALAR
        elif i > 0 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
            valence = valence * N_SCALAR
        return valence


def _negated(word: str) -> bool:
    word = word.lower()  # as the stock negated() does, again
    return word in _NEGATE or "n't" in word


def _negation(valence: float, lower: list[str], start_i: int, i: int) -> float:
    """The stock _negation_check, on the lower-cased list."""
    if start_i == 0 and _negated(lower[i - 1]):
        valence = valence * N_SCALAR
    if start_i == 1:
        if lower[i - 2] == "never" and (lower[i - 1] == "so" or lower[i - 1] == "this"):
            valence = valence * 1.25
        elif lower[i - 2] == "without" and lower[i - 1] == "doubt":
            pass
        elif _negated(lower[i - 2]):
            valence = valence * N_SCALAR
    if start_i == 2:
        if (lower[i - 3] == "never" and (lower[i - 2] == "so" or lower[i - 2] == "this")) or (
            lower[i - 1] == "so" or lower[i - 1] == "this"
        ):
            valence = valence * 1.25
        elif lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
            pass
        elif _negated(lower[i - 3]):
            valence = valence * N_SCALAR
    return valence


def _idioms(valence: float, lower: list[str], i: int) -> float:
    """The stock _special_idioms_check, on the lower-cased list."""
    onezero = f"{lower[i - 1]} {lower[i]}"
    twoonezero = f"{lower[i - 2]} {lower[i - 1]} {lower[i]}"
    twoone = f"{lower[i - 2]} {lower[i - 1]}"
    threetwoone = f"{lower[i - 3]} {lower[i - 2]} {lower[i - 1]}"
    threetwo = f"{lower[i - 3]} {lower[i - 2]}"
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    if len(lower) - 1 > i:
        zeroone = f"{lower[i]} {lower[i + 1]}"
        if zeroone in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroone]
    if len(lower) - 1 > i + 1:
        zeroonetwo = f"{lower[i]} {lower[i + 1]} {lower[i + 2]}"
        if zeroonetwo in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence


@functools.cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return _Vader()  # reads its packaged lexicon once


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
