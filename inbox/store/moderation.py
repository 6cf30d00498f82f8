"""What our accounts did to people on the networks: blocked, muted (contact_moderation).

engine/moderation.py records a state when the server confirmed it; the column queries
join it so a card says "Blocked" / "Muted" (store/queries.py, ConversationSummary).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inbox.core import moderation

if TYPE_CHECKING:
    from inbox.store.store import Store

# action -> (column, value)
_STATES = {
    moderation.BLOCK: ("blocked", 1),
    moderation.UNBLOCK: ("blocked", 0),
    moderation.MUTE: ("muted", 1),
    moderation.UNMUTE: ("muted", 0),
}


class ModerationStateRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def record(self, account_id: int, network: str, user_id: str, action: str) -> frozenset[int]:
        """The server did action (block, unblock, mute, unmute) on the person with this remote
        id: store it; returns the ids of that person's conversations on the account (their
        cards change). Other actions and unknown people change nothing."""
        state = _STATES.get(action)
        if state is None:
            return frozenset()
        column, value = state
        with self._store.transaction() as conn:
            row = conn.execute(
                "SELECT id FROM contacts WHERE network = ? AND remote_id = ?", (network, user_id)
            ).fetchone()
            if row is None:
                return frozenset()
            contact_id = int(row[0])
            conn.execute(
                f"""INSERT INTO contact_moderation (account_id, contact_id, {column}, updated_at)
                    VALUES (?, ?, ?, ?)
                    ON CONFLICT (account_id, contact_id)
                    DO UPDATE SET {column} = excluded.{column}, updated_at = excluded.updated_at""",
                (account_id, contact_id, value, self._store.now()),
            )
            ids = conn.execute(
                "SELECT id FROM conversations WHERE account_id = ? AND contact_id = ?",
                (account_id, contact_id),
            ).fetchall()
        return frozenset(int(r[0]) for r in ids)

    def state(self, account_id: int, network: str, user_id: str) -> tuple[bool, bool]:
        """(blocked, muted) of a person as this account last had it confirmed."""
        rows = self._store.query(
            """SELECT x.blocked, x.muted FROM contact_moderation x
               JOIN contacts p ON p.id = x.contact_id
               WHERE x.account_id = ? AND p.network = ? AND p.remote_id = ?""",
            (account_id, network, user_id),
        )
        return (bool(rows[0][0]), bool(rows[0][1])) if rows else (False, False)
