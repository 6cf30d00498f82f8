"""Live between laptops (engine/live.py): what one engine changes, the other publishes.

Two real engines on one database (a SQLite file; a team profile's PostgreSQL, where the
NOTIFY wakes the watcher); the second runs the watcher and collects what it publishes.
On PostgreSQL (the session's throwaway cluster) the listener thread alone is woken by a
NOTIFY on the channel a change record sends.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import psycopg
import pytest

from inbox.core.clock import SystemClock
from inbox.core.events import Changed, Event
from inbox.core.models import AccountInfo, Contact, Kind, Message
from inbox.engine import Engine, live, triage
from inbox.store import changes
from inbox.store import team as team_profile
from inbox.store.changes import CHANNEL


def _message(n: int) -> Message:
    who = Contact("mastodon", "9", "carol", "Carol")
    return Message(str(n), f"c{n}", Kind.MENTION, who, "hello?", SystemClock().now())


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """One database for both laptops: a SQLite file, or a team profile's PostgreSQL."""
    path = tmp_path / "inbox.db"
    if request.param == "postgresql":
        team_profile.save(path, request.getfixturevalue("pg_dsn"), None)
    return path


def test_a_change_on_one_engine_is_published_on_the_other(db: Path) -> None:
    alex, sam = Engine(db, clock=SystemClock()), Engine(db, clock=SystemClock())
    alex.start()
    sam.start()
    seen: list[Changed] = []
    arrived = threading.Event()

    def collect(event: Event) -> None:
        if isinstance(event, Changed) and event.initiator == live.REMOTE:
            seen.append(event)
            arrived.set()

    try:

        def setup(e: Engine) -> int:
            account = e.store.add_account(AccountInfo("mastodon", "m.test", "1", "shop"))
            changed = e.store.ingest.messages(account.id, [_message(1), _message(2)], e.decide)
            return min(changed.conversations)

        conversation = alex.call(setup)
        sam.subscribe(collect)
        sam.call(lambda e: bool(live.start(e)))
        time.sleep(live.POLL * 2)  # the watcher starts after what is already logged
        assert seen == []
        alex.call(lambda e: triage.resolve(e, [conversation]))
        assert arrived.wait(10), "the resolve never reached the other engine"
        assert seen[0].conversations == frozenset({conversation})
        # Its own changes are not echoed back to it.
        arrived.clear()
        sam.call(lambda e: triage.resolve(e, [conversation + 1]))
        time.sleep(live.POLL * 3)
        assert all(conversation + 1 not in c.conversations for c in seen)
    finally:
        alex.stop()
        sam.stop()


def test_a_notify_on_the_channel_wakes_the_postgresql_listener(pg_dsn: str) -> None:
    loop = asyncio.new_event_loop()
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    wake = asyncio.Event()
    stop = threading.Event()

    def connect() -> psycopg.Connection:
        return psycopg.connect(pg_dsn, autocommit=True)

    def woken() -> None:
        loop.call_soon_threadsafe(wake.set)

    listener = threading.Thread(target=changes.listen, args=(connect, woken, stop), daemon=True)
    try:
        first = asyncio.run_coroutine_threadsafe(_woken(wake), loop)
        listener.start()
        first.result(30)  # it wakes the watcher once when it has connected (catch-up)
        second = asyncio.run_coroutine_threadsafe(_woken(wake), loop)
        time.sleep(0.3)
        assert not second.done()
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, "42"))
        second.result(10)  # the NOTIFY woke it
    finally:
        stop.set()
        listener.join(5)
        loop.call_soon_threadsafe(loop.stop)


async def _woken(wake: asyncio.Event) -> None:
    wake.clear()
    await wake.wait()
