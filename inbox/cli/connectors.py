"""Verbs for service desks and knowledge bases: connectors add/list/test/remove, push, article."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from typing import Any

from inbox.cli import session, stdin
from inbox.cli.main import hint
from inbox.connectors import base
from inbox.core.article import draft_article
from inbox.core.errors import ConfigError
from inbox.engine import Engine
from inbox.engine import connectors as ops
from inbox.engine import ops as engine_ops
from inbox.profile import Profile
from inbox.store import Store
from inbox.store.outbox import OutboxItem


def register(sub: Any) -> None:
    con = sub.add_parser("connectors", help="service desks and knowledge bases")
    verbs = con.add_subparsers(dest="connectors_command", metavar="VERB", required=True)

    add = verbs.add_parser("add", help="add or update a connector")
    add.add_argument("kind", help="one of: " + ", ".join(sorted(base.load_all())))
    add.add_argument("--name", required=True)
    add.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="values")
    add.add_argument(
        "--secret-stdin",
        action="store_true",
        help="read secret fields from stdin, one KEY=VALUE a line (a bare value is the "
        "kind's first secret field)",
    )
    add.set_defaults(func=_add)

    lst = verbs.add_parser("list", help="list connectors (never their secrets)")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=_list)

    test = verbs.add_parser("test", help="test a connector's URL, credentials and permissions")
    test.add_argument("name")
    test.set_defaults(func=_test)

    rm = verbs.add_parser("remove", help="remove a connector and its secrets")
    rm.add_argument("name")
    what = rm.add_mutually_exclusive_group()
    what.add_argument(
        "--cancel-pending", action="store_true", help="cancel its pushes not delivered yet"
    )
    what.add_argument(
        "--move-pending-to", metavar="OTHER", help="queue its pending pushes on OTHER instead"
    )
    rm.set_defaults(func=_remove)

    pend = verbs.add_parser("pending", help="pushes, follow-ups and articles not delivered yet")
    pend.add_argument("--json", action="store_true")
    pend.set_defaults(func=_pending)

    kinds = verbs.add_parser("kinds", help="the connector kinds and their settings")
    kinds.set_defaults(func=_kinds)

    push = sub.add_parser(
        "push",
        help="push conversations to a service desk as tickets (many at once are paced to "
        "the desk's rate limit)",
    )
    push.add_argument("conversation_ids", type=int, nargs="+", metavar="CONVERSATION_ID")
    push.add_argument("--connector", required=True)
    push.set_defaults(func=_push)

    art = sub.add_parser("article", help="publish a resolved conversation as a KB article")
    art.add_argument("conversation_id", type=int)
    art.add_argument("--connector", required=True)
    art.add_argument("--title", default="")
    art.add_argument("--target", default="", help="space, section or namespace")
    art.add_argument("--label", action="append", default=[], dest="labels")
    art.add_argument(
        "--keep-personal", action="store_true", help="do not remove handles, names and links"
    )
    art.add_argument("--dry-run", action="store_true", help="show the draft and what was removed")
    art.add_argument(
        "--any-status", action="store_true", help="allow a conversation that is not resolved yet"
    )
    art.set_defaults(func=_article)


@contextlib.contextmanager
def _reader(args: argparse.Namespace) -> Iterator[Store | None]:
    """A read-only Store on the profile (None when it has no inbox yet): reads never write."""
    path = Profile.resolve(args.profile, args.demo).db_path
    if not path.exists():
        yield None
        return
    with contextlib.closing(Store(path, readonly=True)) as store:
        yield store


def _parse_values(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ConfigError(f"--set wants KEY=VALUE, not {pair!r}.")
        values[key.strip()] = value
    return values


def _add(args: argparse.Namespace) -> int:
    cls = base.kind_class(args.kind)
    secret_fields = [f.name for f in cls.schema if f.secret]
    values = _parse_values(args.values)
    leaked = sorted(set(values) & set(secret_fields))
    if leaked:
        raise ConfigError(
            f"Pass {', '.join(leaked)} with --secret-stdin, not on the command line "
            "(shell history and process lists would keep it)."
        )
    if args.secret_stdin:
        lines = [line for line in stdin.lines() if line.strip()]
        if secret_fields and len(lines) == 1 and "=" not in lines[0]:
            # A bare value is the kind's first secret field (RT: token, SMTP: password).
            values[secret_fields[0]] = lines[0]
        else:
            for key, value in _parse_values(lines).items():
                if key not in secret_fields:
                    raise ConfigError(f"{key} is not a secret field of {cls.title}.")
                values[key] = value
    session.call(
        args,
        lambda e: engine_ops.run(
            e, "connectors.save", initiator="cli", name=args.name, kind=args.kind, values=values
        ),
    )
    for warning in base.warnings(args.kind, base.validate(args.kind, values)[0]):
        print(f"warning: {warning}", file=sys.stderr)
    print(f"Saved connector {args.name!r} ({cls.title}).")
    print(f"Try it: social-inbox connectors test {args.name}")
    return 0


def _list(args: argparse.Namespace) -> int:
    with _reader(args) as store:
        rows = store.connectors.all() if store is not None else []
    if args.json:
        print(
            json.dumps(
                [{"name": r.name, "kind": r.kind, "config": _masked(r.config)} for r in rows]
            )
        )
        return 0
    if not rows:
        print(f"No connectors. Add one with: {hint(args, 'connectors add KIND --name NAME')}")
    for r in rows:
        settings = ", ".join(f"{k}={v}" for k, v in sorted(_masked(r.config).items()))
        print(f"{r.name}\t{r.kind}\t{settings}")
    return 0


def _masked(config: dict[str, Any]) -> dict[str, Any]:
    """A URL saved with user:password@ (before such URLs were refused) is never printed."""
    out = {}
    for key, value in config.items():
        if isinstance(value, str) and "://" in value:
            scheme, _, rest = value.partition("://")
            host, slash, path = rest.partition("/")
            if "@" in host:
                value = f"{scheme}://***@{host.rsplit('@', 1)[1]}{slash}{path}"
        out[key] = value
    return out


def _pending(args: argparse.Namespace) -> int:
    with _reader(args) as store:
        items = ops.pending(store) if store is not None else []
    rows = [
        {
            "id": i.id,
            "kind": i.kind,
            "connector": i.target,
            "conversation_id": i.conversation_id,
            "status": i.status,
            "attempts": i.attempts,
            "due_at": i.due_at,
            "error": i.last_error,
        }
        for i in items
    ]
    if args.json:
        print(json.dumps(rows))
        return 0
    for r in rows:
        error = f"\t{r['error']}" if r["error"] else ""
        print(
            f"#{r['id']}\t{r['kind']}\t{r['connector']}\tconversation {r['conversation_id']}"
            f"\t{r['status']} (attempt {r['attempts']}, due {r['due_at']}){error}"
        )
    return 0


def _kinds(args: argparse.Namespace) -> int:
    for kind, cls in sorted(base.load_all().items()):
        what = " + ".join(
            w for w, on in (("tickets", cls.tickets), ("articles", cls.articles)) if on
        )
        print(f"{kind}: {cls.title} ({what})")
        for f in cls.schema:
            flags = "required" if f.required else "optional"
            flags += ", secret" if f.secret else ""
            print(f"  {f.name} ({f.type}, {flags}): {f.help}")
    return 0


def _test(args: argparse.Namespace) -> int:
    # On the engine: opening a connector may move an old shared secret into this
    # profile's keyring entry, a write like any other.
    print(session.call(args, lambda e: ops.test_connector(e.store, args.name)))
    return 0


def _remove(args: argparse.Namespace) -> int:
    pending = "cancel" if args.cancel_pending else "move" if args.move_pending_to else None

    def remove(e: Engine) -> tuple[int, list[OutboxItem]]:
        cancelled = len(e.store.outbox.pending_for_target(args.name))
        moved = engine_ops.run(
            e, "connectors.remove", initiator="cli", name=args.name, pending=pending,
            move_to=args.move_pending_to,
        )  # fmt: skip
        return cancelled, moved

    cancelled, moved = session.call(args, remove)
    print(f"Removed connector {args.name!r}.")
    if moved:
        print(f"Moved {len({m.id for m in moved})} pending item(s) to {args.move_pending_to!r}.")
    elif cancelled:
        print(f"Cancelled {cancelled} pending item(s).")
    return 0


def _deliver(args: argparse.Namespace, queue: Any) -> OutboxItem:
    """Queue through the engine, deliver connector work once, report the row's state."""
    return _deliver_all(args, lambda e: [queue(e)])[0]


