"""`social-inbox moderate ACTION CONVERSATION_ID`: block, mute, report, hide a reply, and
their undos, on the author of a conversation's newest message; queued in the outbox
(`sync --once` or the window delivers it), audited with who, why and which guideline."""

from __future__ import annotations

import argparse
from typing import Any

from inbox.cli import session
from inbox.cli.main import hint
from inbox.core import moderation
from inbox.core.errors import ConfigError

# What people type -> core.moderation's action.
VERBS = {
    "block": moderation.BLOCK,
    "unblock": moderation.UNBLOCK,
    "mute": moderation.MUTE,
    "unmute": moderation.UNMUTE,
    "report": moderation.REPORT,
    "hide": moderation.HIDE_REPLY,
    "unhide": moderation.UNHIDE_REPLY,
}


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "moderate", help="block, mute, report or hide the author of a conversation"
    )
    parser.add_argument("action", choices=sorted(VERBS), metavar="ACTION", help=", ".join(VERBS))
    parser.add_argument("conversation", type=int, metavar="CONVERSATION_ID")
    parser.add_argument(
        "--reason", default="", help="why (kept in the audit log; a report's comment)"
    )
    parser.add_argument(
        "--guideline", default="", metavar="ID|NAME", help="the team guideline that justifies it"
    )
    parser.add_argument(
        "--category", choices=moderation.CATEGORIES, default="spam", help="a report's category"
    )
    parser.set_defaults(func=cmd_moderate)


def cmd_moderate(args: argparse.Namespace) -> int:
    from inbox.engine import ops

    action = VERBS[args.action]

    def run(engine: Any) -> tuple[int, str]:
        guideline_id = _guideline(engine, args.guideline, args.conversation)
        item_id = ops.run(
            engine,
            "moderation.act",
            initiator="cli",
            action=action,
            conversation_id=args.conversation,
            reason=args.reason,
            guideline_id=guideline_id,
            category=args.category,
        )
        item = engine.store.outbox.get(item_id)
        return item_id, str(item.payload.get("handle", "")) if item else ""

    item_id, handle = session.call(args, run)
    what = moderation.LABELS[action].lower()
    print(f"Queued: {what} @{handle} (outbox {item_id}); {hint(args, 'sync --once')} sends it.")
    return 0


def _guideline(engine: Any, given: str, conversation_id: int) -> int | None:
    """A guideline by id or by name (of the conversation's team, or shared)."""
    given = given.strip()
    if not given:
        return None
    rules = engine.store.guidelines.all(every_team=True)
    if given.isdigit():
        if any(g.id == int(given) for g in rules):
            return int(given)
    else:
        mine = engine.store.guidelines.for_conversation(conversation_id)
        named = [g for g in mine if g.name.casefold() == given.casefold()]
        if named:
            return int(named[0].id)
    names = ", ".join(f"{g.id} {g.name}" for g in rules) or "none yet (see `guidelines add`)"
    raise ConfigError(f"No guideline {given!r}. Guidelines: {names}.")
