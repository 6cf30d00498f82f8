"""Working conversations: status, assignment, snooze, tags, spam, notes, priority; undo.

Rows only: what an action changes is decided in core.triage and chosen by the
operations in engine/ops/triage.py; edit() writes it in one transaction with an audit
row per conversation and hands back each row as it was, which is the operation's undo.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from inbox.core.clock import from_iso, to_iso
from inbox.core.events import Changed
from inbox.core.models import Member, Note, Status
from inbox.core.notify import Alert, AlertKind

if TYPE_CHECKING:
    from inbox.store.store import Store

# The columns an action may touch; undo restores all of them as they were.
SNAPSHOT = (
    "status",
    "assignee_id",
    "team_id",
    "tags",
    "hidden",
    "snoozed_until",
    "priority_override",
    "sla_due_at",
    "waiting_since",
    "rule_state",
)
Edit = Callable[[Any], dict[str, Any]]  # core.triage: row -> columns to write


@dataclass(frozen=True)
class Edited:
    """What TriageRepo.edit did: the Changed, and each changed row as it was before."""

    changed: Changed
    inverse: list[dict[str, Any]]


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


class TriageRepo:
    """Triage operations on one or many conversations."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._waiting_checked: datetime | None = None  # the last rescore_waiting

    # -- the generic edit ---------------------------------------------------------------

    def snapshot(self, ids: Iterable[int]) -> list[dict[str, Any]]:
        """The triage columns (SNAPSHOT) of these conversations, as plain data."""
        ids = sorted(set(ids))
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self._store.query(
            f"SELECT id, {', '.join(SNAPSHOT)} FROM conversations WHERE id IN ({marks})", ids
        )
        return [{"id": r["id"], **{k: r[k] for k in SNAPSHOT}} for r in rows]

    def edit(
        self,
        ids: Iterable[int],
        actor: Member | None,
        action: str,
        edit: Edit,
        *,
        rescore: bool = False,
        **detail: Any,
    ) -> Edited:
        """Write edit(row) -> new column values to each conversation, audited, in one
        transaction; returns what changed and each changed row as it was (the inverse).

        What an action decides (edit) is core.triage's; this only reads and writes rows.
        """
        ids = sorted(set(ids))
        if not ids:
            return Edited(Changed(), [])
        marks = ",".join("?" * len(ids))
        name = actor.name if actor else "someone"
        with self._store.transaction() as conn:
            rows = conn.execute(
                f"SELECT id, {', '.join(SNAPSHOT)} FROM conversations WHERE id IN ({marks})", ids
            ).fetchall()
            inverse = []
            for row in rows:
                values = edit(row)
                if not values:
                    continue
                inverse.append({"id": row["id"], **{k: row[k] for k in SNAPSHOT}})
                sets = ", ".join(f"{k} = ?" for k in values)
                conn.execute(
                    f"UPDATE conversations SET {sets} WHERE id = ?", [*values.values(), row["id"]]
                )
                self._audit(conn, name, action, row["id"], actor, detail)
        changed = frozenset(r["id"] for r in inverse)
        if rescore:
            self._store.rules.refresh(changed)
        return Edited(Changed(conversations=changed), inverse)

    def _audit(
        self,
        conn: sqlite3.Connection,
        name: str,
        action: str,
        conversation_id: int | None,
        actor: Member | None,
        detail: dict[str, Any],
    ) -> None:
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, conversation_id, detail_json)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                self._store.now(),
                name,
                action,
                conversation_id,
                json.dumps({**detail, "member_id": actor.id if actor else None}),
            ),
        )

    def restore(
        self,
        rows: Iterable[dict[str, Any]],
        notes: Iterable[int],
        actor: Member | None,
        label: str,
    ) -> Changed:
        """Put snapshot rows back as they were and delete notes (what undo does), audited."""
        touched: set[int] = set()
        with self._store.transaction() as conn:
            for snap in rows:
                sets = ", ".join(f"{k} = ?" for k in SNAPSHOT)
                conn.execute(
                    f"UPDATE conversations SET {sets} WHERE id = ?",
                    [*(snap[k] for k in SNAPSHOT), snap["id"]],
                )
                touched.add(int(snap["id"]))
            for note_id in notes:
                found = conn.execute(
                    "DELETE FROM notes WHERE id = ? RETURNING conversation_id", (note_id,)
                ).fetchone()
                if found:
                    touched.add(found[0])
            for cid in sorted(touched):
                name = actor.name if actor else "someone"
                self._audit(conn, name, "undo", cid, actor, {"undid": label})
        self._store.rules.refresh(touched)
        return Changed(conversations=frozenset(touched))

    # -- writes that are not a conversation's columns ------------------------------------

    def set_vip(self, ids: Iterable[int], actor: Member | None, vip: bool = True) -> Changed:
        """Mark the authors of these conversations VIP (or not); every conversation of
        theirs is re-scored (the "VIP contact" rule). Audited per conversation asked."""
        ids = sorted(set(ids))
        if not ids:
            return Changed()
        marks = ",".join("?" * len(ids))
        with self._store.transaction() as conn:
            contacts = [
                r[0]
                for r in conn.execute(
                    f"SELECT DISTINCT contact_id FROM conversations WHERE id IN ({marks})"
                    " AND contact_id IS NOT NULL",
                    ids,
                )
            ]
            if not contacts:
                return Changed()
            cmarks = ",".join("?" * len(contacts))
            conn.execute(
                f"UPDATE contacts SET is_vip = ? WHERE id IN ({cmarks})", [int(vip), *contacts]
            )
            touched = [
                r[0]
                for r in conn.execute(
                    f"SELECT id FROM conversations WHERE contact_id IN ({cmarks})", contacts
                )
            ]
            for cid in ids:
                self._audit(
                    conn, actor.name if actor else "someone", "vip", cid, actor, {"vip": vip}
                )
            self._store.rules.refresh(touched)
        return Changed(conversations=frozenset(touched))

    # -- notes --------------------------------------------------------------------------

    def add_note(self, conversation_id: int, text: str, actor: Member | None) -> int:
        """Store an internal note (never in messages, never in the outbox); its id."""
        with self._store.transaction() as conn:
            row = conn.execute(
                "INSERT INTO notes (conversation_id, author_id, author_name, at, text)"
                " VALUES (?, ?, ?, ?, ?) RETURNING id",
                (
                    conversation_id,
                    actor.id if actor else None,
                    actor.name if actor else "",
                    self._store.now(),
                    text,
                ),
            ).fetchone()
            self._audit(
                conn,
                actor.name if actor else "someone",
                "note",
                conversation_id,
                actor,
                {"note_id": row[0]},
            )
        return int(row[0])

    def notes(self, conversation_id: int) -> list[Note]:
        rows = self._store.query(
            "SELECT * FROM notes WHERE conversation_id = ? ORDER BY at, id", (conversation_id,)
        )
        return [
            Note(
                r["id"],
                r["conversation_id"],
                r["author_id"],
                r["author_name"],
                from_iso(r["at"]),
                r["text"],
            )
            for r in rows
        ]

    def history(self, conversation_id: int) -> list[HistoryEntry]:
        rows = self._store.query(
            "SELECT * FROM audit_log WHERE conversation_id = ? ORDER BY at, id", (conversation_id,)
        )
        return [
            HistoryEntry(from_iso(r["at"]), r["actor"], r["action"], json.loads(r["detail_json"]))
            for r in rows
        ]

    # -- SLA ----------------------------------------------------------------------------

    def sweep_breaches(self) -> dict[int, str]:
        """Record every due time that has just passed and lift those conversations;
        returns them with the due time each missed (the engine's sla.sweep audits them).

        A breach is counted once per due time (sla_breached_at remembers which).
        """
        now = self._store.now()
        with self._store.transaction() as conn:
            rows = conn.execute(
                "UPDATE conversations SET sla_breached_at = sla_due_at,"
                " sla_breaches = sla_breaches + 1"
                " WHERE sla_due_at <= ? AND sla_breached_at IS NOT sla_due_at"
                " RETURNING id, sla_due_at",
                (now,),
            ).fetchall()
            breached = {int(r[0]): str(r[1]) for r in rows}
            self._store.rules.refresh(set(breached))
        return breached

    def wake_snoozed(self) -> Changed:
        """Snoozes that ended: clear them so every column shows the conversation again."""
        with self._store.transaction() as conn:
            rows = conn.execute(
                "UPDATE conversations SET snoozed_until = NULL"
                " WHERE snoozed_until IS NOT NULL AND snoozed_until <= ? RETURNING id",
                (self._store.now(),),
            ).fetchall()
        return Changed(conversations=frozenset(int(r[0]) for r in rows))

    def alerts(self, ids: Iterable[int]) -> list[Alert]:
        """What among these conversations deserves a notification: new ones, breached ones.

        Priority thresholds, grouping and quiet hours are the member's: core.notify.plan.
        """
        ids = sorted(set(ids))
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self._store.query(
            f"""SELECT c.id, c.status, c.priority, c.assignee_id, c.snippet, c.sla_due_at,
                       c.sla_breached_at, coalesce(nullif(p.display_name, ''), p.handle, '') AS who
                FROM conversations c LEFT JOIN contacts p ON p.id = c.contact_id
                WHERE c.id IN ({marks}) AND +c.hidden = 0  -- + : by id, not a hidden walk
                  AND (c.snoozed_until IS NULL OR c.snoozed_until <= ?)""",
            [*ids, self._store.now()],
        )
        out = []
        for r in rows:
            title = f"{r['who']}: {r['snippet'][:80]}" if r["who"] else r["snippet"][:80]
            if r["status"] == Status.NEW.value:
                out.append(Alert(AlertKind.NEW, r["id"], r["priority"], title, r["assignee_id"]))
            if r["sla_due_at"] <= self._store.now() and r["sla_breached_at"] == r["sla_due_at"]:
                breach = Alert(
                    AlertKind.BREACH,
                    r["id"],
                    r["priority"],
                    title,
                    r["assignee_id"],
                    r["sla_due_at"],
                )
                out.append(breach)
        return out

    def rescore_waiting(self) -> Changed:
        """Re-score conversations whose wait crossed a rule's threshold since the last call.

        Waiting time grows by itself; only conversations whose waiting_since passed
        now - N (for each N a WAITING condition uses) are re-evaluated, so this is
        cheap on every tick however large the store.
        """
        now = self._store.clock.now()
        last, self._waiting_checked = self._waiting_checked, now
        if last is None:
            last = now - timedelta(minutes=1)
        ids: set[int] = set()
        for minutes in self._store.rules.waiting_thresholds():
            rows = self._store.query(
                "SELECT id FROM conversations WHERE waiting_since > ? AND waiting_since <= ?",
                (
                    to_iso(last - timedelta(minutes=minutes)),
                    to_iso(now - timedelta(minutes=minutes)),
                ),
            )
            ids.update(int(r[0]) for r in rows)
        return Changed(conversations=frozenset(self._store.rules.refresh(ids)))
