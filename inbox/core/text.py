"""Per-network post length counting and mention/hashtag/link spans for highlighting.

Each network counts differently, and each rule here is the network's own:

- X: twitter-text config v3 (``parse_tweet`` of the maintained Python port,
  ``twitter-text-parser``): 280 weighted units; code points in the light ranges
  weigh 1, others 2, an emoji sequence 2, every URL its extractor finds (with or
  without a scheme, valid hosts only) 23. The port is imported on first use (it
  compiles its emoji table then, ~0.1 s) and checked against the published
  conformance suite in tests/data/twitter-text/.
- Mastodon: ``StatusLengthValidator``: grapheme clusters of spoiler + text, where
  each URL Mastodon's extractor finds (twitter-text's URL rule with Mastodon's
  overrides: its schemes, path characters, trailing punctuation and parentheses;
  never a scheme-less domain, never one over 4096 characters) counts
  ``characters_reserved_per_url`` (23), and ``@user@domain`` counts as ``@user``
  unless the domain could not be a host name. The limit is the instance's
  ``configuration.statuses.max_characters`` (500 by default).
- Bluesky: the post lexicon's ``maxGraphemes`` 300 and ``maxLength`` 3000 UTF-8
  bytes; URLs count in full.
"""

from __future__ import annotations

import importlib.resources
import sys
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

MASTODON = "mastodon"
BLUESKY = "bluesky"
X = "x"

DEFAULT_LIMITS: dict[str, int] = {MASTODON: 500, BLUESKY: 300, X: 280}
BLUESKY_MAX_BYTES = 3000
URL_LENGTH = 23
MAX_URL_LENGTH = 4096  # twitter-text: a longer URL (host as punycode) is no URL at all
MAX_HOST_LENGTH = 253  # DNS: a longer @user@domain is no mention Mastodon could resolve
MAX_LABEL_LENGTH = 63



class _Pattern:
    """A `regex` pattern compiled on first use: importing `regex` and compiling these
    costs ~35 ms of CPU that the window's first paint (network labels) does not need."""

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


_SCHEME_URL = _Pattern(
    r"(?<![\w@.])https?://[^\s<>\"]+?(?=[.,:;!?)\]'\"]*(?:\s|$))", ignorecase=True
)
# Mastodon's Account::MENTION_RE: a local or remote handle not preceded by a word char, = or /.
_MASTODON_MENTION = _Pattern(
    r"(?<![=/\w])@(([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@(\w+(?:[.-]+\w+)*))?)",
    ignorecase=True,
)
_X_MENTION = _Pattern(r"(?<![\w@!#$%&*])[@＠]([A-Za-z0-9_]{1,15})(?![\w@])")
_BLUESKY_MENTION = _Pattern(
    r"(?<![\w@])@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]*[a-z0-9])?)",
    ignorecase=True,
)
_HASHTAG = _Pattern(r"(?<![\w&#/])[#＃](\w*[\p{L}_]\w*)")
_GRAPHEME = _Pattern(r"\X")

_load_lock = threading.Lock()


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


# -- twitter-text (X, and the URL rule Mastodon builds on) ----------------------------


class _ResourceShim(types.ModuleType):
    """Just enough of pkg_resources for twitter-text-parser, which reads its emoji
    table with pkg_resources.resource_string at import time. setuptools' real module
    is deprecated, slow to import and not installed on newer Pythons."""

    def __init__(self) -> None:
        super().__init__("pkg_resources")

    @staticmethod
    def resource_string(module: str, name: str) -> bytes:
        package = sys.modules[module].__package__ or module
        return importlib.resources.files(package).joinpath(name).read_bytes()


@cache
def _tt() -> Any:
    """The twitter_text package, imported once on first use (thread-safe)."""
    with _load_lock:
        saved = sys.modules.get("pkg_resources")
        sys.modules["pkg_resources"] = _ResourceShim()
        try:
            import twitter_text
            import twitter_text.config
            import twitter_text.has_invalid_characters
        finally:
            if saved is None:
                sys.modules.pop("pkg_resources", None)
            else:
                sys.modules["pkg_resources"] = saved
    return twitter_text


