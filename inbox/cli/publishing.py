"""Publishing verbs: post, schedule list/import/export/run, templates list/import/export."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from inbox.cli import stdin
from inbox.cli.http import client
from inbox.cli.main import hint
from inbox.core import bulk
from inbox.core import templates as core_templates
from inbox.core.clock import from_iso, to_iso
from inbox.core.errors import ConfigError
from inbox.core.posts import (
    ApprovalPolicy,
    Post,
    PostMedia,
    PostState,
    TeamPolicy,
    post_to_data,
)
from inbox.core.schedule import (
    MissedPolicy,
    parse_local,
    system_zone,
    utc_to_local,
)
from inbox.core.schedule import zone as find_zone
from inbox.engine import Engine, accounts, ops
from inbox.engine import publishing as pub
from inbox.networks import registry
from inbox.profile import Profile
from inbox.store import Store, reading

log = logging.getLogger(__name__)
T = TypeVar("T")


def register(sub: Any) -> None:
    p = sub.add_parser("post", help="write a post (or schedule it with --at)")
    p.add_argument(
        "--account", action="append", required=True, metavar="ID|HANDLE", help="repeatable"
    )
    p.add_argument("--text-stdin", action="store_true", required=True, help="read the text")
    p.add_argument("--at", metavar="ISO8601", help="when; without an offset, in --zone")
    p.add_argument("--zone", help="IANA time zone (default: this computer's)")
    p.add_argument("--member", type=int, help="act as this member id (roles, approval)")
    p.add_argument("--queue", action="store_true", help="take the account's next free slot")
    p.add_argument(
        "--media", action="append", default=[], metavar="FILE", help="an image; repeatable"
    )
    p.add_argument(
        "--alt",
        action="append",
        default=[],
        metavar="TEXT",
        help="alt text of the image given at the same place (first --alt for first --media)",
    )
    p.add_argument(
        "--network-scheduler",
        action="store_true",
        help="hand it to the network's own scheduler where it has one, so it goes "
        "out even when this computer is off; reschedule and cancel still work",
    )
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
        metavar="ID|HANDLE",
        help="for rows without an account column (which may name ids or handles too)",
    )
    im.add_argument("--zone", help="IANA zone of the dates (default: this computer's)")
    im.add_argument("--date-order", choices=("dmy", "mdy"), default="dmy")
    im.add_argument("--member", type=int)
    im.add_argument("--dry-run", action="store_true", help="only show the preview")
    im.set_defaults(func=cmd_import)
    ex = ssub.add_parser("export", help="export the schedule")
    ex.add_argument("--format", choices=("csv", "ics"), default="csv")
    ex.add_argument("--output", "-o", type=Path, help="file (default: standard output)")
    ex.set_defaults(func=cmd_export)
    sl = ssub.add_parser("slots", help="show or set an account's weekly posting slots")
    sl.add_argument("--account", required=True, metavar="ID|HANDLE")
    sl.add_argument("spec", nargs="?", help='e.g. "mon-fri 09:30,15:00; sat 11:00"')
    sl.add_argument("--zone", help="IANA zone of the slots (default: this computer's)")
    sl.set_defaults(func=cmd_slots)
    po = ssub.add_parser("policy", help="show or set a team's approval and missed-post policy")
    po.add_argument("--team", type=int, help="team id (default: posts without a team)")
    po.add_argument("--approval", choices=[str(a) for a in ApprovalPolicy])
    po.add_argument("--missed", choices=[str(m) for m in MissedPolicy])
    po.add_argument("--grace", type=int, metavar="MINUTES", help="late by more is missed")
    po.add_argument("--alt-text", choices=("required", "optional"), help="for every team")
    po.set_defaults(func=cmd_policy)
    for name, text in (
        ("cancel", "take a post off the schedule; it stays a draft"),
        ("retry", "send a failed post again to the accounts that failed"),
    ):
        one = ssub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        one.add_argument("post", type=int, metavar="POST_ID")
        one.add_argument("--member", type=int, help="act as this member id")
        one.set_defaults(func=cmd_post_action, action=name)
    rs = ssub.add_parser("reschedule", help="move a post to another time")
    rs.add_argument("post", type=int, metavar="POST_ID")
    rs.add_argument("--at", required=True, metavar="ISO8601", help="without an offset, in --zone")
    rs.add_argument("--zone", help="IANA zone (default: the post's own zone)")
    rs.add_argument("--member", type=int, help="act as this member id")
    rs.set_defaults(func=cmd_post_action, action="reschedule")
    ap = ssub.add_parser("approve", help="approve a post waiting for approval")
    ap.add_argument("post", type=int, metavar="POST_ID")
    ap.add_argument("--member", type=int, help="the approver's member id (default: current)")
    ap.set_defaults(func=cmd_post_action, action="approve")
    rj = ssub.add_parser("reject", help="send a post back to its author with a reason")
    rj.add_argument("post", type=int, metavar="POST_ID")
    rj.add_argument("--comment", required=True, help="why (the author sees it)")
    rj.add_argument("--member", type=int, help="the approver's member id (default: current)")
    rj.set_defaults(func=cmd_post_action, action="reject")
    mi = ssub.add_parser(
        "missed",
        help="answer a post whose time passed: publish now, reschedule, or skip",
        description="A post whose time passed while the app was closed waits for an answer: "
        "publish it now, reschedule it (--at), or skip it.",
    )
    mi.add_argument("post", type=int, metavar="POST_ID")
    mi.add_argument("answer", choices=("publish", "reschedule", "skip"))
    mi.add_argument("--at", metavar="ISO8601", help="for reschedule; without an offset, in --zone")
    mi.add_argument("--zone", help="IANA zone (default: the post's own zone)")
    mi.set_defaults(func=cmd_post_action, action="missed")
    run = ssub.add_parser("run", help="publish due posts headless (the engine without a window)")
    run.add_argument(
        "--until-idle",
        action="store_true",
        help="exit when nothing is due (retries due within 2 minutes are waited for)",
    )
    run.add_argument("--interval", type=float, default=15.0, help="seconds between rounds")
    run.set_defaults(func=cmd_run)

    t = sub.add_parser(
        "templates",
        help="saved replies: list, import, export",
        description="Saved replies ('/' in the reply box): list them, import a JSON file "
        "(all or nothing), export them to JSON.",
    )
    tsub = t.add_subparsers(
        dest="templates_command", metavar="ACTION", required=True, title="actions"
    )
    tl = tsub.add_parser("list", help="list saved replies (shortcut, name, team)")
    tl.add_argument("--json", action="store_true", help="print the JSON file format")
    tl.set_defaults(func=cmd_templates_list)
    ti = tsub.add_parser("import", help="import saved replies from a JSON file")
    ti.add_argument("file", type=Path)
    ti.set_defaults(func=cmd_templates_import)
    te = tsub.add_parser("export", help="export saved replies as JSON")
    te.add_argument("--output", "-o", type=Path, help="file (default: standard output)")
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


def _account_ids(engine: Engine, refs: list[str]) -> list[int]:
    """Accounts by id or handle (with or without @ and instance), as `accounts list` shows."""
    return [accounts.find_account(engine.store, ref).id for ref in refs]


def _zone(args: argparse.Namespace) -> str:
    """--zone, else this computer's zone; says which on stderr when it was not given."""
    if args.zone:
        find_zone(args.zone)  # an unknown name is refused before anything is read
        return str(args.zone)
    name = system_zone()
    print(f"Times are in {name} (this computer's zone; --zone to choose).", file=sys.stderr)
    return name


