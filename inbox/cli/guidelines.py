"""`social-inbox guidelines …`: a team's posting rules, and replies held by them.

guidelines list [--team T] [--json]
guidelines add NAME --kind forbidden|disclosure|domains|claims|conduct --word W …
               [--trigger W …] [--severity warn|approval] [--team T] [--note TEXT]
guidelines remove ID
guidelines check [--team T] --text-stdin      what the composer would say
guidelines held                               replies waiting for an approver
guidelines approve HELD_ID | reject HELD_ID --comment TEXT
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from inbox.cli import session, stdin
from inbox.cli.main import hint
from inbox.core import guidelines as core
from inbox.core.errors import ConfigError


def register(sub: Any) -> None:
    parser = sub.add_parser("guidelines", help="the team's posting guidelines; held replies")
    verbs = parser.add_subparsers(dest="guidelines_command", metavar="VERB", required=True)
    ls = verbs.add_parser("list", help="the guidelines (a team's and the shared ones)")
    ls.add_argument("--team", default="", help="team name or id (default: every team)")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_list)
    add = verbs.add_parser("add", help="add a guideline")
    add.add_argument("name")
    add.add_argument("--kind", choices=core.KINDS, default="forbidden")
    add.add_argument(
        "--word", action="append", default=[], metavar="W",
        help="a word, phrase, tag (#ad) or domain; repeat for more",
    )  # fmt: skip
    add.add_argument(
        "--trigger", action="append", default=[], metavar="W",
        help="disclosure only: the tag is required when one of these appears",
    )  # fmt: skip
    add.add_argument("--severity", choices=[s.value for s in core.Severity], default="warn")
    add.add_argument("--team", default="", help="team name or id (default: every team)")
    add.add_argument("--note", default="", help="what the rule is for")
    add.set_defaults(func=_add)
    rm = verbs.add_parser("remove", help="remove a guideline (undo: add it again)")
    rm.add_argument("id", type=int)
    rm.set_defaults(func=_remove)
    check = verbs.add_parser("check", help="check a text as the composer does")
    check.add_argument("--team", default="")
    check.add_argument("--text-stdin", action="store_true", required=True)
    check.set_defaults(func=_check)
    held = verbs.add_parser("held", help="replies held for approval")
    held.add_argument("--json", action="store_true")
    held.set_defaults(func=_held)
    ok = verbs.add_parser("approve", help="send a held reply")
    ok.add_argument("id", type=int, metavar="HELD_ID")
    ok.set_defaults(func=_approve)
    no = verbs.add_parser("reject", help="return a held reply to its author")
    no.add_argument("id", type=int, metavar="HELD_ID")
    no.add_argument("--comment", required=True, help="why (the author sees it)")
    no.set_defaults(func=_reject)


def _team(engine: Any, given: str) -> int | None:
    given = given.strip()
    if not given:
        return None
    teams = engine.store.teams.all()
    if given.isdigit() and int(given) in teams:
        return int(given)
    for team_id, name in teams.items():
        if name.casefold() == given.casefold():
            return int(team_id)
    known = ", ".join(teams.values()) or "none"
    raise ConfigError(f"No team {given!r}. Teams: {known}.")


def _row(g: core.Guideline, teams: dict[int, str]) -> dict[str, Any]:
    return {
        "id": g.id,
        "name": g.name,
        "kind": g.kind,
        "severity": g.severity.value,
        "team": teams.get(g.team_id, "") if g.team_id else "",
        "words": list(g.words),
        "triggers": list(g.triggers),
        "note": g.note,
    }


def _list(args: argparse.Namespace) -> int:
    def read(engine: Any) -> list[dict[str, Any]]:
        team = _team(engine, args.team)
        rules = engine.store.guidelines.all(team, every_team=team is None)
        teams = engine.store.teams.all()
        return [_row(g, teams) for g in rules]

    rows = session.call(args, read)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    if not rows:
        print(f"No guidelines. Add one with {hint(args, 'guidelines add NAME --word W')}.")
    for r in rows:
        where = f" [{r['team']}]" if r["team"] else ""
        words = ", ".join(r["words"])
        print(f"{r['id']:>4}  {r['name']}{where}  {r['kind']}, {r['severity']}: {words}")
    return 0


def _add(args: argparse.Namespace) -> int:
    from inbox.engine import ops

    def add(engine: Any) -> dict[str, Any]:
        g = core.Guideline(
            name=args.name,
            kind=args.kind,
            words=tuple(args.word),
            triggers=tuple(args.trigger),
            severity=core.Severity(args.severity),
            note=args.note,
            team_id=_team(engine, args.team),
        )
        from inbox.engine.ops.moderation import guideline_args

        saved: dict[str, Any] = ops.run(
            engine, "guidelines.save", initiator="cli", guideline=guideline_args(g)
        )
        return saved

    saved = session.call(args, add)
    print(f"Added guideline {saved['id']}: {saved['name']} ({saved['severity']}).")
    return 0


def _remove(args: argparse.Namespace) -> int:
    from inbox.engine import ops

    session.call(
        args, lambda e: ops.run(e, "guidelines.delete", initiator="cli", guideline_id=args.id)
    )
    print(f"Removed guideline {args.id}.")
    return 0


def _check(args: argparse.Namespace) -> int:
    text = stdin.read()

    def check(engine: Any) -> list[core.Breach]:
        team = _team(engine, args.team)
        return core.check(text, engine.store.guidelines.all(team))

    found = session.call(args, check)
    if not found:
        print("Follows every guideline.")
        return 0
    print(core.summary(found))
    return 1 if core.holds(found) else 0


def _held(args: argparse.Namespace) -> int:
    rows = session.call(args, lambda e: e.store.held_replies.waiting())
    if args.json:
        keys = ("id", "conversation_id", "author", "text", "reasons", "created_at")
        print(json.dumps([{k: getattr(h, k) for k in keys} for h in rows], ensure_ascii=False))
        return 0
    if not rows:
        print("No replies wait for approval.")
    for h in rows:
        first = h.text.splitlines()[0][:60] if h.text else ""
        print(f"{h.id:>4}  conversation {h.conversation_id} · {h.author}: {first}")
        for line in h.reasons.splitlines():
            print(f"      {line}")
    return 0


def _member(engine: Any) -> int | None:
    me = engine.store.teams.current()
    return me.id if me is not None else None


def _approve(args: argparse.Namespace) -> int:
    from inbox.engine import ops

    item = session.call(
        args,
        lambda e: ops.run(
            e, "replies.approve_held", initiator="cli", held_id=args.id, member_id=_member(e)
        ),
    )
    print(f"Approved: reply queued (outbox {item.id}); {hint(args, 'sync --once')} sends it.")
    return 0


def _reject(args: argparse.Namespace) -> int:
    from inbox.engine import ops

    session.call(
        args,
        lambda e: ops.run(
            e,
            "replies.reject_held",
            initiator="cli",
            held_id=args.id,
            member_id=_member(e),
            comment=args.comment,
        ),
    )
    print(f"Rejected held reply {args.id}; its author sees your comment.")
    return 0