_warming: list[threading.Timer] = []


def warm_up(delay: float = 3.0) -> None:
    """Compile the X and Mastodon rules on a background thread after delay seconds.

    The first count otherwise pays for it (0.3-2 s of regex compilation, more on a
    busy machine) on whichever thread counts first: the GUI's, at the first key
    typed in a reply box. Starts once per process; a daemon, so it never holds exit.
    """
    if _warming:
        return
    timer = threading.Timer(delay, lambda: (_tt(), _mastodon_url()))
    timer.daemon = True
    timer.name = "text-warm-up"
    _warming.append(timer)
    timer.start()


def x_options(version: int = 3) -> dict[str, Any]:
    """twitter-text's counting config: version 3 (emoji count 2) is X's today."""
    options = {"emoji_parsing_enabled": False, **_tt().config.config[f"version{version}"]}
    return options


def x_parse(text: str, version: int = 3) -> Any:
    """twitter-text's ParsedResult (weightedLength, valid, permillage, ranges)."""
    return _tt().parse_tweet(text, x_options(version))


def x_length(text: str) -> int:
    """twitter-text v3 weighted length (in units of 1; 280 allowed)."""
    return int(x_parse(text).weightedLength)


def x_links(text: str) -> list[Span]:
    """URLs as X's extractor finds them (scheme-less ones with a valid TLD too)."""
    found = _tt().extract_urls_with_indices(text)
    return [Span("link", u["indices"][0], u["indices"][1], u["url"]) for u in found]


# -- Mastodon ------------------------------------------------------------------------

_MASTODON_SCHEMES = "(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://"
_UCHARS = (
    "\\u00a0-\\ud7ff\\uf900-\\ufdcf\\ufdf0-\\uffef\\U00010000-\\U0001fffd"
    "\\U00020000-\\U0002fffd\\U00030000-\\U0003fffd\\U00040000-\\U0004fffd"
    "\\U00050000-\\U0005fffd\\U00060000-\\U0006fffd\\U00070000-\\U0007fffd"
    "\\U00080000-\\U0008fffd\\U00090000-\\U0009fffd\\U000a0000-\\U000afffd"
    "\\U000b0000-\\U000bfffd\\U000c0000-\\U000cfffd\\U000d0000-\\U000dfffd"
    "\\U000e1000-\\U000efffd\\ue000-\\uf8ff\\U000f0000-\\U000ffffd"
    "\\U00100000-\\U0010fffd"
)


@cache
def _mastodon_url() -> Any:
    """Mastodon's Twitter::TwitterText::Regex[:valid_url] (config/initializers/twitter_regex.rb):
    twitter-text's domain and preceding-character rules with Mastodon's schemes, path
    characters (anything but white space, <>()?), path endings and query characters."""
    _tt()
    from twitter_text.regexp.valid_domain import valid_domain
    from twitter_text.regexp.valid_port_number import valid_port_number
    from twitter_text.regexp.valid_url_balanced_parens import (
        valid_url_balanced_parens as twitter_parens,
    )
    from twitter_text.regexp.valid_url_preceding_chars import valid_url_preceding_chars

    general = r"[^\p{White_Space}<>()?]"
    # Ruby interpolates at definition: the path ending still sees twitter-text's parens.
    ending = r"[^\p{White_Space}()?!*\"'「」<>;:=,.$%\[\]~&|@]|(?:" + twitter_parens.pattern + ")"
    parens = rf"\((?:{general}+|(?:{general}*\({general}+\){general}*))\)"
    path = rf"(?:(?:{general}*(?:{parens}{general}*)*(?:{ending}))|(?:{general}+/))"
    query = rf"[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@\^{_UCHARS}]"
    query_end = rf"[a-z0-9_&=#/\-{_UCHARS}]"
    pattern = (
        rf"((?:{valid_url_preceding_chars.pattern}))"
        rf"(({_MASTODON_SCHEMES})?({valid_domain.pattern})"
        rf"(?::(?:{valid_port_number.pattern}))?"
        rf"(/{path}*)?"
        rf"(\?{query}*{query_end})?)"
    )
    import regex

    return regex.compile(pattern, regex.IGNORECASE | regex.V0)


