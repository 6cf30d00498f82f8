"""What every network's length rule shares: the Count it returns, highlighted Spans,
grapheme clusters, and the helpers to merge and replace spans.

The rules themselves live with their networks, behind ``Capabilities.length`` and
``Capabilities.spans`` (``networks/<net>/length.py``): X counts with twitter-text v3,
Mastodon as its StatusLengthValidator, Bluesky in graphemes and UTF-8 bytes. Code
outside ``networks/`` asks ``networks.registry.count(name, text)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import regex

# A URL with an http(s) scheme up to white space, trailing punctuation left out.
SCHEME_URL = regex.compile(
    r"(?<![\w@.])https?://[^\s<>\"]+?(?=[.,:;!?)\]'\"]*(?:\s|$))", regex.IGNORECASE
)
_HASHTAG = regex.compile(r"(?<![\w&#/])[#＃](\w*[\p{L}_]\w*)")
_GRAPHEME = regex.compile(r"\X")


@dataclass(frozen=True, slots=True)
class Span:
    """A highlighted range of the text: kind is "mention", "hashtag" or "link".

    start and end are Python string indices (end exclusive); value is the
    handle without "@", the tag without "#", or the URL.
    """

    kind: str
    start: int
    end: int
    value: str


@dataclass(frozen=True, slots=True)
class Count:
    """How long a text is for one network, and whether it fits."""

    network: str
    length: int
    limit: int
    bytes_over: bool = False  # over a byte limit as well as a character one (Bluesky)
    invalid_chars: bool = False  # contains characters the network refuses (X: U+FFFE…)

    @property
    def remaining(self) -> int:
        return self.limit - self.length

    @property
    def over(self) -> bool:
        return self.length > self.limit or self.bytes_over

    @property
    def ok(self) -> bool:
        """Sendable: not over, not empty, no characters the network refuses."""
        return not self.over and self.length > 0 and not self.invalid_chars


def graphemes(text: str) -> int:
    """User-perceived characters (extended grapheme clusters)."""
    return len(_GRAPHEME.findall(text))


def hashtags(text: str) -> list[Span]:
    return [Span("hashtag", m.start(), m.end(), m.group(1)) for m in _HASHTAG.finditer(text)]


def merge_spans(links: list[Span], mentions: list[Span], text: str) -> list[Span]:
    """Links first, then mentions and hashtags that do not overlap one; sorted."""
    result: list[Span] = list(links)
    for span in sorted(mentions + hashtags(text), key=lambda s: s.start):
        if not any(s.start < span.end and span.start < s.end for s in result):
            result.append(span)
    return sorted(result, key=lambda s: s.start)


def without_overlaps(found: list[Span]) -> list[Span]:
    """twitter-text's remove_overlapping_entities: by start, a later overlapping one goes."""
    kept: list[Span] = []
    for span in sorted(found, key=lambda s: s.start):
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def replace_spans(text: str, found: list[Span], repl: Callable[[Span], str]) -> str:
    out: list[str] = []
    pos = 0
    for span in found:
        out.append(text[pos : span.start])
        out.append(repl(span))
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def mention_at(text: str, cursor: int) -> tuple[int, str] | None:
    """The partial "@handle" ending at cursor, for completion: (start index, prefix)."""
    m = regex.search(r"(?<![\w@])@([\w.@-]*)$", text[:cursor])
    if m is None:
        return None
    return m.start(), m.group(1)