def _current(e: Engine, member: int | None) -> int | None:
    if member is not None:
        return member
    me = e.store.teams.current()
    return me.id if me is not None else None


def cmd_post_action(args: argparse.Namespace) -> int:
    """cancel / retry / reschedule / approve / reject / missed on one post."""
    zone = getattr(args, "zone", None)
    if zone:
        find_zone(zone)

    def when(e: Engine) -> Any:
        if not args.at:
            return None
        post_zone = zone or e.store.posts.get(args.post).zone
        return parse_local(args.at, post_zone)

    def run(e: Engine) -> Post:
        member = _current(e, getattr(args, "member", None))

        # The approval queue's and the calendar's own operations (engine/ops/publishing.py).
        def op(name: str, **kw: Any) -> Post:
            post: Post = ops.run(e, name, initiator="cli", post_id=args.post, **kw)
            return post

        if args.action == "cancel":
            return op("posts.cancel", member_id=member)
        if args.action == "retry":
            post = e.store.posts.get(args.post)
            if post.state is not PostState.FAILED:
                raise ConfigError(f"Post {args.post} has not failed (it is {post.state}).")
            ops.run(e, "posts.retry", initiator="cli", post_id=args.post)
            return e.store.posts.get(args.post)
        if args.action == "reschedule":
            at = when(e)
            return op("posts.reschedule", when=to_iso(at) if at else None, member_id=member)
        if args.action == "approve":
            return op("posts.approve", member_id=member)
        if args.action == "reject":
            return op("posts.reject", member_id=member, comment=args.comment)
        if args.answer == "reschedule" and not args.at:
            raise ConfigError("reschedule needs --at, the new time.")
        at = when(e)
        return op("posts.resolve_missed", action=args.answer, when=to_iso(at) if at else None)

    post = _call(args, run)
    print(f"post {post.id}: {post.state}{_at(post)}")
    if post.note:
        print(f"    {post.note}")
    return 0


