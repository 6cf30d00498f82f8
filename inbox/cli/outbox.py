"""`social-inbox outbox list|retry|cancel`: every outbound row (replies, posts, pushes)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from inbox.cli import session
from inbox.cli.main import hint
from inbox.engine import Engine, ops
from inbox.profile import Profile
from inbox.store import Store
from inbox.store.outbox import OutboxItem


def register(sub: Any) -> None:
    parser = sub.add_parser("outbox", help="list, retry or cancel what is waiting to be sent")
    verbs = parser.add_subparsers(dest="outbox_command", metavar="VERB", required=True)
    ls = verbs.add_parser("list", help="rows not delivered yet (queued, sending, failed)")
    ls.add_argument("--all", action="store_true", help="also delivered and cancelled rows")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_list)
    retry = verbs.add_parser("retry", help="send a failed or waiting row at the next run")
    retry.add_argument("ids", type=int, nargs="+", metavar="ID")
    retry.set_defaults(func=_retry)
    cancel = verbs.add_parser("cancel", help="never send these rows")
    cancel.add_argument("ids", type=int, nargs="+", metavar="ID")
    cancel.set_defaults(func=_cancel)


def _row(item: OutboxItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": item.kind,
        "account_id": item.account_id,
        "target": item.target,
        "conversation_id": item.conversation_id,
        "status": item.status,
        "attempts": item.attempts,
        "due_at": item.due_at,
        "error": item.last_error,
    }


def _list(args: argparse.Namespace) -> int:
    profile = Profile.resolve(args.profile, args.demo)
    rows = []
    if profile.has_store():  # read only: a list never creates the profile
        store = Store(profile.db_path, readonly=True)
        try:
            rows = [_row(i) for i in store.outbox.all(include_finished=args.all)]
        finally:
            store.close()
    if args.json:
        print(json.dumps(rows))
        return 0
    if not rows:
        print("Nothing waiting to be sent.")
    for r in rows:
        where = r["target"] or (f"account {r['account_id']}" if r["account_id"] else "")
        error = f"  {r['error']}" if r["error"] else ""
        print(
            f"#{r['id']}\t{r['kind']}\t{where}\t{r['status']} "
            f"(attempt {r['attempts']}, due {r['due_at']}){error}"
        )
    return 0


def _retry(args: argparse.Namespace) -> int:
    def run(e: Engine) -> None:
        for item_id in args.ids:
            ops.run(e, "outbox.send_now", initiator="cli", item_id=item_id)

    session.call(args, run)
    print(f"Queued {len(args.ids)} row(s) again; {hint(args, 'sync --once')} sends them.")
    return 0


def _cancel(args: argparse.Namespace) -> int:
    def run(e: Engine) -> None:
        for item_id in args.ids:
            ops.run(e, "outbox.cancel", initiator="cli", item_id=item_id)

    session.call(args, run)
    print(f"Cancelled {len(args.ids)} row(s).")
    return 0
