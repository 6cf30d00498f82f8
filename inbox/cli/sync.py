"""`social-inbox sync [--once]`: the engine without a window; fetch accounts, send the outbox."""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any

from inbox.cli.http import client
from inbox.core.events import AccountStatus, ErrorEvent, Event, SearchStatus
from inbox.engine import Engine, accounts, loops
from inbox.profile import Profile


def register(sub: Any) -> None:
    parser = sub.add_parser("sync", help="run the engine headless: fetch accounts, send the outbox")
    parser.add_argument("--once", action="store_true", help="sync and deliver once, then exit")
    parser.add_argument(
        "--deadline",
        type=_seconds,
        default=300.0,
        metavar="SECONDS",
        help="with --once: stop after this long, keeping what arrived (default 300)",
    )
    parser.set_defaults(func=cmd_sync)


MAX_DEADLINE = 7 * 24 * 3600.0  # a week: past that a timer overflows the platform's time_t


def _seconds(text: str) -> float:
    """--deadline: a number of seconds from 1 to a week (inf and nan are floats too)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a number of seconds, not {text!r}") from None
    if not 1.0 <= value <= MAX_DEADLINE:  # False for nan as well
        raise argparse.ArgumentTypeError(f"{text} is not between 1 and {MAX_DEADLINE:g} seconds")
    return value


def _report(event: Event) -> None:
    if isinstance(event, ErrorEvent):
        print(f"error: {event.message}", file=sys.stderr)
    elif isinstance(event, AccountStatus) and event.status not in ("syncing", "ok"):
        detail = f": {event.detail}" if event.detail else ""
        print(f"account {event.account_id}: {event.status}{detail}", file=sys.stderr)
    elif isinstance(event, AccountStatus) and event.status == "ok" and event.detail:
        print(f"account {event.account_id}: {event.detail}")  # e.g. a feed the plan lacks
    elif isinstance(event, SearchStatus) and event.state == "error":
        print(f"search {event.search_id}: failed: {event.detail}", file=sys.stderr)
    elif isinstance(event, SearchStatus) and event.state == "ok" and event.detail:
        print(f"search {event.search_id}: {event.detail}")  # e.g. X without search


def cmd_sync(args: argparse.Namespace) -> int:
    engine = Engine(Profile.resolve(args.profile).db_path)
    engine.start()
    engine.subscribe(_report)
    try:
        engine.call(lambda e: accounts.connect_all(e, http=client()))
        if args.once:
            deadline = max(1.0, args.deadline)
            failed, delivered = engine.call(
                lambda e: loops.run_once(e, deadline), timeout=deadline + 60
            )
            synced = engine.call(lambda e: len(e.adapters))
            print(f"Synced {synced - failed} of {synced} accounts; sent {delivered} item(s).")
            return 1 if failed else 0
        engine.call(lambda e: loops.start(e))
        print("Syncing; press Ctrl+C to stop.", file=sys.stderr)
        threading.Event().wait()
        return 0
    finally:
        engine.stop()
