"""Per-network post length counting and mention/hashtag/link spans for highlighting.

Each network counts differently:

- Mastodon: grapheme clusters of spoiler + text; a URL with a scheme counts as
  ``characters_reserved_per_url`` (23); ``@user@remote.domain`` counts as ``@user``.
  The limit is the instance's ``max_characters`` (500 by default).
- Bluesky: 300 grapheme clusters and 3000 UTF-8 bytes; URLs count in full.
- X: twitter-text config v3 weighted length: 280 units, where code points in the
  light ranges weigh 1, everything else (CJK, Hangul, astral) 2, an emoji
  sequence 2, and every URL (with or without a scheme) 23.

The patterns are close to each network's own extractor but simpler; they are
tested on the cases the networks document.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import regex

MASTODON = "mastodon"
BLUESKY = "bluesky"
X = "x"

DEFAULT_LIMITS: dict[str, int] = {MASTODON: 500, BLUESKY: 300, X: 280}
BLUESKY_MAX_BYTES = 3000
URL_LENGTH = 23

# Top-level domains a scheme-less URL may end in (X extracts these; a short,
# common subset of twitter-text's list). Two-letter country codes are allowed
# too, but like twitter-text only with a path (or for .co).
_GTLDS = frozenset(
    [
        "com",
        "net",
        "org",
        "edu",
        "gov",
        "mil",
        "int",
        "info",
        "biz",
        "name",
        "pro",
        "aero",
        "coop",
        "museum",
        "mobi",
        "asia",
        "tel",
        "travel",
        "jobs",
        "app",
        "dev",
        "io",
        "ai",
        "social",
        "blog",
        "shop",
        "store",
        "online",
        "site",
        "tech",
        "xyz",
        "club",
        "news",
        "live",
        "media",
        "art",
        "design",
        "cloud",
        "page",
        "link",
        "email",
        "website",
        "space",
        "today",
        "world",
    ]
)

_SCHEME_URL = regex.compile(
    r"(?<![\w@.])https?://[^\s<>\"]+?(?=[.,:;!?)\]'\"]*(?:\s|$))", regex.IGNORECASE
)
_BARE_URL = regex.compile(
    r"(?<![\w@./:#-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+([a-z]{2,24}))"
    r"(/[^\s<>\"]*?)?(?=[.,:;!?)\]'\"]*(?:\s|$))",
    regex.IGNORECASE,
)
# Mastodon's MENTION_RE: a local or remote handle not preceded by a word char, = or /.
_MASTODON_MENTION = regex.compile(
    r"(?<![=/\w])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(@[\w.-]+\w+)?", regex.IGNORECASE
)
_X_MENTION = regex.compile(r"(?<![\w@!#$%&*])[@＠]([A-Za-z0-9_]{1,15})(?![\w@])")
_BLUESKY_MENTION = regex.compile(
    r"(?<![\w@])@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]*[a-z0-9])?)",
    regex.IGNORECASE,
)
_HASHTAG = regex.compile(r"(?<![\w&#/])[#＃](\w*[\p{L}_]\w*)")
_GRAPHEME = regex.compile(r"\X")
_PICTOGRAPHIC = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")
_KEYCAP = "\u20e3"
_VS16 = "\ufe0f"

# twitter-text config v3: code point ranges that weigh 100 (one unit); the rest weigh 200.
_X_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
_X_MAX = 280
_X_INVALID = frozenset("\ufffe\ufeff\uffff")


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
    bytes_over: bool = False  # Bluesky: over its UTF-8 byte limit
    invalid_chars: bool = False  # X: contains U+FFFE, U+FEFF or U+FFFF

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


def _is_url_domain(domain: str, tld: str, path: str | None) -> bool:
    tld = tld.lower()
    if tld in _GTLDS:
        return True
    # A country-code domain without a scheme is a URL only with a path, except .co.
    return len(tld) == 2 and (bool(path) or tld == "co")


def link_spans(text: str, *, bare: bool = False) -> list[Span]:
    """URLs in text; bare=True also finds scheme-less ones (as X does)."""
    found = [Span("link", m.start(), m.end(), m.group()) for m in _SCHEME_URL.finditer(text)]
    if bare:
        taken = [(s.start, s.end) for s in found]
        for m in _BARE_URL.finditer(text):
            if any(a <= m.start() < b for a, b in taken):
                continue
            if _is_url_domain(m.group(1), m.group(2), m.group(3)):
                found.append(Span("link", m.start(), m.end(), m.group()))
        found.sort(key=lambda s: s.start)
    return found


def mastodon_length(text: str, spoiler: str = "", url_length: int = URL_LENGTH) -> int:
    """Mastodon's StatusLengthValidator count."""
    body = _replace(text, link_spans(text), lambda _s: "x" * url_length)
    body = _MASTODON_MENTION.sub(lambda m: "@" + m.group(1), body)
    return graphemes(spoiler + body)


