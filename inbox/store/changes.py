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
from datetime import datetime
from typing import TYPE_CHECKING, Any

from inbox.core.clock import to_iso
from inbox.store import leases

if TYPE_CHECKING:
    from inbox.store.store import Store

CHANNEL = "inbox_changes"
MAX_IDS = 2000  # a bigger change (a first sync) is sent as "everything changed"


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
