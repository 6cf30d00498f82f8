"""Columns: saved filters in deck order, persisted per team."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from inbox.core.errors import ConfigError
from inbox.core.models import Column, ColumnFilter, Kind, Status

if TYPE_CHECKING:
    from inbox.store.store import Store


def filter_to_json(flt: ColumnFilter) -> str:
    return json.dumps(asdict(flt))


def filter_from_json(text: str) -> ColumnFilter:
    """Parse a stored filter; unknown keys are ignored, bad values raise ConfigError."""
    try:
        data: dict[str, Any] = json.loads(text or "{}")
        known = {k: v for k, v in data.items() if k in ColumnFilter.__dataclass_fields__}
        for key in ("accounts", "kinds", "statuses"):
            if key in known:
                known[key] = tuple(known[key])
        if "kinds" in known:
            known["kinds"] = tuple(Kind(k) for k in known["kinds"])
        if "statuses" in known:
            known["statuses"] = tuple(Status(s) for s in known["statuses"])
        return ColumnFilter(**known)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"A saved column filter is not valid: {exc}") from exc


def _column(row: sqlite3.Row) -> Column:
    try:
        flt = filter_from_json(row["filter_json"])
    except ConfigError:
        flt = ColumnFilter()  # a broken filter shows everything rather than crash the deck
    return Column(
        id=row["id"],
        name=row["name"],
        position=row["position"],
        filter=flt,
        team_id=row["team_id"],
    )


class ColumnRepo:
    """Add, edit, rename, reorder and remove columns."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def for_team(self, team_id: int | None = None) -> list[Column]:
        rows = self._store.query(
            "SELECT * FROM columns WHERE team_id IS ? ORDER BY position, id", (team_id,)
        )
        return [_column(r) for r in rows]

    def all(self) -> list[Column]:
        rows = self._store.query("SELECT * FROM columns ORDER BY team_id, position, id")
        return [_column(r) for r in rows]

    def add(self, name: str, flt: ColumnFilter, team_id: int | None = None) -> Column:
        with self._store.transaction() as conn:
            pos = conn.execute(
                "SELECT coalesce(max(position) + 1, 0) FROM columns WHERE team_id IS ?",
                (team_id,),
            ).fetchone()[0]
            row = conn.execute(
                "INSERT INTO columns (team_id, name, position, filter_json) VALUES (?, ?, ?, ?)"
                " RETURNING *",
                (team_id, name, pos, filter_to_json(flt)),
            ).fetchone()
        return _column(row)

    def update(
        self, column_id: int, *, name: str | None = None, flt: ColumnFilter | None = None
    ) -> None:
        with self._store.transaction() as conn:
            if name is not None:
                conn.execute("UPDATE columns SET name = ? WHERE id = ?", (name, column_id))
            if flt is not None:
                conn.execute(
                    "UPDATE columns SET filter_json = ? WHERE id = ?",
                    (filter_to_json(flt), column_id),
                )

    def remove(self, column_id: int) -> None:
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM columns WHERE id = ?", (column_id,))

    def reorder(self, column_ids: Sequence[int]) -> None:
        """Set positions to the order given."""
        with self._store.transaction() as conn:
            conn.executemany(
                "UPDATE columns SET position = ? WHERE id = ?",
                [(pos, cid) for pos, cid in enumerate(column_ids)],
            )
