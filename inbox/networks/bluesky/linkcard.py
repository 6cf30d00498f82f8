"""Link cards for the posts we send: `app.bsky.embed.external` from the first link's page.

Bluesky renders no preview of its own: the posting client reads the page and embeds its
title, description and a thumbnail blob (lexicon app.bsky.embed.external: `uri`, `title`,
`description` required, `thumb` a blob of at most 1,000,000 bytes). Best effort: a page
that cannot be read within the bounds, is not HTML or says nothing gives no card, and
the post goes out without one. The setting `publishing.link_cards` switches it off.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

import httpx

from inbox import transport
from inbox.core.errors import InboxError

MAX_PAGE = 1_000_000  # bytes of HTML read at most (the <head> is near the start)
MAX_THUMB = 1_000_000  # the lexicon's maxSize for the thumb blob
DEADLINE = 8.0  # seconds for the page, the same again for its image
REDIRECTS = 3


@dataclass(frozen=True)
class Card:
    uri: str
    title: str
    description: str
    image: str = ""  # absolute URL of og:image, "" when none


class _Head(HTMLParser):
    """<title> and the <meta> tags a card needs (Open Graph first, then the plain ones)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag == "meta":
            found = {k.lower(): (v or "") for k, v in attrs}
            name = (found.get("property") or found.get("name") or "").lower()
            if name and name not in self.meta and found.get("content"):
                self.meta[name] = found["content"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title and len(self.title) < 1000:
            self.title += data


def _clean(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def parse(html: str, uri: str) -> Card | None:
    """The card of a page's HTML; None when it has neither a title nor a description."""
    head = _Head()
    try:
        head.feed(html)
        head.close()
    except (AssertionError, ValueError):  # html.parser on hostile markup
        pass
    meta = head.meta
    title = _clean(meta.get("og:title") or meta.get("twitter:title") or head.title, 300)
    description = _clean(
        meta.get("og:description")
        or meta.get("twitter:description")
        or meta.get("description")
        or "",
        1000,
    )
    if not title and not description:
        return None
    image = meta.get("og:image") or meta.get("twitter:image") or ""
    if image:
        try:
            resolved = httpx.URL(uri).join(image.strip())
            image = str(resolved) if resolved.scheme in ("http", "https") else ""
        except (httpx.InvalidURL, ValueError):
            image = ""
    return Card(uri=uri, title=title, description=description, image=image)


async def get(http: httpx.AsyncClient, url: str, max_bytes: int) -> httpx.Response | None:
    """GET url under the bounds, following a few redirects; None when it cannot be read."""
    for _ in range(REDIRECTS + 1):
        try:
            target = httpx.URL(url)
            if target.scheme not in ("http", "https") or not target.host:
                return None
            response = await transport.request(
                http, "GET", url, host=target.host, retries=0, max_bytes=max_bytes,
                deadline=DEADLINE, headers={"Accept": "text/html,image/*;q=0.8"},
            )  # fmt: skip
        except (InboxError, httpx.InvalidURL, ValueError):
            return None
        if response.status_code in (301, 302, 303, 307, 308) and "Location" in response.headers:
            url = str(target.join(response.headers["Location"]))
            continue
        return response if response.status_code == 200 else None
    return None


async def fetch(http: httpx.AsyncClient, uri: str) -> Card | None:
    """The card of the page at uri, or None (never raises for what the page does)."""
    response = await get(http, uri, MAX_PAGE)
    if response is None or "html" not in response.headers.get("Content-Type", "text/html"):
        return None
    return parse(response.content.decode(response.encoding or "utf-8", "replace"), uri)


async def thumbnail(http: httpx.AsyncClient, url: str) -> bytes | None:
    """The card image's bytes (at most MAX_THUMB), or None."""
    if not url:
        return None
    response = await get(http, url, MAX_THUMB)
    return response.content if response is not None else None
