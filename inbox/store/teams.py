"""Teams: the groups a deck's columns and routed conversations belong to."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inbox.store.store import Store


class TeamRepo:
    """Add and list teams; a team name is unique."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, name: str) -> int:
        """The id of the team called name, created if missing."""
        with self._store.transaction() as conn:
            row = conn.execute(
                "INSERT INTO teams (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = name"
                " RETURNING id",
                (name,),
            ).fetchone()
        return int(row[0])

    def all(self) -> dict[int, str]:
        """Team names by id, in creation order."""
        return {
            int(r[0]): r[1] for r in self._store.query("SELECT id, name FROM teams ORDER BY id")
        }
