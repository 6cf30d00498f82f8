"""`social-inbox suggest ID [--json] [--use N]`: the suggested answers the pane shows.

--use N prints suggestion N filled for this customer (pipe it into `social-inbox reply
ID --text-stdin`) and records the use through the same operation as the window's Alt+N.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from inbox.cli import session
from inbox.cli.demo import add_profile_options, reader
from inbox.core import suggest as core
from inbox.core import templates
from inbox.core.clock import to_iso
from inbox.core.errors import ConfigError
from inbox.engine import ops
from inbox.store import Store
from inbox.store import suggest as store_suggest

SNIPPET = 160


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "suggest",
        help="suggested answers for a conversation",
        description="Print the answers the pane suggests for a conversation: solved "
        "conversations answered before, saved replies and published articles, best first, "
        "each filled for this customer (placeholders left are refused when sending).",
    )
    parser.add_argument("id", type=int, metavar="ID")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--use",
        type=int,
        metavar="N",
        help="print only suggestion N filled for this customer and record its use",
    )
    add_profile_options(parser, demo=True)
    parser.set_defaults(func=run)


def filled_values(store: Store, conversation_id: int, customer_text: str) -> dict[str, str]:
    """The reply box's placeholder values for the conversation, plus the customer's order."""
    summary = store.conversations.get(conversation_id)
    me = store.teams.current()
    today = store.clock.now().astimezone().date()
    if summary is None:
        return {}
    ticket = store.connectors.ticket_fields(conversation_id)
    values = templates.context(
        author_name=summary.contact_name,
        author_handle=summary.contact_handle,
        agent_name=me.name if me is not None else "",
        ticket_id=ticket.get("ticket.id"),
        ticket_url=ticket.get("ticket.url"),
        account_handle=summary.account_handle,
        today=today,
    )
    return core.values_for(customer_text, values)


def _ago(at: datetime | None, now: datetime) -> str:
    if at is None:
        return ""
    minutes = max(int((now - at).total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"


def describe(s: core.Suggestion) -> str:
    """Where a suggestion comes from, in words: "Solved case #12 · Sam Okafor"."""
    c = s.candidate
    if c.source == core.CONVERSATION:
        return f"Answered in #{c.source_id} by {c.by}"
    if c.source == core.ARTICLE:
        return f"Article: {c.title}"
    return f"Saved reply: {c.title} ({c.by.removeprefix('Saved reply').strip() or 'no shortcut'})"


def reused(s: core.Suggestion) -> str:
    parts = []
    if s.candidate.uses:
        parts.append(f"reused {s.candidate.uses} time{'s' if s.candidate.uses != 1 else ''}")
    if s.alike > 1:
        parts.append(f"answered like this {s.alike} times")
    return ", ".join(parts)


def run(args: argparse.Namespace) -> int:
    with reader(args) as store:
        query = store_suggest.query_for(store, args.id)
        found = store_suggest.suggest(store, args.id)
        values = filled_values(store, args.id, query.text)
        now = store.clock.now()
    if args.use is not None:
        if not 1 <= args.use <= len(found.items):
            shown = len(found.items)
            raise ConfigError(
                f"There is no suggestion {args.use}: conversation {args.id} has "
                f"{shown} suggestion{'s' if shown != 1 else ''}."
                + (f" {found.note}" if found.note else "")
            )
        chosen = found.items[args.use - 1]
        count = session.call(
            args,
            lambda e: ops.run(
                e,
                "suggestions.use",
                initiator="cli",
                conversation_id=args.id,
                source=chosen.source,
                source_id=chosen.source_id,
                rank=args.use,
            ),
        )
        text = core.fill(chosen.text, values)
        sys.stdout.write(text + "\n")
        left = templates.unfilled(text)
        if left:
            print(f"note: {left}", file=sys.stderr)
        print(f"note: suggestion used {count} time{'s' if count != 1 else ''}", file=sys.stderr)
        return 0
    if args.json:
        data = {
            "conversation": args.id,
            "note": found.note,
            "terms": list(found.terms),
            "suggestions": [
                {
                    "rank": n,
                    "source": s.source,
                    "source_id": s.source_id,
                    "score": s.score,
                    "question": s.candidate.question,
                    "answer": s.candidate.answer,
                    "title": s.candidate.title,
                    "url": s.candidate.url,
                    "by": s.candidate.by,
                    "at": to_iso(s.candidate.at) if s.candidate.at else None,
                    "uses": s.candidate.uses,
                    "alike": s.alike,
                    "template": s.text,
                    "text": core.fill(s.text, values),
                }
                for n, s in enumerate(found.items, 1)
            ],
        }
        json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    if not found.items:
        print(found.note)
        return 0
    for n, s in enumerate(found.items, 1):
        c = s.candidate
        head = " · ".join(p for p in (describe(s), _ago(c.at, now), reused(s)) if p)
        print(f"{n}. {head}")
        question = " ".join(c.question.split())
        if c.source != core.TEMPLATE:
            print(f"   Q: {question[:SNIPPET]}{'…' if len(question) > SNIPPET else ''}")
        if c.url:
            print(f"   Link: {c.url}")
        print(f"   Reply: {core.fill(s.text, values)}")
    return 0