def mastodon_links(text: str) -> list[Span]:
    """URLs Mastodon's Extractor.extract_urls_with_indices finds (scheme required)."""
    if ":" not in text:
        return []
    found = []
    _tt()
    from twitter_text.regexp.valid_tco_url import valid_tco_url as tco

    for m in _mastodon_url().finditer(text):
        url, scheme, domain = m.group(2), m.group(3), m.group(4)
        if not scheme:
            continue
        start = m.start(2)
        tco_match = tco.search(url)
        if tco_match:
            if len(tco_match.group(1)) > 40:
                continue
            url = tco_match.group(0)
        if not _url_fits(url, domain):
            continue
        found.append(Span("link", start, start + len(url), url))
    return found


def _url_fits(url: str, domain: str) -> bool:
    """twitter-text's is_valid_domain: a host IDNA accepts, URL ≤ 4096 with it as punycode."""
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return bool(ascii_domain) and len(url) + max(0, len(ascii_domain) - len(domain)) <= (
        MAX_URL_LENGTH
    )


_END_MENTION = _Pattern(
    r"[@＠\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259"
    r"\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff]|://"
)


def mastodon_mentions(text: str) -> list[Span]:
    """Mentions as Mastodon's Extractor.extract_mentions_or_lists_with_indices finds them;
    value is user or user@domain."""
    found = []
    for m in _MASTODON_MENTION.finditer(text):
        if _END_MENTION.match(text, m.end()):
            continue
        found.append(Span("mention", m.start(), m.end(), m.group(1)))
    return found


def _host_name(domain: str) -> bool:
    return len(domain) <= MAX_HOST_LENGTH and all(
        0 < len(label) <= MAX_LABEL_LENGTH for label in domain.split(".")
    )


def mastodon_length(text: str, spoiler: str = "", url_length: int = URL_LENGTH) -> int:
    """Mastodon's StatusLengthValidator count (graphemes of spoiler + countable text)."""
    if not text.strip():
        return graphemes(spoiler)
    entities = _without_overlaps(mastodon_links(text) + mastodon_mentions(text))

    def placeholder(span: Span) -> str:
        if span.kind == "link":
            return "x" * url_length
        user, _, domain = span.value.partition("@")
        return "@" + user if not domain or _host_name(domain) else text[span.start : span.end]

    return graphemes(spoiler + _replace(text, entities, placeholder))


def _without_overlaps(found: list[Span]) -> list[Span]:
    """twitter-text's remove_overlapping_entities: by start, a later overlapping one goes."""
    kept: list[Span] = []
    for span in sorted(found, key=lambda s: s.start):
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def bluesky_length(text: str) -> int:
    """Bluesky's count: grapheme clusters, URLs in full."""
    return graphemes(text)


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
    invalid = bool(_tt().has_invalid_characters.has_invalid_characters(text))
    return Count(network, x_length(text), cap, invalid_chars=invalid)


def spans(network: str, text: str) -> list[Span]:
    """Mentions, hashtags and links to highlight, sorted and non-overlapping."""
    if network == X:
        links = x_links(text)
    elif network == MASTODON:
        links = mastodon_links(text)
    else:
        links = [Span("link", m.start(), m.end(), m.group()) for m in _SCHEME_URL.finditer(text)]
    if network == MASTODON:
        mentions = mastodon_mentions(text)
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
    import regex

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
