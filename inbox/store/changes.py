"""The change log: what each engine changed, read by the other laptops' engines.

One row per published change (``engine/live.py`` records it): the holder that made it,
the conversation ids and the other kinds of change (outbox, posts, columns, …) as JSON.
Every engine reads the rows after the last one it saw that are not its own and
publishes them as its own ``Changed`` events, so an open deck re-reads just those
conversations. On PostgreSQL the same record also sends ``NOTIFY inbox_changes`` with
the row's id, so the others' listeners wake at once instead of at their next look.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from inbox.core.clock import to_iso
from inbox.store import leases

if TYPE_CHECKING:
    from inbox.store.store import Store

log = logging.getLogger(__name__)

CHANNEL = "inbox_changes"
MAX_IDS = 2000  # a bigger change (a first sync) is sent as "everything changed"
KEEP = timedelta(minutes=10)  # rows older than this are pruned (every PRUNE_EVERY records)
PRUNE_EVERY = 200


class ChangeRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def record(self, holder: str, conversations: list[int], kinds: list[str]) -> int:
        """Log one change; returns its id."""
        body: dict[str, Any] = {"k": kinds}
        if len(conversations) > MAX_IDS:
            body["all"] = True
        else:
            body["c"] = conversations
        with self._store.transaction() as conn:
            row = conn.execute(
                """INSERT INTO change_log (holder, conversations, at) VALUES (?, ?, ?)
                   RETURNING id""",
                (holder, json.dumps(body), self._store.now()),
            ).fetchone()
            if leases.is_postgres(self._store):  # delivered when this transaction commits
                conn.execute("SELECT pg_notify(?, ?)", (CHANNEL, str(row[0])))
            if int(row[0]) % PRUNE_EVERY == 0:  # nobody may watch (CLI only): keep it short
                conn.execute(
                    "DELETE FROM change_log WHERE at < ?",
                    (to_iso(self._store.clock.now() - KEEP),),
                )
        return int(row[0])

    def latest(self) -> int:
        return int(self._store.query("SELECT coalesce(max(id), 0) FROM change_log")[0][0])

    def since(self, last: int, holder: str) -> tuple[int, list[dict[str, Any]]]:
        """(the newest id, the others' changes after last, oldest first)."""
        rows = self._store.query(
            """SELECT id, holder, conversations FROM change_log WHERE id > ?
               ORDER BY id LIMIT 500""",
            (last,),
        )
        if not rows:
            return last, []
        found = [json.loads(r[2]) for r in rows if r[1] != holder]
        return int(rows[-1][0]), found

    def prune(self, before: datetime) -> None:
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM change_log WHERE at < ?", (to_iso(before),))


Connect = Callable[[], Any]  # -> an autocommit psycopg.Connection


def listener_connect(store: Store) -> Connect | None:
    """How to open a second connection to store's PostgreSQL database for LISTEN (the
    same server, database, user and password as the store's own); None on SQLite."""
    raw = getattr(store.conn, "raw", None)
    if raw is None or not leases.is_postgres(store):
        return None
    info = raw.info
    params = info.get_parameters()  # host, port, dbname, user (no password)
    password = info.password

    def connect() -> Any:
        import psycopg

        return psycopg.connect(autocommit=True, password=password, **params)

    return connect


def listen(connect: Connect, on_notify: Callable[[], None], stop: threading.Event) -> None:
    """Block until stop: LISTEN on the channel and call on_notify for every NOTIFY (and once
    on each (re)connect, to catch up). A lost connection is opened again after 2 s."""
    while not stop.is_set():
        try:
            with connect() as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                on_notify()
                while not stop.is_set():
                    for _note in conn.notifies(timeout=1.0, stop_after=1):
                        on_notify()
        except Exception as exc:  # the server went away: try again in a moment
            if stop.is_set():
                return
            log.info("live listener lost its connection: %s", exc)
            stop.wait(2.0)
