"""How a post will look on each account's network, before it is sent: pure values.

The composer draws these as you type: the text with its mentions, hashtags and links
marked the network's way, the part past the network's limit marked as cut, the card
the network makes for the first link when the post has no media, and the images as
the timeline crops them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from inbox.core.text import Count, Span

# Timelines show a single image cropped to this shape, and several side by side.
TIMELINE_ASPECT = 16 / 9


@dataclass(frozen=True, slots=True)
class Part:
    """A run of the previewed text: kind is text, mention, hashtag, link or over."""

    text: str
    kind: str = "text"


@dataclass(frozen=True, slots=True)
class Preview:
    network: str
    handle: str
    label: str  # the network, as people name it
    parts: tuple[Part, ...]
    remaining: int
    card: str = ""  # the host whose link card the network shows ("" when none)
    media: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def over(self) -> bool:
        return self.remaining < 0


def fitting_prefix(text: str, fits: Callable[[str], bool]) -> int:
    """The length of the longest prefix of text that fits (counting the network's way)."""
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if fits(text[:mid]):
            low = mid
        else:
            high = mid - 1
    return low


def build(
    text: str,
    *,
    network: str,
    handle: str,
    label: str,
    count: Callable[[str], Count],
    spans: Sequence[Span],
    media: Sequence[str] = (),
    link_card: bool = True,
) -> Preview:
    """One account's preview of text (already the network's variant)."""
    total = count(text)
    cut = len(text)
    notes: list[str] = []
    if total.remaining < 0:
        cut = fitting_prefix(text, lambda prefix: count(prefix).remaining >= 0)
        notes.append(f"{-total.remaining} over {label}'s limit: it refuses the post as it is.")
    parts: list[Part] = []
    at = 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < at:
            continue
        parts.extend(_split(text[at : span.start], at, cut, "text"))
        parts.extend(_split(text[span.start : span.end], span.start, cut, span.kind))
        at = span.end
    parts.extend(_split(text[at:], at, cut, "text"))
    links = [s.value for s in spans if s.kind == "link"]
    card = ""
    if link_card and links and not media:
        card = urlsplit(links[0] if "//" in links[0] else f"//{links[0]}").hostname or links[0]
    if len(links) > 1 and card:
        notes.append("Only the first link gets a card.")
    if len(media) > 1:
        notes.append(f"{len(media)} images side by side, each cropped in the timeline.")
    return Preview(
        network=network,
        handle=handle,
        label=label,
        parts=tuple(p for p in parts if p.text),
        remaining=total.remaining,
        card=card,
        media=tuple(media),
        notes=tuple(notes),
    )


def _split(chunk: str, start: int, cut: int, kind: str) -> list[Part]:
    """chunk (starting at start) as kind, its part from cut on marked as over."""
    if start + len(chunk) <= cut:
        return [Part(chunk, kind)]
    inside = max(0, cut - start)
    return [Part(chunk[:inside], kind), Part(chunk[inside:], "over")]
