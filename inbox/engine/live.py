"""Live: a change made on one laptop reaches the other laptops' open decks.

Every Changed this engine publishes (an operation, a sync page, a sent reply) is
recorded in the shared change log (``store/changes.py``) under this engine's holder.
The watcher task (``watch``, started by ``loops.start``) reads the other engines' rows
and publishes them here as ``Changed(initiator="remote")``: the window's bridge and
column models take them like any other change and re-read just those conversations.

How fast: on SQLite the watcher looks every ``POLL`` seconds (a primary-key range
read). On PostgreSQL a listener thread (``store.changes.listen``) holds its own
connection with ``LISTEN inbox_changes``; each record's ``NOTIFY`` (sent at its commit) wakes the
watcher at once, and the poll is only the fallback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from inbox.core.errors import InboxError
from inbox.core.events import Changed, Event
from inbox.store import changes, leases

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine

log = logging.getLogger(__name__)

POLL = 0.5  # seconds between looks at the change log (SQLite; PostgreSQL's fallback)
PG_POLL = 5.0
KEEP = timedelta(minutes=10)  # change log rows older than this are pruned
LIVE_TASK = "live"
REMOTE = "remote"
KINDS = ("columns", "accounts", "outbox", "posts", "rules", "teams", "templates", "settings")


def recorder(engine: Engine) -> Callable[[Event], None]:
    """The engine listener that logs this engine's changes for the other laptops."""

    def record(event: Event) -> None:
        if not isinstance(event, Changed) or event.initiator == REMOTE or not event:
            return
        kinds = [k for k in KINDS if getattr(event, k)]
        try:
            engine.store.changes.record(engine.holder, sorted(event.conversations), kinds)
        except (InboxError, RuntimeError) as exc:  # a busy database: the change stays local
            log.warning("could not share a change with the other laptops: %s", exc)

    return record


def to_changed(body: dict[str, Any]) -> Changed:
    kinds = {k: True for k in body.get("k", ()) if k in KINDS}
    if body.get("all"):
        kinds["columns"] = True  # too many ids: the deck reloads its columns
    return Changed(
        conversations=frozenset(int(c) for c in body.get("c", ())), initiator=REMOTE, **kinds
    )


async def watch(engine: Engine, poll: float | None = None) -> None:
    """Publish the other engines' changes here until cancelled."""
    store = engine.store
    last = store.changes.latest()
    wake = asyncio.Event()
    stop = threading.Event()
    pg = leases.is_postgres(store)
    if pg:
        _start_listener(engine, wake, stop)
    pruned = engine.clock.now()
    try:
        while True:
            try:
                last, bodies = store.changes.since(last, engine.holder)
                if bodies:
                    merged = Changed(initiator=REMOTE)
                    for body in bodies:
                        merged |= to_changed(body)
                    engine.publish(merged)
                if engine.clock.now() - pruned > KEEP:
                    pruned = engine.clock.now()
                    store.changes.prune(pruned - KEEP)
            except InboxError as exc:  # busy: look again
                log.warning("reading the other laptops' changes failed: %s", exc)
            wait = poll if poll is not None else (PG_POLL if pg else POLL)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), wait)
            wake.clear()
    finally:
        stop.set()


def _start_listener(engine: Engine, wake: asyncio.Event, stop: threading.Event) -> None:
    """PostgreSQL: a thread LISTENs on its own connection and wakes the watcher."""
    connect = changes.listener_connect(engine.store)
    if connect is None:
        return
    loop = asyncio.get_running_loop()

    def woken() -> None:
        if not loop.is_closed():
            loop.call_soon_threadsafe(wake.set)

    thread = threading.Thread(
        target=changes.listen, args=(connect, woken, stop), name="inbox-listen", daemon=True
    )
    thread.start()


def start(engine: Engine) -> asyncio.Task[None] | None:
    """Start the watcher (call on the engine thread; once)."""
    if any(t.get_name() == LIVE_TASK and not t.done() for t in asyncio.all_tasks()):
        return None
    return engine.spawn(watch(engine), name=LIVE_TASK)
