"""X's length: twitter-text config v3, through the maintained port (networks/twittertext.py).

280 weighted units; code points in the light ranges weigh 1, others 2, an emoji
sequence 2, every URL X's extractor finds (with or without a scheme, valid hosts only:
labels of at most 63 characters, a known TLD, no misplaced "-"/"_", t.co slugs of at
most 40) 23. Checked against the published conformance suite in
tests/data/twitter-text/ (validate.yml weighted-tweet cases, extract.yml URL cases).
"""

from __future__ import annotations

from typing import Any

from inbox.core.text import Count, LazyPattern, Span, merge_spans
from inbox.networks.twittertext import library

MAX_CHARS = 280
URL_WEIGHT = 23
_MENTION = LazyPattern(r"(?<![\w@!#$%&*])[@＠]([A-Za-z0-9_]{1,15})(?![\w@])")


def options(version: int = 3) -> dict[str, Any]:
    """twitter-text's counting config: version 3 (emoji count 2) is X's today."""
    return {"emoji_parsing_enabled": False, **library().config.config[f"version{version}"]}


def parse(text: str, version: int = 3) -> Any:
    """twitter-text's ParsedResult (weightedLength, valid, permillage, ranges)."""
    return library().parse_tweet(text, options(version))


def weighted_length(text: str) -> int:
    """twitter-text v3 weighted length (in units of 1; 280 allowed)."""
    return int(parse(text).weightedLength)


def links(text: str) -> list[Span]:
    """URLs as X's extractor finds them (scheme-less ones with a valid TLD too)."""
    found = library().extract_urls_with_indices(text)
    return [Span("link", u["indices"][0], u["indices"][1], u["url"]) for u in found]


def count(text: str, limit: int | None = None) -> Count:
    """The post as X counts it; valid only without U+FFFE, U+FEFF, U+FFFF."""
    invalid = bool(library().has_invalid_characters.has_invalid_characters(text))
    return Count("x", weighted_length(text), limit or MAX_CHARS, invalid_chars=invalid)


def spans(text: str) -> list[Span]:
    """Links, @mentions and hashtags to highlight, as X would link them."""
    mentions = [Span("mention", m.start(), m.end(), m.group(1)) for m in _MENTION.finditer(text)]
    return merge_spans(links(text), mentions, text)


def warm_up() -> None:
    """Import and compile the library (the reply box calls this off the GUI thread)."""
    library()
