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


def sanitize(html: str) -> str:
    """Keep harmless formatting and links; drop everything that could load or run."""
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
        clean_content_tags={"script", "style"},
    )


def to_text(html: str) -> str:
    """Plain text of (sanitized) HTML: paragraphs and line breaks become newlines."""
    text = _BLOCK_END.sub("\n", sanitize(html))
    text = _html.unescape(_TAG.sub("", text))
    text = _SPACES.sub(" ", text)
    return _NEWLINES.sub("\n\n", "\n".join(line.strip() for line in text.split("\n"))).strip()
