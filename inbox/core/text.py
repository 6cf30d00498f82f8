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
from typing import Any


class LazyPattern:
    """A `regex` pattern compiled on first use: importing `regex` and compiling the
    length rules' patterns costs CPU that the window's first paint (network labels,
    which import each network's package) does not need."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern: str, ignorecase: bool = False) -> None:
        self._args = (pattern, ignorecase)
        self._compiled: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._compiled is None:
            import regex

            pattern, ignorecase = self._args
            self._compiled = regex.compile(pattern, regex.IGNORECASE if ignorecase else 0)
        return getattr(self._compiled, name)


# A URL with an http(s) scheme up to white space, trailing punctuation left out.
SCHEME_URL = LazyPattern(
    r"(?<![\w@.])https?://[^\s<>\"]+?(?=[.,:;!?)\]'\"]*(?:\s|$))", ignorecase=True
)
_HASHTAG = LazyPattern(r"(?<![\w&#/])[#＃](\w*[\p{L}_]\w*)")
_GRAPHEME = LazyPattern(r"\X")


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
    invalid_chars: bool = False  # contains characters the network refuses (X: U+FFFE…)
    byte_length: int = 0  # UTF-8 bytes, where the network also limits those (Bluesky)
    byte_limit: int = 0  # 0: no byte limit

    @property
    def bytes_over(self) -> bool:
        return bool(self.byte_limit) and self.byte_length > self.byte_limit

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
    import regex

    m = regex.search(r"(?<![\w@])@([\w.@-]*)$", text[:cursor])
    if m is None:
        return None
    return m.start(), m.group(1)