def _at(post: Post) -> str:
    if post.scheduled_at is None:
        return ""
    local = utc_to_local(post.scheduled_at, post.zone)
    return f" at {local:%Y-%m-%d %H:%M} {post.zone}"


def cmd_post(args: argparse.Namespace) -> int:
    text = stdin.read().rstrip("\n")

    zone = _zone(args) if args.at or args.zone else system_zone()

    def run(e: Engine) -> Post:
        ids = tuple(_account_ids(e, args.account))
        when = parse_local(args.at, zone) if args.at else None
        post = Post(
            text, ids, scheduled_at=when, zone=zone, use_network_scheduler=args.network_scheduler,
            media=_media(args.media, args.alt),
        )  # fmt: skip
        # The composer's own operations, as the current member unless --member says.
        saved: Post = ops.run(
            e,
            "posts.add_to_queue" if args.queue else "posts.submit",
            initiator="cli",
            post=post_to_data(post),
            member_id=_current(e, args.member),
            key=uuid.uuid4().hex,
        )
        return saved

    post = _call(args, run)
    print(f"post {post.id}: {post.state}{_at(post) or ' now'}")
    return 0


def _media(files: list[str], alts: list[str]) -> tuple[PostMedia, ...]:
    """--media FILE … with the --alt TEXT given at the same place."""
    if len(alts) > len(files):
        raise ConfigError("More --alt than --media: each --alt describes the image at its place.")
    media = []
    for index, name in enumerate(files):
        path = Path(name).expanduser()
        if not path.is_file():
            raise ConfigError(f"--media {name}: no such file")
        media.append(PostMedia(str(path.resolve()), alts[index] if index < len(alts) else ""))
    return tuple(media)


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
    if profile.has_store():  # read only: works on a read-only profile too
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
    if not rows:
        print(f"No posts. Write one with: {hint(args, 'post --account HANDLE --text-stdin')}")
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
        raw = args.file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"Cannot read {args.file}: {exc.strerror}") from exc
    data, encoding = bulk.decode(raw, str(args.file))
    if encoding != "UTF-8":
        print(f"Read {args.file.name} as {encoding}.")

    zone = _zone(args)

    def run(e: Engine) -> tuple[list[bulk.Row], list[int]]:
        default = _account_ids(e, args.account)
        rows = bulk.preview(
            data,
            accounts=e.store.posts.send_targets([a.id for a in e.store.accounts()]),
            default_accounts=default,
            zone_name=zone,
            now=e.clock.now(),
            date_order=args.date_order,
            require_alt=e.store.posts.require_alt(),
            counter=registry.counter,
        )
        if args.dry_run or any(r.problems for r in rows):
            return rows, []
        ids: list[int] = ops.run(
            e,
            "posts.import",
            initiator="cli",
            posts=pub.import_data(rows, zone),
            member_id=_current(e, args.member),
            key=uuid.uuid4().hex,
        )
        return rows, ids

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
    zone = _zone(args) if args.spec else ""

    def run(e: Engine) -> str:
        (account_id,) = _account_ids(e, [args.account])
        if args.spec:  # the Posting slots dialog's operation
            ops.run(
                e,
                "posts.set_posting_schedule",
                initiator="cli",
                account_id=account_id,
                zone=zone,
                slots=args.spec,
            )
        schedule = e.store.posts.posting_schedule(account_id)
        return f"{schedule.format()} ({schedule.zone})" if schedule else "no slots"

    print(_call(args, run))
    return 0


