"""`social-inbox columns list | add-search | edit-search | fetch`: the deck's columns, and
monitoring (search) columns through the same operations as the window."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from inbox.cli import session
from inbox.cli.http import client
from inbox.core.events import Event, SearchStatus
from inbox.engine import Engine, accounts, monitoring, ops
from inbox.networks import registry


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "columns", help="list columns; add and fetch search (monitoring) columns"
    )
    verbs = parser.add_subparsers(dest="columns_command", metavar="VERB", required=True)
    ls = verbs.add_parser("list", help="every column, with a search column's terms and fetch state")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_list)
    names = ", ".join(c.name for c in registry.searching())
    add = verbs.add_parser(
        "add-search",
        help="add a column that listens beyond your mentions: keywords, #hashtags, names",
        description="A search column: posts on the networks matching any term (words, "
        '"phrases", #hashtags, brand and competitor names) and none of the exclusions, '
        "stored as monitoring items (nobody asked you) through the same rules as mentions. "
        f"Networks that can search: {names}.",
    )
    add.add_argument("name", help="the column's name, e.g. Competitors")
    _search_args(add, required=True)
    add.add_argument("--team", type=int, metavar="ID", help="put the column on this team's deck")
    add.set_defaults(func=_add)
    edit = verbs.add_parser("edit-search", help="change a search column's terms")
    edit.add_argument("column", help="the column's id or name")
    _search_args(edit, required=True)
    edit.add_argument("--name", help="rename it too")
    edit.set_defaults(func=_edit)
    fetch = verbs.add_parser(
        "fetch", help="sign in to the accounts and fetch every search column once, now"
    )
    fetch.set_defaults(func=_fetch)


def _search_args(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument(
        "--terms",
        required=required,
        metavar="TEXT",
        help='comma-separated: words, "phrases", #hashtags, names (any of them)',
    )
    parser.add_argument(
        "--exclude", default="", metavar="TEXT", help="comma-separated: drop posts naming these"
    )
    parser.add_argument(
        "--network",
        action="append",
        default=[],
        metavar="NAME",
        help="search only this network (repeat for several; default: every one that can)",
    )


def _list(args: argparse.Namespace) -> int:
    def read(e: Engine) -> list[dict[str, Any]]:
        rows = []
        for column in e.store.columns.all():
            row: dict[str, Any] = {"id": column.id, "name": column.name, "team_id": column.team_id}
            sid = column.filter.search_id
            if sid is not None:
                search = e.store.searches.get(sid)
                row["search"] = {
                    "id": sid,
                    "terms": list(search.spec.terms),
                    "exclude": list(search.spec.exclude),
                    "networks": list(search.spec.networks),
                    "state": search.fetch.state,
                    "detail": search.fetch.detail,
                    "fetched_at": search.fetch.fetched_at,
                    "hits": e.store.searches.hits(sid),
                }
            rows.append(row)
        return rows

    rows = session.call(args, read)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    if not rows:
        print("No columns.")
    for row in rows:
        search = row.get("search")
        line = f"#{row['id']}\t{row['name']}"
        if search:
            line += f"\tsearch: {', '.join(search['terms'])}"
            if search["exclude"]:
                line += f" − {', '.join(search['exclude'])}"
            line += f"\t{_state_words(search['state'], search['detail'], search['fetched_at'])}"
            line += f"\t{search['hits']} found"
        print(line)
    return 0


def _state_words(state: str, detail: str, fetched_at: str | None) -> str:
    words = {"new": "not fetched yet", "fetching": "fetching…", "ok": "fetched", "error": "failed"}
    text = words.get(state, state)
    if fetched_at and state in ("ok", "error"):
        text += f" {fetched_at[:16].replace('T', ' ')} UTC"
    return f"{text}: {detail}" if detail else text


def _terms(args: argparse.Namespace) -> dict[str, Any]:
    from inbox.core.monitoring import split_terms

    return {
        "terms": list(split_terms(args.terms)),
        "exclude": list(split_terms(args.exclude)),
        "networks": list(args.network),
    }


def _add(args: argparse.Namespace) -> int:
    made = session.call(
        args,
        lambda e: ops.run(
            e,
            "columns.add_search",
            initiator="cli",
            name=args.name,
            team_id=args.team,
            **_terms(args),
        ),
    )
    print(f"Added search column #{made['column_id']} {made['name']!r}: {', '.join(made['terms'])}")
    print(
        "It fills at the next sync; `social-inbox columns fetch` fetches it now.", file=sys.stderr
    )
    return 0


def _column_id(e: Engine, text: str) -> int:
    from inbox.core.errors import NotFound

    for column in e.store.columns.all():
        if str(column.id) == text or column.name.casefold() == text.casefold():
            return column.id
    known = ", ".join(f"#{c.id} {c.name}" for c in e.store.columns.all()) or "none"
    raise NotFound(f"There is no column {text!r}; columns: {known}")


def _edit(args: argparse.Namespace) -> int:
    def edit(e: Engine) -> Any:
        cid = _column_id(e, args.column)
        return ops.run(
            e, "columns.edit_search", initiator="cli", column_id=cid, name=args.name, **_terms(args)
        )

    made = session.call(args, edit)
    print(f"Search {made['search_id']} now looks for: {', '.join(made['terms'])}")
    return 0


def _fetch(args: argparse.Namespace) -> int:
    def report(event: Event) -> None:
        if isinstance(event, SearchStatus) and event.state in ("ok", "error"):
            words = _state_words(event.state, event.detail, event.fetched_at)
            print(
                f"search {event.search_id}: {words}",
                file=sys.stderr if event.state == "error" else sys.stdout,
            )

    with session.engine(args) as engine:
        engine.subscribe(report)
        engine.call(lambda e: accounts.connect_all(e, http=client()))
        errors = engine.call(monitoring.fetch_all, timeout=600)
        found = engine.call(
            lambda e: [(s.id, e.store.searches.hits(s.id)) for s in e.store.searches.active()]
        )
    if not found:
        print("No search columns; add one with `social-inbox columns add-search`.")
    for search_id, hits in found:
        print(f"search {search_id}: {hits} item(s) in its column")
    return 1 if errors else 0