def bluesky_length(text: str) -> int:
    """Bluesky's count: grapheme clusters, URLs in full."""
    return graphemes(text)


def _x_code_point_weight(ch: str) -> int:
    cp = ord(ch)
    return 100 if any(lo <= cp <= hi for lo, hi in _X_LIGHT_RANGES) else 200


def _is_emoji(cluster: str) -> bool:
    if _KEYCAP in cluster:
        return True
    if not _PICTOGRAPHIC.search(cluster):
        return False
    # Text-default pictographs in the light range (©, ®, ‼) are emoji only with VS16.
    cp = ord(cluster[0])
    return cp > 0x10FF or _VS16 in cluster or len(cluster) > 1


def x_length(text: str) -> int:
    """twitter-text v3 weighted length (in units of 1; 280 allowed)."""
    text = unicodedata.normalize("NFC", text)
    total = 0
    pos = 0
    for span in link_spans(text, bare=True):
        total += _x_segment_weight(text[pos : span.start]) + URL_LENGTH * 100
        pos = span.end
    total += _x_segment_weight(text[pos:])
    return total // 100


def _x_segment_weight(segment: str) -> int:
    total = 0
    for cluster in _GRAPHEME.findall(segment):
        if _is_emoji(cluster):
            total += 200
        else:
            total += sum(_x_code_point_weight(ch) for ch in cluster)
    return total


def count(
    network: str,
    text: str,
    *,
    limit: int | None = None,
    spoiler: str = "",
    url_length: int = URL_LENGTH,
) -> Count:
    """Count text the way network does; limit overrides the default (a Mastodon instance's).

    Raises:
        ValueError: for a network this module does not know.
    """
    if network not in DEFAULT_LIMITS:
        raise ValueError(f"No length rule for network {network!r}")
    cap = DEFAULT_LIMITS[network] if limit is None else limit
    if network == MASTODON:
        return Count(network, mastodon_length(text, spoiler, url_length), cap)
    if network == BLUESKY:
        too_big = len(text.encode("utf-8")) > BLUESKY_MAX_BYTES
        return Count(network, bluesky_length(text), cap, bytes_over=too_big)
    invalid = any(ch in _X_INVALID for ch in text)
    return Count(network, x_length(text), cap, invalid_chars=invalid)


def spans(network: str, text: str) -> list[Span]:
    """Mentions, hashtags and links to highlight, sorted and non-overlapping."""
    links = link_spans(text, bare=network == X)
    if network == MASTODON:
        mentions = [
            Span("mention", m.start(), m.end(), m.group()[1:])
            for m in _MASTODON_MENTION.finditer(text)
        ]
    elif network == BLUESKY:
        mentions = [
            Span("mention", m.start(), m.end(), m.group(1)) for m in _BLUESKY_MENTION.finditer(text)
        ]
    else:
        mentions = [
            Span("mention", m.start(), m.end(), m.group(1)) for m in _X_MENTION.finditer(text)
        ]
    tags = [Span("hashtag", m.start(), m.end(), m.group(1)) for m in _HASHTAG.finditer(text)]
    result: list[Span] = list(links)
    for span in sorted(mentions + tags, key=lambda s: s.start):
        if not any(s.start < span.end and span.start < s.end for s in result):
            result.append(span)
    return sorted(result, key=lambda s: s.start)


def mention_at(text: str, cursor: int) -> tuple[int, str] | None:
    """The partial "@handle" ending at cursor, for completion: (start index, prefix)."""
    m = regex.search(r"(?<![\w@])@([\w.@-]*)$", text[:cursor])
    if m is None:
        return None
    return m.start(), m.group(1)


def _replace(text: str, found: list[Span], repl: Callable[[Span], str]) -> str:
    out: list[str] = []
    pos = 0
    for span in found:
        out.append(text[pos : span.start])
        out.append(repl(span))
        pos = span.end
    out.append(text[pos:])
    return "".join(out)
