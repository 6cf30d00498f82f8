"""Bluesky's length, as the app.bsky.feed.post lexicon defines it: ``text`` has
``maxGraphemes`` 300 and ``maxLength`` 3000 (UTF-8 bytes); URLs count in full (a link
is a facet over the text, not a shortened stand-in)."""

from __future__ import annotations

from inbox.core.text import SCHEME_URL, Count, LazyPattern, Span, graphemes, merge_spans

MAX_GRAPHEMES = 300
MAX_BYTES = 3000
_MENTION = LazyPattern(
    r"(?<![\w@])@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]*[a-z0-9])?)",
    ignorecase=True,
)


def count(text: str, limit: int | None = None) -> Count:
    """Graphemes against the limit; over the byte limit is over too (Count.bytes_over)."""
    size = len(text.encode("utf-8"))
    return Count(
        "bluesky", graphemes(text), limit or MAX_GRAPHEMES, byte_length=size, byte_limit=MAX_BYTES
    )


def spans(text: str) -> list[Span]:
    """Links with a scheme, @handle.domain mentions and hashtags."""
    links = [Span("link", m.start(), m.end(), m.group()) for m in SCHEME_URL.finditer(text)]
    mentions = [Span("mention", m.start(), m.end(), m.group(1)) for m in _MENTION.finditer(text)]
    return merge_spans(links, mentions, text)
