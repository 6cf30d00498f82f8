"""Remote HTML made safe to show: an allow-list sanitizer (nh3) and plain-text extraction.

Nothing remote may load: images, iframes, scripts, styles and event handlers
are removed; links keep only http(s)/mailto and get rel="noopener noreferrer".
"""

from __future__ import annotations

import html as _html
import re

import nh3

_TAGS = {
    "p",
    "br",
    "a",
    "span",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
}
_ATTRIBUTES = {"a": {"href", "title"}, "span": {"class"}}
_BLOCK_END = re.compile(r"</p>|<br\s*/?>|</li>|</blockquote>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t]+")
_NEWLINES = re.compile(r"\n{3,}")


LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")


def safe_link(url: str) -> str | None:
    """url if it is an http, https or mailto link, else None.

    Invisible, control and space characters are removed first: browsers and desktops
    drop them before reading the scheme, so "\u200bjavascript:" or "\x01javascript:"
    would run as javascript: while a plain scheme check sees no scheme at all. A link
    with no scheme (relative) means nothing in a message from a network: dropped too.
    """
    from inbox.core.spoof import strip_invisible

    cleaned = strip_invisible(url)
    match = _SCHEME.match(cleaned)
    if match is None or match.group(1).lower() not in LINK_SCHEMES:
        return None
    return cleaned


def _attribute(element: str, attribute: str, value: str) -> str | None:
    if attribute == "href":
        return safe_link(value)
    return value


def sanitize(html: str) -> str:
    """Keep harmless formatting and links; drop everything that could load or run."""
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=set(LINK_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
        clean_content_tags={"script", "style"},
        attribute_filter=_attribute,
    )


def to_text(html: str, *, sanitized: bool = False) -> str:
    """Plain text of (sanitized) HTML: paragraphs and line breaks become newlines.

    sanitized: html is sanitize()'s output already (cleaning it again gives the same
    text and costs as much as the first time: a network's mapping does both).
    """
    text = _BLOCK_END.sub("\n", html if sanitized else sanitize(html))
    text = _html.unescape(_TAG.sub("", text))
    text = _SPACES.sub(" ", text)
    return _NEWLINES.sub("\n\n", "\n".join(line.strip() for line in text.split("\n"))).strip()
