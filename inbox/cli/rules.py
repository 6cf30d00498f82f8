"""`social-inbox rules list|reapply`: the triage rules, headless."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from inbox.cli.demo import add_profile_options, reader
from inbox.core.events import Event, Progress
from inbox.core.rules import Rule, actions_to_json, conditions_to_json
from inbox.engine import Engine
from inbox.engine import triage as ops
from inbox.profile import Profile


def register(sub: Any) -> None:
    parser = sub.add_parser("rules", help="list or re-apply the triage rules")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    listing = verbs.add_parser("list", help="print the rules in order, with what they match")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    add_profile_options(listing, demo=True)
    listing.set_defaults(func=run_list)
    again = verbs.add_parser("reapply", help="re-run the rules over every conversation")
    add_profile_options(again)
    again.set_defaults(func=run_reapply)


def as_json(rule: Rule, hits: int, seen: int) -> dict[str, Any]:
    return {
        "id": rule.id,
        "position": rule.position,
        "name": rule.name,
        "enabled": rule.enabled,
        "match": rule.match,
        "stop": rule.stop,
        "conditions": json.loads(conditions_to_json(rule.conditions)),
        "actions": json.loads(actions_to_json(rule.actions)),
        "matches": hits,
        "of_last": seen,
    }


def run_list(args: argparse.Namespace) -> int:
    args.demo = getattr(args, "demo", False)
    with reader(args) as store:
        rows = [(r, *store.rules.preview(r)) for r in store.rules.all()]
    if args.json:
        print(json.dumps([as_json(*row) for row in rows], indent=2))
        return 0
    for rule, hits, seen in rows:
        mark = " " if rule.enabled else "-"
        print(f"{mark} {rule.position:>2}  {rule.name:<28} matches {hits} of the last {seen}")
    return 0


def run_reapply(args: argparse.Namespace) -> int:
    engine = Engine(Profile.resolve(args.profile).db_path)
    engine.start()

    def show(event: Event) -> None:
        if isinstance(event, Progress) and event.task == ops.REAPPLY_TASK:
            print(f"\r{event.label:<60}", end="", file=sys.stderr, flush=True)

    engine.subscribe(show)
    try:
        changed = engine.call(lambda e: ops.reapply(e), timeout=3600)
    finally:
        engine.stop()
    print(f"\n{len(changed.conversations)} conversations changed", file=sys.stderr)
    return 0
