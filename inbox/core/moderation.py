"""Moderation actions on the people who write to us: their names, words and undo.

Which of these a network offers is its own business (``Capabilities.moderation`` in
``networks/registry.py``); this module only names them, so the engine, the window and
the CLI speak of the same actions in the same words.
"""

from __future__ import annotations

from inbox.core.errors import ConfigError

BLOCK = "block"
UNBLOCK = "unblock"
MUTE = "mute"
UNMUTE = "unmute"
REPORT = "report"
HIDE_REPLY = "hide_reply"
UNHIDE_REPLY = "unhide_reply"

ACTIONS = (BLOCK, MUTE, REPORT, HIDE_REPLY, UNBLOCK, UNMUTE, UNHIDE_REPLY)

# What undoes an action, where the network can take it back (a report cannot be).
UNDO = {
    BLOCK: UNBLOCK,
    UNBLOCK: BLOCK,
    MUTE: UNMUTE,
    UNMUTE: MUTE,
    HIDE_REPLY: UNHIDE_REPLY,
    UNHIDE_REPLY: HIDE_REPLY,
}

# Actions about a post (the conversation's newest inbound message) rather than a person.
ON_POST = frozenset({HIDE_REPLY, UNHIDE_REPLY})

LABELS = {
    BLOCK: "Block",
    UNBLOCK: "Unblock",
    MUTE: "Mute",
    UNMUTE: "Unmute",
    REPORT: "Report to the server",
    HIDE_REPLY: "Hide reply",
    UNHIDE_REPLY: "Show hidden reply",
}

# What happened, for the conversation's history and the CLI ("Blocked @x").
DONE = {
    BLOCK: "Blocked",
    UNBLOCK: "Unblocked",
    MUTE: "Muted",
    UNMUTE: "Unmuted",
    REPORT: "Reported",
    HIDE_REPLY: "Hid the reply of",
    UNHIDE_REPLY: "Showed the reply of",
}

# Report categories both Mastodon and atproto know (spam, a rule broken, other).
CATEGORIES = ("spam", "violation", "other")


def check_action(action: str) -> str:
    """action, or ConfigError naming the known ones."""
    if action not in ACTIONS:
        raise ConfigError(f"Unknown moderation action {action!r}: one of {', '.join(ACTIONS)}.")
    return action
