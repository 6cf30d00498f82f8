"""Monitoring searches: what each search column looks for, its fetch state, and its hits."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inbox.core.errors import ConfigError, NotFound
from inbox.core.models import Kind
from inbox.core.monitoring import FetchState, SearchSpec, spec_from_json

if TYPE_CHECKING:
    from inbox.store.store import Store

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Search:
    id: int
    spec: SearchSpec
    fetch: FetchState


def _search(row: sqlite3.Row) -> Search:
    try:
        spec = spec_from_json(row["spec_json"])
    except ConfigError:
        spec = SearchSpec(())  # damaged: fetches nothing, the column still opens
    return Search(row["id"], spec, FetchState(row["state"], row["detail"], row["fetched_at"]))


class SearchRepo:
    """searches + search_hits (migration 0016)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, spec: SearchSpec) -> Search:
        with self._store.transaction() as conn:
            row = conn.execute(
                "INSERT INTO searches (spec_json, created_at) VALUES (?, ?) RETURNING *",
                (spec.to_json(), self._store.now()),
            ).fetchone()
        return _search(row)

    def get(self, search_id: int) -> Search:
        rows = self._store.query("SELECT * FROM searches WHERE id = ?", (search_id,))
        if not rows:
            raise NotFound(f"Search {search_id} no longer exists.")
        return _search(rows[0])

    def update(self, search_id: int, spec: SearchSpec) -> None:
        self.get(search_id)
        with self._store.transaction() as conn:
            conn.execute(
                "UPDATE searches SET spec_json = ?, state = 'new', detail = '' WHERE id = ?",
                (spec.to_json(), search_id),
            )

    def active(self) -> list[Search]:
        """Searches some column shows (the ones worth fetching), oldest first."""
        ids = sorted({c.filter.search_id for c in self._store.columns.all() if c.filter.search_id})
        if not ids:
            return []
        rows = self._store.query(
            "SELECT * FROM searches WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
            (json.dumps(ids),),
        )
        return [_search(r) for r in rows]

    def set_state(
        self, search_id: int, state: str, detail: str = "", fetched: bool = False
    ) -> FetchState:
        with self._store.transaction() as conn:
            conn.execute(
                "UPDATE searches SET state = ?, detail = ?,"
                " fetched_at = CASE WHEN ? = 1 THEN ? ELSE fetched_at END WHERE id = ?",
                (state, detail, fetched, self._store.now(), search_id),
            )
        return self.get(search_id).fetch

    def known(self, account_ids: Iterable[int], remote_ids: list[str]) -> dict[str, int]:
        """remote id -> conversation id, for the ids already stored under any of account_ids."""
        found: dict[str, int] = {}
        for account_id in account_ids:
            for start in range(0, len(remote_ids), _CHUNK):
                chunk = remote_ids[start : start + _CHUNK]
                for r in self._store.query(
                    "SELECT remote_id, conversation_id FROM messages WHERE account_id = ?"
                    f" AND remote_id IN ({','.join('?' * len(chunk))})",
                    [account_id, *chunk],
                ):
                    found.setdefault(r["remote_id"], int(r["conversation_id"]))
        return found

    def record_hits(self, search_id: int, conversation_ids: Iterable[int]) -> set[int]:
        """Mark conversations as found by search_id; returns those new to it."""
        ids = sorted(set(conversation_ids))
        if not ids:
            return set()
        with self._store.transaction() as conn:
            before = {
                int(r[0])
                for r in conn.execute(
                    "SELECT conversation_id FROM search_hits WHERE search_id = ?"
                    " AND conversation_id IN (SELECT value FROM json_each(?))",
                    (search_id, json.dumps(ids)),
                )
            }
            conn.executemany(
                "INSERT OR IGNORE INTO search_hits (search_id, conversation_id) VALUES (?, ?)",
                [(search_id, i) for i in ids],
            )
        return set(ids) - before

    def hits(self, search_id: int) -> int:
        return int(
            self._store.query("SELECT count(*) FROM search_hits WHERE search_id = ?", (search_id,))[
                0
            ][0]
        )

    def monitoring_count(self) -> int:
        """Conversations nobody asked us about (found by a search only)."""
        return int(
            self._store.query(
                "SELECT count(*) FROM conversations WHERE kind = ?", (Kind.MONITORING.value,)
            )[0][0]
        )