def cmd_policy(args: argparse.Namespace) -> int:
    def run(e: Engine) -> str:
        policy = pub.team_policy(e.store, args.team)
        changed = TeamPolicy(
            approval=ApprovalPolicy(args.approval) if args.approval else policy.approval,
            missed=MissedPolicy(args.missed) if args.missed else policy.missed,
            grace_minutes=args.grace if args.grace is not None else policy.grace_minutes,
        )
        if changed != policy:
            ops.run(
                e,
                "posts.set_team_policy",
                initiator="cli",
                team_id=args.team,
                approval=str(changed.approval),
                missed=str(changed.missed),
                grace_minutes=changed.grace_minutes,
            )
        if args.alt_text:
            required = args.alt_text == "required"
            ops.run(
                e,
                "settings.set",
                initiator="cli",
                name="publishing.require_alt_text",
                value=required,
            )
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
    count, first = reading.due_posts_in_outbox(e.store, horizon, connected)
    waiting = e.store.posts.due(e.clock.now())
    return count + len(waiting), first


def _stuck(e: Engine, args: argparse.Namespace) -> list[str]:
    """Why due posts did not go out: failed, missed (waiting for an answer), or waiting
    for an account this run could not connect. Empty when nothing due is left behind."""
    reasons = []
    for post in e.store.posts.find((PostState.FAILED, PostState.MISSED, PostState.SENDING)):
        if post.state is PostState.FAILED:
            why = post.error or "the network refused it"
            reasons.append(
                f"post {post.id} failed: {why} (retry: {hint(args, f'schedule retry {post.id}')})"
            )
        elif post.state is PostState.MISSED:
            answer = hint(args, f"schedule missed {post.id} publish|reschedule|skip")
            reasons.append(f"post {post.id} missed its time and waits for an answer: {answer}")
        else:
            waiting = [
                t.handle
                for t in e.store.posts.targets(post.id)
                if t.status in ("queued", "pending") and t.account_id not in e.adapters
            ]
            if waiting:
                names = ", ".join(f"@{h}" for h in waiting)
                reasons.append(
                    f"post {post.id} waits for {names}, which needs signing in again "
                    f"({hint(args, 'accounts list')})"
                )
    return reasons


def cmd_run(args: argparse.Namespace) -> int:
    with _engine(args) as engine:
        engine.call(lambda e: accounts.connect_all(e, http=client()))
        engine.call(pub.refresh_limits)
        if not args.until_idle:
            engine.submit(lambda e: pub.run(e, args.interval)).result()
            return 0
        while True:
            sent = engine.call(pub.tick)
            left, next_due = engine.call(_pending)
            if not left:
                stuck = engine.call(lambda e: _stuck(e, args))
                for reason in stuck:
                    print(f"social-inbox: {reason}", file=sys.stderr)
                return 1 if stuck else 0
            if next_due and from_iso(next_due) > engine.clock.now():
                wait = (from_iso(next_due) - engine.clock.now()) / timedelta(seconds=1)
                time.sleep(min(max(wait, 0.05), args.interval))
            elif not sent:  # what is left is being sent by another laptop: wait for it
                time.sleep(args.interval)


def cmd_templates_list(args: argparse.Namespace) -> int:
    items = _call(args, lambda e: e.store.templates.all())
    if args.json:
        print(core_templates.dumps(items))
        return 0
    if not items:
        print(f"No saved replies. Import some with: {hint(args, 'templates import FILE.json')}")
    for t in items:
        scope = f"team {t.team_id}" if t.team_id is not None else "shared"
        print(f"{t.id:>4}  /{t.shortcut or '-':<12} {t.name:<30} {scope}")
    return 0


def cmd_templates_import(args: argparse.Namespace) -> int:
    try:
        items = core_templates.loads(args.file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"Cannot read {args.file}: {exc}") from exc
    from inbox.engine.ops.templates import template_args

    data = [template_args(t) for t in items]
    n = _call(args, lambda e: ops.run(e, "templates.import", initiator="cli", templates=data))
    print(f"Imported {n} templates.")
    return 0


def cmd_templates_export(args: argparse.Namespace) -> int:
    text = _call(args, lambda e: core_templates.dumps(e.store.templates.all()))
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0
