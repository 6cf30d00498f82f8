"""`social-inbox rules list|reapply|add|remove`: the triage rules, headless."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from typing import Any

from inbox.cli import stdin
from inbox.cli.demo import add_profile_options, reader
from inbox.core.errors import ConfigError
from inbox.core.events import Event, Progress
from inbox.core.rules import (
    Rule,
    actions_from_json,
    actions_to_json,
    conditions_from_json,
    conditions_to_json,
    rule_to_data,
)
from inbox.engine import Engine
from inbox.engine import ops as engine_ops
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
    add = verbs.add_parser(
        "add",
        help="add a rule (or replace the one of that name) from JSON on standard input, "
        "in the shape `rules list --json` prints; then re-apply",
    )
    add.add_argument("--json-stdin", action="store_true", required=True)
    add_profile_options(add)
    add.set_defaults(func=run_add)
    remove = verbs.add_parser(
        "remove", help="remove a rule by name or id; re-applying takes back what it did"
    )
    remove.add_argument("rule", metavar="NAME_OR_ID")
    add_profile_options(remove)
    remove.set_defaults(func=run_remove)


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


def _rule_from_json(text: str) -> Rule:
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("expected one JSON object")
        return Rule(
            name=str(data["name"]).strip(),
            conditions=conditions_from_json(json.dumps(data.get("conditions", []))),
            actions=actions_from_json(json.dumps(data.get("actions", []))),
            match=str(data.get("match", "all")),
            enabled=bool(data.get("enabled", True)),
            stop=bool(data.get("stop", False)),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"Not a rule: {exc}. Give one object like those `rules list --json` prints."
        ) from None
    except RecursionError:  # "[[[[…": the parser recurses per level
        raise ConfigError(
            "Not a rule: it nests too deeply. Give one object like those `rules list --json` "
            "prints."
        ) from None


def _settled(engine: Engine, change: Any) -> None:
    """Run the change, then wait for the re-apply it asked for, showing its progress."""

    def show(event: Event) -> None:
        if isinstance(event, Progress) and event.task == ops.REAPPLY_TASK:
            print(f"\r{event.label:<60}", end="", file=sys.stderr, flush=True)

    engine.subscribe(show)
    engine.call(change)
    engine.call(ops.reapply_settled, timeout=3600)
    print(file=sys.stderr)


def run_add(args: argparse.Namespace) -> int:
    rule = _rule_from_json(stdin.read())
    if not rule.name:
        raise ConfigError("A rule needs a name.")
    engine = Engine(Profile.resolve(args.profile).db_path)
    engine.start()
    try:
        same = [r for r in engine.call(lambda e: e.store.rules.all()) if r.name == rule.name]
        if same:
            rule = replace(rule, id=same[0].id, position=same[0].position)
        data = rule_to_data(rule)
        _settled(engine, lambda e: engine_ops.run(e, "rules.save", initiator="cli", rule=data))
    finally:
        engine.stop()
    print(f"{'Replaced' if same else 'Added'} rule {rule.name!r}; the rules were re-applied.")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    engine = Engine(Profile.resolve(args.profile).db_path)
    engine.start()
    try:
        rules = engine.call(lambda e: e.store.rules.all())
        found = [r for r in rules if args.rule in (r.name, str(r.id))]
        if not found:
            names = ", ".join(repr(r.name) for r in rules) or "none"
            raise ConfigError(f"No rule {args.rule!r}. Rules: {names}.")
        rule_id = found[0].id
        _settled(
            engine, lambda e: engine_ops.run(e, "rules.remove", initiator="cli", rule_id=rule_id)
        )
    finally:
        engine.stop()
    print(f"Removed rule {found[0].name!r}; what it did was taken back.")
    return 0
