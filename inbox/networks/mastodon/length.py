"""Mastodon's length, the way its ``StatusLengthValidator`` counts.

Grapheme clusters of spoiler + text, where each URL Mastodon's extractor finds
(twitter-text's URL rule with Mastodon's overrides in config/initializers/
twitter_regex.rb: its schemes, path characters, trailing punctuation and parentheses;
never a scheme-less domain, never one over 4096 characters) counts
``characters_reserved_per_url`` (23), and ``@user@domain`` counts as ``@user`` unless
the domain could not be a host name (then it is counted whole: the server would not
resolve it). The limit is the instance's ``configuration.statuses.max_characters``,
read at sign-in (``Limits.max_chars``); 500 until then. Tested against cases from
Mastodon's validator and formatter specs (tests/unit/networks/test_length_mastodon.py).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from inbox.core.text import (
    Count,
    LazyPattern,
    Span,
    graphemes,
    merge_spans,
    replace_spans,
    without_overlaps,
)
from inbox.networks.twittertext import library

MAX_CHARS = 500  # until the instance says otherwise
URL_LENGTH = 23
MAX_URL_LENGTH = 4096  # twitter-text: a longer URL (host as punycode) is no URL at all
MAX_HOST_LENGTH = 253  # DNS: a longer @user@domain is no mention Mastodon could resolve
MAX_LABEL_LENGTH = 63
# Mastodon's Account::MENTION_RE: a local or remote handle not preceded by a word char, = or /.
_MASTODON_MENTION = LazyPattern(
    r"(?<![=/\w])@(([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@(\w+(?:[.-]+\w+)*))?)",
    ignorecase=True,
)

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
def _url_rule() -> Any:
    """Mastodon's Twitter::TwitterText::Regex[:valid_url] (config/initializers/twitter_regex.rb):
    twitter-text's domain and preceding-character rules with Mastodon's schemes, path
    characters (anything but white space, <>()?), path endings and query characters."""
    library()
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


def links(text: str) -> list[Span]:
    """URLs Mastodon's Extractor.extract_urls_with_indices finds (scheme required)."""
    if ":" not in text:
        return []
    found = []
    library()
    from twitter_text.regexp.valid_tco_url import valid_tco_url as tco

    for m in _url_rule().finditer(text):
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


_END_MENTION = LazyPattern(
    r"[@＠\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259"
    r"\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff]|://"
)


def mentions(text: str) -> list[Span]:
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


def length(text: str, spoiler: str = "", url_length: int = URL_LENGTH) -> int:
    """Mastodon's StatusLengthValidator count (graphemes of spoiler + countable text)."""
    if not text.strip():
        return graphemes(spoiler)
    entities = without_overlaps(links(text) + mentions(text))

    def placeholder(span: Span) -> str:
        if span.kind == "link":
            return "x" * url_length
        user, _, domain = span.value.partition("@")
        return "@" + user if not domain or _host_name(domain) else text[span.start : span.end]

    return graphemes(spoiler + replace_spans(text, entities, placeholder))


def count(text: str, spoiler: str = "", limit: int | None = None) -> Count:
    """The status as the instance counts it (limit: its max_characters)."""
    return Count("mastodon", length(text, spoiler), limit or MAX_CHARS)


def spans(text: str) -> list[Span]:
    """Links, mentions and hashtags as Mastodon would link them."""
    return merge_spans(links(text), mentions(text), text)


def warm_up() -> None:
    """Compile the URL rule (the reply box calls this off the GUI thread)."""
    _url_rule()
