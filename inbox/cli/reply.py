"""`social-inbox reply CONVERSATION_ID --text-stdin`: queue a reply in the outbox."""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import Any

from inbox.core.errors import ConfigError
from inbox.profile import Profile
from inbox.store import Store


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
    parser.set_defaults(func=cmd_reply)


def cmd_reply(args: argparse.Namespace) -> int:
    text = sys.stdin.read().strip()
    if not text:
        raise ConfigError("The reply is empty")
    store = Store(Profile.resolve(args.profile).db_path)
    try:
        conversation = store.conversations.get(args.conversation)
        if conversation is None:
            raise ConfigError(f"No conversation {args.conversation}")
        payload: dict[str, Any] = {"text": text, "spoiler_text": args.cw}
        if args.visibility:
            payload["visibility"] = args.visibility
        item = store.outbox.enqueue(
            "reply",
            str(uuid.uuid4()),
            payload,
            account_id=conversation.account_id,
            conversation_id=conversation.id,
        )
        store.audit("cli", "reply.queue", conversation.id, outbox_id=item.id)
    finally:
        store.close()
    print(f"Queued reply {item.id}; `social-inbox sync --once` sends it.")
    return 0
