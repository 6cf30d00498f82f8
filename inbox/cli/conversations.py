"""`social-inbox conversations list`: a column's conversations, in the order the deck shows them."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from inbox.cli.demo import add_profile_options, reader
from inbox.core.clock import to_iso
from inbox.core.errors import ConfigError
from inbox.core.models import Column, ColumnFilter, ConversationSummary
from inbox.store import Store

SNIPPET_WIDTH = 60


def register(sub: Any) -> None:
    parser = sub.add_parser("conversations", help="list conversations")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    listing = verbs.add_parser(
        "list",
        help="print a column's conversations in deck order",
        description="Print conversations as a column orders them: the first column by "
        "default, or every open conversation by priority when there are no columns.",
    )
    listing.add_argument("--column", metavar="NAME", help="column to list (default: the first)")
    listing.add_argument("--limit", type=int, default=50, metavar="N", help="at most N rows")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    add_profile_options(listing, demo=True)
    listing.set_defaults(func=run_list)


def pick_column(store: Store, name: str | None) -> tuple[str, ColumnFilter]:
    """The column called name (exact, then ignoring case), else the deck's first column.

    Raises:
        ConfigError: no column has that name; the message lists the columns.
    """
    columns: list[Column] = store.columns.all()
    if name is None:
        if columns:
            return columns[0].name, columns[0].filter
        return "All open", ColumnFilter()
    for column in columns:
        if column.name == name:
            return column.name, column.filter
    for column in columns:
        if column.name.casefold() == name.casefold():
            return column.name, column.filter
    names = ", ".join(repr(c.name) for c in columns) or "none"
    raise ConfigError(f"No column named {name!r}. Columns: {names}.")


def as_json(c: ConversationSummary) -> dict[str, Any]:
    return {
        "id": c.id,
        "account_id": c.account_id,
        "account": c.account_handle,
        "network": c.network,
        "kind": c.kind.value,
        "status": c.status.value,
        "priority": c.priority,
        "contact": c.contact_handle,
        "contact_name": c.contact_name,
        "snippet": c.snippet,
        "last_message_at": to_iso(c.last_message_at),
        "unread": c.unread,
        "message_count": c.message_count,
        "team": c.team_name,
        "assignee": c.assignee_name,
        "sla_due_at": to_iso(c.sla_due_at) if c.sla_due_at else None,
        "tags": list(c.tags),
    }


def table(rows: list[ConversationSummary]) -> str:
    """An aligned text table, one conversation per line."""
    header = ("ID", "PRI", "STATUS", "NETWORK", "KIND", "CONTACT", "LAST (UTC)", "SNIPPET")
    body = [
        (
            str(c.id),
            str(c.priority),
            c.status.value,
            c.network,
            c.kind.value,
            c.contact_handle,
            c.last_message_at.strftime("%Y-%m-%d %H:%M"),
            _clip(" ".join(c.snippet.split()), SNIPPET_WIDTH),
        )
        for c in rows
    ]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    right = {0, 1}  # numbers align right
    lines = []
    for r in [header, *body]:
        cells = [
            v.rjust(w) if i in right else v.ljust(w)
            for i, (v, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def run_list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise ConfigError("--limit must be at least 1.")
    with reader(args) as store:
        name, flt = pick_column(store, args.column)
        rows = store.conversations.page(flt, limit=args.limit)
    if args.json:
        json.dump([as_json(c) for c in rows], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print(f"{name}: {len(rows)} conversation{'s' if len(rows) != 1 else ''}")
        if rows:
            print(table(rows))
    return 0
