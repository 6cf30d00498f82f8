"""`social-inbox conversations list|show|resolve|reopen|note`: a column's conversations in deck
order, one conversation in full, and the same triage operations as the window."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from inbox.cli import session, stdin
from inbox.cli.demo import add_profile_options, reader
from inbox.core import history as words
from inbox.core.clock import to_iso
from inbox.core.errors import ConfigError
from inbox.core.events import Changed
from inbox.core.models import Column, ColumnFilter, ConversationSummary, Status
from inbox.engine import Engine, ops
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

    show = verbs.add_parser(
        "show",
        help="one conversation: its messages, notes, ticket and history",
        description="Print a conversation as the pane shows it: who, status, priority, "
        "every message (ours marked), internal notes, its ticket link and its history.",
    )
    show.add_argument("id", type=int, metavar="ID")
    show.add_argument("--json", action="store_true", help="print JSON")
    add_profile_options(show, demo=True)
    show.set_defaults(func=run_show)
    for verb, text in (
        ("resolve", "mark conversations resolved (stops their SLA clock)"),
        ("reopen", "open resolved or waiting conversations again"),
    ):
        p = verbs.add_parser(verb, help=text, description=text[0].upper() + text[1:] + ".")
        p.add_argument("ids", type=int, nargs="+", metavar="ID")
        add_profile_options(p)
        p.set_defaults(func=run_status, status=verb)
    note = verbs.add_parser(
        "note",
        help="add an internal note (never sent to the customer)",
        description="Add an internal note to a conversation; a ticketed conversation gets it "
        "as an internal comment.",
    )
    note.add_argument("id", type=int, metavar="ID")
    text = note.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="the note")
    text.add_argument("--text-stdin", action="store_true", help="read the note from stdin")
    add_profile_options(note)
    note.set_defaults(func=run_note)


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


def _conversation(store: Store, conversation_id: int) -> ConversationSummary:
    summary = store.conversations.get(conversation_id)
    if summary is None:
        raise ConfigError(f"No conversation {conversation_id}.")
    return summary


def run_show(args: argparse.Namespace) -> int:
    with reader(args) as store:
        c = _conversation(store, args.id)
        messages = store.conversations.messages(c.id)
        notes = store.triage.notes(c.id)
        refs = store.connectors.refs(c.id)
        history = store.triage.history(c.id)
        members = {m.id: m.name for m in store.teams.members()}
        teams = {t.id: t.name for t in store.teams.list_teams()}
        unsent = [
            r
            for r in store.outbox.for_conversation(c.id)
            if r.kind == "reply" and r.status in ("queued", "sending", "failed")
        ]
    said = words.lines([(h.at, h.actor, h.action, h.detail) for h in history], members, teams)
    if args.json:
        data = as_json(c) | {
            "messages": [
                {
                    "id": m.id,
                    "direction": m.direction,
                    "author": m.author_handle,
                    "text": m.text,
                    "url": m.url,
                    "created_at": to_iso(m.created_at),
                    "media": [
                        {k: str(a.get(k) or "") for k in ("kind", "url", "description")}
                        for a in m.media
                    ],
                }
                for m in messages
            ],
            "notes": [{"author": n.author_name, "text": n.text, "at": to_iso(n.at)} for n in notes],
            "refs": [
                {"kind": r.kind.value, "connector": r.connector, "id": r.remote_id, "url": r.url}
                for r in refs
            ],
            "unsent": [{"status": r.status, "error": r.last_error} for r in unsent],
            "history": [{"at": to_iso(at), "text": line} for at, line in said],
        }
        json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    who = c.contact_name or c.contact_handle
    print(f"#{c.id}  {who} (@{c.contact_handle}) to @{c.account_handle} on {c.network}")
    facts = [c.kind.value, c.status.value, f"priority {c.priority}"]
    if c.assignee_name:
        facts.append(f"assigned to {c.assignee_name}")
    if c.team_name:
        facts.append(f"team {c.team_name}")
    if c.tags:
        facts.append("tags " + ", ".join(c.tags))
    print("    " + " · ".join(facts))
    for ref in refs:
        what = f"{ref.kind.value.capitalize()} {ref.remote_id} in {ref.connector}"
        print(f"    {what}: {ref.url or '(no link)'}")
    entries: list[tuple[datetime, str]] = []
    for m in messages:
        mark = "  (us)" if m.direction == "out" else ""
        link = f"  {m.url}" if m.url else ""
        body = "\n".join("    " + line for line in m.text.splitlines() or [""])
        for a in m.media:  # listed as the pane lists them: what it is (alt text), where
            what = a.get("description") or a.get("kind") or "attachment"
            body += f"\n    📎 {what}" + (f"  {a['url']}" if a.get("url") else "")
        head = f"{_local(m.created_at)}  @{m.author_handle}{mark}{link}"
        entries.append((m.created_at, f"{head}\n{body}"))
    for n in notes:
        body = "\n".join("    " + line for line in n.text.splitlines())
        author = n.author_name or "You"
        entries.append((n.at, f"{_local(n.at)}  Internal note by {author} (never sent)\n{body}"))
    print()
    for _at, text in sorted(entries, key=lambda e: e[0]):
        print(text)
    for r in unsent:
        state = f"failed: {r.last_error}" if r.status == "failed" else "sending…"
        print(f"(reply not sent yet, {state})\n    {r.payload.get('text', '')}")
    if said:
        print("\nHistory:")
        for at, line in said:
            print(f"  {_local(at)}  {line}")
    return 0


def _local(when: datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def run_status(args: argparse.Namespace) -> int:
    status = Status.RESOLVED if args.status == "resolve" else Status.OPEN

    def change(e: Engine) -> Changed:
        missing = [i for i in args.ids if e.store.conversations.get(i) is None]
        if missing:
            raise ConfigError(f"No conversation {', '.join(map(str, missing))}.")
        changed: Changed = ops.run(
            e, "conversations.set_status", initiator="cli", ids=args.ids, status=status.value
        )
        return changed

    changed = session.call(args, change)
    done = len(changed.conversations)
    label = "resolved" if status is Status.RESOLVED else "reopened"
    if done:
        print(f"{label.capitalize()} {done} conversation{'s' if done != 1 else ''}.")
    unchanged = len(set(args.ids)) - done
    if unchanged:
        print(f"{unchanged} already {'resolved' if status is Status.RESOLVED else 'open'}.")
    return 0


def run_note(args: argparse.Namespace) -> int:
    text = stdin.read() if args.text_stdin else args.text
    if not text.strip():
        raise ConfigError("The note is empty.")

    def add(e: Engine) -> Changed:
        _conversation(e.store, args.id)
        changed: Changed = ops.run(
            e, "conversations.add_note", initiator="cli", conversation_id=args.id, text=text
        )
        return changed

    session.call(args, add)
    print(f"Added an internal note to conversation {args.id} (never sent).")
    return 0


def run_list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise ConfigError("--limit must be at least 1.")
    with reader(args) as store:
        name, flt = pick_column(store, args.column)
        rows = store.conversations.page(flt, limit=args.limit)
        total = store.conversations.count(flt) if len(rows) == args.limit else len(rows)
    if args.json:
        json.dump([as_json(c) for c in rows], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        if not rows:
            print(f"{name}: no conversations.")
        else:
            many = f"{total} conversation{'s' if total != 1 else ''}"
            if total > len(rows):  # say that more wait, and how to see them
                many += f", the first {len(rows)} shown (--limit N for more)"
            print(f"{name}: {many}")
            print(table(rows))
    return 0
