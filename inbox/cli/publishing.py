"""Publishing verbs: post, schedule list/import/export/run, templates list/import/export."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from inbox.cli.http import client
from inbox.core import bulk
from inbox.core import templates as core_templates
from inbox.core.clock import from_iso, to_iso
from inbox.core.errors import ConfigError
from inbox.core.posts import ApprovalPolicy, Post
from inbox.core.schedule import MissedPolicy, PostingSchedule, parse_local, utc_to_local
from inbox.engine import Engine, accounts
from inbox.engine import publishing as pub
from inbox.networks import registry
from inbox.profile import Profile
from inbox.store import Store
from inbox.store.posts import TeamPolicy

log = logging.getLogger(__name__)
T = TypeVar("T")


def register(sub: Any) -> None:
    p = sub.add_parser("post", help="write a post (or schedule it with --at)")
    p.add_argument("--account", action="append", required=True, metavar="HANDLE")
    p.add_argument("--text-stdin", action="store_true", required=True, help="read the text")
    p.add_argument("--at", metavar="ISO8601", help="when; without an offset, in --zone")
    p.add_argument("--zone", default="UTC", help="IANA time zone (default UTC)")
    p.add_argument("--member", type=int, help="act as this member id (roles, approval)")
    p.add_argument("--queue", action="store_true", help="take the account's next free slot")
    p.set_defaults(func=cmd_post)

    s = sub.add_parser("schedule", help="scheduled posts: list, import, export, run")
    ssub = s.add_subparsers(dest="schedule_command", metavar="ACTION", required=True)
    ls = ssub.add_parser("list", help="list posts by time")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    im = ssub.add_parser("import", help="import a bulk CSV: all rows or none")
    im.add_argument("file", type=Path)
    im.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="HANDLE",
        help="for rows without an account column",
    )
    im.add_argument("--zone", default="UTC")
    im.add_argument("--date-order", choices=("dmy", "mdy"), default="dmy")
    im.add_argument("--member", type=int)
    im.add_argument("--dry-run", action="store_true", help="only show the preview")
    im.set_defaults(func=cmd_import)
    ex = ssub.add_parser("export", help="export the schedule")
    ex.add_argument("--format", choices=("csv", "ics"), default="csv")
    ex.add_argument("--output", "-o", type=Path, help="file (default: standard output)")
    ex.set_defaults(func=cmd_export)
    sl = ssub.add_parser("slots", help="show or set an account's weekly posting slots")
    sl.add_argument("--account", required=True, metavar="HANDLE")
    sl.add_argument("spec", nargs="?", help='e.g. "mon-fri 09:30,15:00; sat 11:00"')
    sl.add_argument("--zone", default="UTC", help="IANA zone of the slots")
    sl.set_defaults(func=cmd_slots)
    po = ssub.add_parser("policy", help="show or set a team's approval and missed-post policy")
    po.add_argument("--team", type=int, help="team id (default: posts without a team)")
    po.add_argument("--approval", choices=[str(a) for a in ApprovalPolicy])
    po.add_argument("--missed", choices=[str(m) for m in MissedPolicy])
    po.add_argument("--grace", type=int, metavar="MINUTES", help="late by more is missed")
    po.add_argument("--alt-text", choices=("required", "optional"), help="for every team")
    po.set_defaults(func=cmd_policy)
    run = ssub.add_parser("run", help="publish due posts headless (the engine without a window)")
    run.add_argument(
        "--until-idle",
        action="store_true",
        help="exit when nothing is due (retries due within 2 minutes are waited for)",
    )
    run.add_argument("--interval", type=float, default=15.0, help="seconds between rounds")
    run.set_defaults(func=cmd_run)

    t = sub.add_parser("templates", help="saved replies: list, import, export")
    tsub = t.add_subparsers(dest="templates_command", metavar="ACTION", required=True)
    tl = tsub.add_parser("list")
    tl.add_argument("--json", action="store_true")
    tl.set_defaults(func=cmd_templates_list)
    ti = tsub.add_parser("import")
    ti.add_argument("file", type=Path)
    ti.set_defaults(func=cmd_templates_import)
    te = tsub.add_parser("export")
    te.add_argument("--output", "-o", type=Path)
    te.set_defaults(func=cmd_templates_export)


@contextmanager
def _engine(args: argparse.Namespace) -> Iterator[Engine]:
    profile = Profile.resolve(getattr(args, "profile", None), getattr(args, "demo", False))
    engine = Engine(profile.db_path)
    engine.start()
    try:
        yield engine
    finally:
        engine.stop()


def _call(args: argparse.Namespace, fn: Callable[[Engine], T]) -> T:
    with _engine(args) as engine:
        return engine.call(fn)


def _account_ids(engine: Engine, handles: list[str]) -> list[int]:
    accounts = engine.store.accounts()
    ids = []
    for handle in handles:
        wanted = handle.lstrip("@").lower()
        match = [a for a in accounts if a.handle.lstrip("@").lower() == wanted]
        if not match:  # "teashop" for teashop@mastodon.example, when only one fits
            short = [a for a in accounts if a.handle.lstrip("@").lower().split("@")[0] == wanted]
            match = short if len(short) == 1 else []
        if not match:
            known = ", ".join(a.handle for a in accounts) or "none"
            raise ConfigError(f"No account {handle!r} (accounts: {known}).")
        ids.append(match[0].id)
    return ids


def cmd_post(args: argparse.Namespace) -> int:
    text = sys.stdin.read().rstrip("\n")

    def run(e: Engine) -> Post:
        ids = tuple(_account_ids(e, args.account))
        when = parse_local(args.at, args.zone) if args.at else None
        post = Post(text, ids, scheduled_at=when, zone=args.zone)
        if args.queue:
            return pub.add_to_queue(e, post, args.member)
        return pub.submit(e, post, args.member)

    post = _call(args, run)
    when = to_iso(post.scheduled_at) if post.scheduled_at else "now"
    print(f"post {post.id}: {post.state} at {when}")
    return 0


def _rows(store: Store) -> list[dict[str, Any]]:
    result = []
    for post in store.posts.find():
        targets = store.posts.targets(post.id)
        result.append(
            {
                "id": post.id,
                "state": str(post.state),
                "scheduled_at": to_iso(post.scheduled_at) if post.scheduled_at else None,
                "zone": post.zone,
                "text": post.text,
                "accounts": [
                    {
                        "handle": t.handle,
                        "network": t.network,
                        "status": t.status,
                        "error": t.error,
                        "url": t.remote_url,
                    }
                    for t in targets
                ],
                "error": post.error,
                "note": post.note,
                "review_comment": post.review_comment,
            }
        )
    return result


def cmd_list(args: argparse.Namespace) -> int:
    profile = Profile.resolve(getattr(args, "profile", None), getattr(args, "demo", False))
    if profile.db_path.exists():  # read only: works on a read-only profile too
        store = Store(profile.db_path, readonly=True)
        try:
            rows = _rows(store)
        finally:
            store.close()
    else:
        rows = _call(args, lambda e: _rows(e.store))
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for r in rows:
        when = "—"
        if r["scheduled_at"]:
            when = utc_to_local(from_iso(r["scheduled_at"]), r["zone"]).strftime(
                "%Y-%m-%d %H:%M %Z"
            )
        who = " ".join(a["handle"] for a in r["accounts"])
        first = r["text"].splitlines()[0] if r["text"] else ""
        print(f"{r['id']:>5}  {r['state']:<17} {when:<22} {who:<24} {first[:60]}")
        for extra in (r["error"], r["note"], r["review_comment"]):
            if extra:
                print(f"{'':>7}{extra}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    try:
        data = args.file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read {args.file}: {exc}") from exc

    def run(e: Engine) -> tuple[list[bulk.Row], list[int]]:
        default = _account_ids(e, args.account)
        rows = bulk.preview(
            data,
            accounts=e.store.posts.send_targets([a.id for a in e.store.accounts()]),
            default_accounts=default,
            zone_name=args.zone,
            now=e.clock.now(),
            date_order=args.date_order,
            require_alt=e.store.posts.require_alt(),
            counter=registry.counter,
        )
        if args.dry_run or any(r.problems for r in rows):
            return rows, []
        return rows, pub.import_rows(e, rows, args.zone, args.member)

    rows, ids = _call(args, run)
    for r in rows:
        mark = "ok " if not r.problems else "ERR"
        print(f"{mark} line {r.line}: {r.when_text}  {r.message[:50]}")
        for problem in r.problems:
            print(f"      {problem}")
    bad = sum(1 for r in rows if r.problems)
    if bad:
        print(f"{bad} of {len(rows)} rows have problems; nothing was imported.", file=sys.stderr)
        return 1
    print(f"Imported {len(ids)} posts." if not args.dry_run else f"{len(rows)} rows are fine.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    def run(e: Engine) -> str:
        entries = e.store.posts.entries()
        if args.format == "ics":
            return bulk.to_ics(entries, stamp=e.clock.now())
        return bulk.to_csv(entries)

    text = _call(args, run)
    if args.output:
        args.output.write_text(text, encoding="utf-8", newline="")
    else:
        sys.stdout.write(text)
    return 0


def cmd_slots(args: argparse.Namespace) -> int:
    def run(e: Engine) -> str:
        (account_id,) = _account_ids(e, [args.account])
        if args.spec:
            e.store.posts.set_posting_schedule(
                account_id, PostingSchedule.parse(args.zone, args.spec)
            )
        schedule = e.store.posts.posting_schedule(account_id)
        return f"{schedule.format()} ({schedule.zone})" if schedule else "no slots"

    print(_call(args, run))
    return 0


def cmd_policy(args: argparse.Namespace) -> int:
    def run(e: Engine) -> str:
        policy = e.store.posts.team_policy(args.team)
        changed = TeamPolicy(
            approval=ApprovalPolicy(args.approval) if args.approval else policy.approval,
            missed=MissedPolicy(args.missed) if args.missed else policy.missed,
            grace_minutes=args.grace if args.grace is not None else policy.grace_minutes,
        )
        if changed != policy:
            e.store.posts.set_team_policy(args.team, changed)
        if args.alt_text:
            e.store.set_setting("publishing.require_alt_text", args.alt_text == "required")
        alt = "required" if e.store.posts.require_alt() else "optional"
        return (
            f"approval: {changed.approval}; missed posts: {changed.missed} "
            f"(late by more than {changed.grace_minutes} min); alt text: {alt}"
        )

    print(_call(args, run))
    return 0


# `schedule run --until-idle` waits for retries due this soon; later ones are for the next run.
IDLE_HORIZON = timedelta(minutes=2)


def _pending(e: Engine) -> tuple[int, str | None]:
    """(post rows and due posts to deliver by the horizon, when the next row is due).

    Only connected accounts count: a row for an account that needs sign-in waits for
    the next run instead of keeping this one alive.
    """
    horizon = to_iso(e.clock.now() + IDLE_HORIZON)
    connected = list(e.adapters)
    rows = e.store.query(
        f"""SELECT count(*), min(due_at) FROM outbox WHERE kind = 'post'
              AND status IN ('queued', 'sending') AND due_at <= ?
              AND account_id IN ({",".join("?" * len(connected))})""",
        (horizon, *connected),
    )
    waiting = e.store.posts.due(e.clock.now())
    return int(rows[0][0]) + len(waiting), rows[0][1]


def cmd_run(args: argparse.Namespace) -> int:
    with _engine(args) as engine:
        engine.call(lambda e: accounts.connect_all(e, http=client()))
        engine.call(pub.refresh_limits)
        if not args.until_idle:
            engine.submit(lambda e: pub.run(e, args.interval)).result()
            return 0
        while True:
            engine.call(pub.tick)
            left, next_due = engine.call(_pending)
            if not left:
                return 0
            if next_due and from_iso(next_due) > engine.clock.now():
                wait = (from_iso(next_due) - engine.clock.now()) / timedelta(seconds=1)
                time.sleep(min(max(wait, 0.05), args.interval))


def cmd_templates_list(args: argparse.Namespace) -> int:
    items = _call(args, lambda e: e.store.templates.all())
    if args.json:
        print(core_templates.dumps(items))
        return 0
    for t in items:
        scope = f"team {t.team_id}" if t.team_id is not None else "shared"
        print(f"{t.id:>4}  /{t.shortcut or '-':<12} {t.name:<30} {scope}")
    return 0


def cmd_templates_import(args: argparse.Namespace) -> int:
    try:
        items = core_templates.loads(args.file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"Cannot read {args.file}: {exc}") from exc
    n = _call(args, lambda e: e.store.templates.import_all(items))
    print(f"Imported {n} templates.")
    return 0


def cmd_templates_export(args: argparse.Namespace) -> int:
    text = _call(args, lambda e: core_templates.dumps(e.store.templates.all()))
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0