def _deliver_all(args: argparse.Namespace, queue: Any) -> list[OutboxItem]:
    """Queue rows through the engine, deliver until nothing due is left (paced by each
    desk's limit, so a bulk push takes the time the desk allows), report their states."""
    with session.engine(args) as engine:
        items: list[OutboxItem] = engine.call(queue)
        while engine.submit(ops.deliver_now).result():
            pass
        ids = [i.id for i in items]
        final = engine.call(lambda e: [e.store.outbox.get(i) for i in ids])
    return [f or i for f, i in zip(final, items, strict=True)]


def _report(item: OutboxItem, what: str) -> int:
    if item.status == "done":
        print(f"{what} {item.remote_id}: {item.remote_url}".rstrip(": "))
        return 0
    if item.status == "failed":
        print(f"{what} failed: {item.last_error}", file=sys.stderr)
        return 1
    note = f" Last error: {item.last_error}" if item.last_error else ""
    print(f"{what} queued (outbox #{item.id}), next attempt at {item.due_at}.{note}")
    return 3


def _push(args: argparse.Namespace) -> int:
    ids = list(dict.fromkeys(args.conversation_ids))
    items = _deliver_all(
        args,
        lambda e: [
            engine_ops.run(
                e, "connectors.push", initiator="cli", conversation_id=c, connector=args.connector
            )
            for c in ids
        ],
    )
    if len(items) == 1:
        return _report(items[0], "Ticket")
    codes = [_report(i, f"Conversation {i.conversation_id}: ticket") for i in items]
    return 1 if 1 in codes else max(codes)


def _article(args: argparse.Namespace) -> int:
    cid = args.conversation_id
    # On the engine: a transcript carries the profile's marker, made on first use.
    transcript, summary = session.call(
        args, lambda e: (e.store.connectors.transcript(cid), e.store.conversations.get(cid))
    )
    if summary is not None and summary.status != "resolved" and not args.any_status:
        raise ConfigError(
            f"Conversation {args.conversation_id} is {summary.status.value}: articles are written "
            "from solved cases. Resolve it first, or pass --any-status."
        )
    draft = draft_article(
        transcript,
        title=args.title,
        redact_personal=not args.keep_personal,
        labels=tuple(args.labels),
        target=args.target,
    )
    if args.dry_run:
        print(f"Title: {draft.title}\n\nQuestion:\n{draft.question}\n\nAnswer:\n{draft.answer}")
        if draft.removed:
            print("\nRemoved: " + ", ".join(draft.removed))
        return 0
    item = _deliver(
        args,
        lambda e: engine_ops.run(
            e, "connectors.article", initiator="cli", article=ops.article_args(draft),
            connector=args.connector,
        ),
    )  # fmt: skip
    return _report(item, "Article")
