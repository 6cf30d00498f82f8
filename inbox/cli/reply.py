"""`social-inbox reply CONVERSATION_ID --text-stdin`: queue a reply in the outbox."""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import Any

from inbox.cli import session, stdin
from inbox.cli.main import hint
from inbox.core.errors import AnsweredMeanwhile
from inbox.engine.replies import crowd_note, queue_reply
from inbox.store.guidelines import HeldReply


def register(sub: Any) -> None:
    parser = sub.add_parser("reply", help="queue a reply to a conversation")
    parser.add_argument("conversation", type=int, metavar="CONVERSATION_ID")
    parser.add_argument(
        "--text-stdin",
        action="store_true",
        required=True,
        help="read the reply text from standard input",
    )
    parser.add_argument(
        "--visibility",
        choices=["public", "unlisted", "private", "direct"],
        help="default: the visibility of the message replied to",
    )
    parser.add_argument("--cw", default="", help="content warning (spoiler text)")
    parser.add_argument(
        "--force",
        action="store_true",
        help="send even if someone else answered after the customer's last message",
    )
    parser.set_defaults(func=cmd_reply)


def cmd_reply(args: argparse.Namespace) -> int:
    text = stdin.read()
    key = str(uuid.uuid4())
    # The same operation as the reply box: it refuses an empty reply and unfilled
    # placeholders in the same words, audits and wakes the delivery loop.
    try:
        item = session.call(
            args,
            lambda e: queue_reply(
                e,
                args.conversation,
                text,
                key,
                visibility=args.visibility or "",
                spoiler_text=args.cw,
                actor="cli",
                seen={},  # the collision guard: answered since the customer's last message?
                force=args.force,
                initiator="cli",
            ),
        )
    except AnsweredMeanwhile as exc:
        again = hint(args, f"reply {args.conversation} --text-stdin --force")
        print(f"social-inbox: Not sent: {exc}. To send it anyway: {again}", file=sys.stderr)
        return 3
    note = session.call(
        args, lambda e: crowd_note(e.store, args.conversation, args.visibility or "")
    )
    if isinstance(item, HeldReply):
        approve = hint(args, f"guidelines approve {item.id}")
        print(
            f"Held for approval (held reply {item.id}): it breaks the team's guidelines.\n"
            f"{item.reasons}\nAn approver sends it with {approve}."
        )
        return 0
    print(f"Queued reply {item.id}; {hint(args, 'sync --once')} sends it.")
    if note:
        print(f"note: {note}", file=sys.stderr)
    return 0
