"""Rich text: facets on UTF-8 byte offsets, both ways. Pure: no I/O.

Outbound, `facets()` turns the spans length.py finds (mentions, links, tags) into
`app.bsky.richtext.facet` objects whose `byteStart`/`byteEnd` count bytes of the
UTF-8 text, end exclusive; a mention needs its handle resolved to a DID first and
is left as plain text when it cannot be. Inbound, `render()` builds the text and
sanitized HTML from the record's facets, never from guessed patterns; facets that
point outside the text, overlap or split a character are ignored.
"""

from __future__ import annotations

import html as htmlmod
from collections.abc import Mapping
from typing import Any

from inbox.core.html import sanitize
from inbox.networks.bluesky import length

FACET = "app.bsky.richtext.facet"
PROFILE_URL = "https://bsky.app/profile/"
TAG_URL = "https://bsky.app/hashtag/"


def byte_range(text: str, start: int, end: int) -> tuple[int, int]:
    """Python string indices -> UTF-8 byte offsets."""
    return len(text[:start].encode("utf-8")), len(text[:end].encode("utf-8"))


def mention_handles(text: str) -> list[str]:
    """The @handles written in text (without @), for resolving to DIDs."""
    return [s.value.lower() for s in length.spans(text) if s.kind == "mention"]


def facets(text: str, dids: Mapping[str, str]) -> list[dict[str, Any]]:
    """Facets for text; dids maps a lower-case handle to its DID (unknown ones stay text)."""
    out: list[dict[str, Any]] = []
    for span in length.spans(text):
        start, end = byte_range(text, span.start, span.end)
        if span.kind == "mention":
            did = dids.get(span.value.lower())
            if not did:
                continue
            feature: dict[str, Any] = {"$type": f"{FACET}#mention", "did": did}
        elif span.kind == "link":
            uri = span.value if "://" in span.value else f"https://{span.value}"
            feature = {"$type": f"{FACET}#link", "uri": uri}
        elif span.kind == "hashtag":
            if len(span.value) > 64:
                continue
            feature = {"$type": f"{FACET}#tag", "tag": span.value}
        else:
            continue
        out.append({"index": {"byteStart": start, "byteEnd": end}, "features": [feature]})
    return out


def _facet_parts(data: bytes, raw: Any) -> list[tuple[int, int, dict[str, Any]]]:
    """(byteStart, byteEnd, first usable feature) of valid, non-overlapping facets."""
    if not isinstance(raw, list):
        return []
    found: list[tuple[int, int, dict[str, Any]]] = []
    for facet in raw:
        if not isinstance(facet, dict):
            continue
        index = facet.get("index")
        features = facet.get("features")
        if not isinstance(index, dict) or not isinstance(features, list) or not features:
            continue
        start, end = index.get("byteStart"), index.get("byteEnd")
        if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool):
            continue
        if not 0 <= start < end <= len(data):
            continue
        try:  # an offset inside a multi-byte character is not a facet
            data[start:end].decode("utf-8")
            data[:start].decode("utf-8")
        except UnicodeDecodeError:
            continue
        feature = next((f for f in features if isinstance(f, dict) and _usable(f)), None)
        if feature is not None:
            found.append((start, end, feature))
    found.sort(key=lambda f: f[0])
    clean: list[tuple[int, int, dict[str, Any]]] = []
    for part in found:
        if clean and part[0] < clean[-1][1]:
            continue  # overlaps the one before
        clean.append(part)
    return clean


def _usable(feature: dict[str, Any]) -> bool:
    kind = str(feature.get("$type", ""))
    if kind.endswith("#link"):
        uri = feature.get("uri")
        return isinstance(uri, str) and uri.lower().startswith(("https://", "http://"))
    if kind.endswith("#mention"):
        return isinstance(feature.get("did"), str)
    if kind.endswith("#tag"):
        return isinstance(feature.get("tag"), str)
    return False


def render(text: str, raw_facets: Any) -> tuple[str, str, tuple[str, ...]]:
    """(plain text, sanitized HTML, mentioned handles) of a post's text and facets."""
    data = text.encode("utf-8", "replace")  # a lone surrogate from JSON becomes "?"
    text = data.decode("utf-8")
    parts = _facet_parts(data, raw_facets)
    html_out: list[str] = []
    mentions: list[str] = []
    pos = 0
    for start, end, feature in parts:
        html_out.append(_plain(data[pos:start].decode("utf-8")))
        shown = data[start:end].decode("utf-8")
        kind = str(feature.get("$type", ""))
        if kind.endswith("#link"):
            href = str(feature["uri"])
        elif kind.endswith("#mention"):
            href = PROFILE_URL + str(feature["did"])
            mentions.append(shown.lstrip("@"))
        else:
            href = TAG_URL + str(feature["tag"])
        html_out.append(f'<a href="{htmlmod.escape(href, quote=True)}">{_plain(shown)}</a>')
        pos = end
    html_out.append(_plain(data[pos:].decode("utf-8")))
    return text, sanitize("<p>" + "".join(html_out) + "</p>"), tuple(mentions)


def _plain(text: str) -> str:
    return htmlmod.escape(text).replace("\n", "<br>")
