"""Text the deck shows: relative times, initials, avatar colours, network labels."""

from __future__ import annotations

import functools
import zlib
from datetime import date, datetime

from inbox.networks import registry

# Hues chosen to read on light and dark backgrounds alike, with white initials.
AVATAR_COLOURS = (
    "#e8590c",
    "#d6336c",
    "#ae3ec9",
    "#7048e8",
    "#4263eb",
    "#1c7ed6",
    "#1098ad",
    "#0ca678",
    "#37b24d",
    "#74b816",
    "#f08c00",
    "#868e96",
)


def relative_time(when: datetime, now: datetime) -> str:
    """'now', '5m', '2h', '3d', then a short date: compact enough for a column row."""
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 24:
        return f"{hours}h"
    days = hours // 24
    if days < 7:
        return f"{days}d"
    if when.year == now.year:
        return f"{when.day} {_month(when.month)}"
    return f"{when.day} {_month(when.month)} {when.year}"


def time_ago(when: datetime, now: datetime) -> str:
    """The same in a sentence: 'just now', '5m ago', '3d ago', 'on 10 Feb'."""
    short = relative_time(when, now)
    if short == "now":
        return "just now"
    if short[:-1].isdigit():
        return f"{short} ago"
    return f"on {short}"


@functools.cache
def _month(month: int) -> str:
    """The locale's short month name (strftime's %b): asked once per month, not per card
    painted (each strftime call imports `time` through PySide6's import hook)."""
    return date(2000, month, 1).strftime("%b")


def initials(name: str, handle: str) -> str:
    """Up to two letters for an avatar: from the display name, else the handle."""
    words = [w for w in name.replace("_", " ").split() if w[:1].isalnum()]
    if len(words) >= 2:
        return (words[0][0] + words[-1][0]).upper()
    source = words[0] if words else handle.lstrip("@")
    letters = [c for c in source if c.isalnum()]
    return "".join(letters[:2]).upper() or "?"


def avatar_colour(handle: str) -> str:
    """A stable colour per handle (crc32, not hash(), which changes between runs)."""
    return AVATAR_COLOURS[zlib.crc32(handle.lower().encode()) % len(AVATAR_COLOURS)]


def short_handle(handle: str) -> str:
    """A handle without its server: 'shop.bsky.social', 'shop@mastodon.social' -> 'shop'.

    Our own accounts are few and known, so the first part names them in a narrow badge.
    """
    bare = handle.lstrip("@")
    for sep in ("@", "."):
        if sep in bare[1:]:
            bare = bare[: bare.index(sep, 1)]
    return bare or handle


def network_label(network: str) -> str:
    return registry.label(network)


def network_colour(network: str, dark: bool = False) -> str:
    return registry.colour(network, dark)


def span(seconds: float) -> str:
    """A duration as people say it on a badge: "12 m", "3 h 05 m", "20 h", "2 d"."""
    minutes = int(abs(seconds)) // 60
    if minutes < 60:
        return f"{minutes} m"
    if minutes < 10 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} m"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} d"


def sla_words(due: datetime, now: datetime) -> str:
    """ "overdue 2 d" or "due in 12 m": the SLA badge, never a negative number."""
    seconds = (due - now).total_seconds()
    return f"overdue {span(seconds)}" if seconds < 0 else f"due in {span(seconds)}"
