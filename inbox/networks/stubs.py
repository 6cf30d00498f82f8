"""Networks whose package is not written yet: capabilities only, no adapter.

The demo replays their recordings (networks.replay.ReplayAdapter). When a
network's own package (inbox/networks/<name>/) registers, it replaces the stub
here; delete the stub's entry then.
"""

from __future__ import annotations

from inbox.core import text as core_text
from inbox.core.text import Count
from inbox.networks import registry


def _stub(
    name: str, label: str, colour: str, colour_dark: str, max_chars: int
) -> registry.Capabilities:
    return registry.Capabilities(
        name=name,
        label=label,
        colour=colour,
        colour_dark=colour_dark,
        max_chars=max_chars,
        # Until its package says how the network counts: grapheme clusters, links in full.
        length=lambda text, spoiler, limit: Count(name, core_text.graphemes(text), limit),
        spans=lambda text: core_text.merge_spans(
            [
                core_text.Span("link", m.start(), m.end(), m.group())
                for m in core_text.SCHEME_URL.finditer(text)
            ],
            [],
            text,
        ),
        stub=True,
    )


# Every shipped network has its own package now (Mastodon, Bluesky, X); a new network
# starts here as _stub(name, label, colour, colour_dark, max_chars) until it has one.
STUBS: dict[str, registry.Capabilities] = {}


def register_stub(name: str) -> None:
    """Register the stub for name, if there is one (called when no package registered it)."""
    if name in STUBS:
        registry.register(STUBS[name])
