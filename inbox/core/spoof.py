"""Text from strangers shown safely: look-alike handles flagged, long names and bodies capped.

A handle with a zero-width or bidi-control character renders exactly like the real
brand's (`@lea\u200bfandkettle` shows as `@leafandkettle`; a right-to-left override
reverses what follows). Such characters have no business in a handle, so the card and
the pane show a warning instead of trusting the handle's looks. Display names and
message bodies are capped for display only; what is stored stays whole.
"""

from __future__ import annotations

import unicodedata

# Zero-width, joiners, bidi embeddings/overrides/isolates, the BOM, soft hyphen,
# invisible operators and the Hangul/Mongolian fillers that render as nothing.
_INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u200b\u200c\u200d"
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067"
    "\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f\u3164\ufeff\uffa0"
)
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

MAX_NAME = 64  # characters of a display name shown on a card or in the pane
MAX_BODY = 5000  # characters of one message shown in the thread (the rest: "… N more")
MAX_REPLY_MENTIONS = 20  # a reply to a crowded DM mentions the author and at most 19 others


def hidden_characters(text: str) -> list[str]:
    """The invisible or direction-changing characters in text, as U+XXXX names."""
    found = []
    for ch in text:
        if ch in _INVISIBLE or unicodedata.category(ch) in ("Cf", "Cc"):
            found.append(f"U+{ord(ch):04X} {unicodedata.name(ch, 'control character')}")
    return found


def handle_warning(handle: str) -> str:
    """A warning for a handle that may impersonate another, or "" when it looks honest."""
    hidden = hidden_characters(handle)
    if not hidden:
        return ""
    kind = "direction-changing" if any(ch in _BIDI for ch in handle) else "invisible"
    shown = ", ".join(dict.fromkeys(hidden))
    return (
        f"Possible impersonation: this handle contains {kind} characters ({shown}); "
        "it may look like another account's."
    )


def visible(text: str) -> str:
    """text with invisible and direction-changing characters shown as ⟨U+XXXX⟩."""
    out = []
    for ch in text:
        if ch in _INVISIBLE or unicodedata.category(ch) in ("Cf", "Cc"):
            out.append(f"⟨U+{ord(ch):04X}⟩")
        else:
            out.append(ch)
    return "".join(out)


def cap(text: str, limit: int) -> str:
    """At most limit characters for display, ending in "…" when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


def cap_body(text: str, limit: int = MAX_BODY) -> str:
    """A message body for display: cut at limit, saying how much is not shown."""
    if len(text) <= limit:
        return text
    return f"{text[:limit].rstrip()}… ({len(text) - limit:,} more characters not shown)"


def strip_invisible(text: str) -> str:
    """text without invisible, control and direction characters (for scheme checks)."""
    return "".join(
        ch
        for ch in text
        if ch not in _INVISIBLE and unicodedata.category(ch) not in ("Cf", "Cc", "Zs")
    )
