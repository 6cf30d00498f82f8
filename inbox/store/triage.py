"""Working conversations: status, assignment, snooze, tags, spam, notes, priority; undo.

Every operation is audited (who, when, what), records its inverse in undo_log
and returns Changed; the engine publishes it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from inbox.core.clock import from_iso, to_iso
from inbox.core.errors import ConfigError
from inbox.core.events import Changed
from inbox.core.models import Member, Note, Status
from inbox.core.notify import Alert, AlertKind
from inbox.core.rules import SPAM_TAG, person_decided
from inbox.core.sla import NO_DUE

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
UNDO_KEEP = 200  # per profile; older inverses are dropped

Edit = Callable[[sqlite3.Row], dict[str, Any]]


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

    def _edit(
        self,
        ids: Iterable[int],
        actor: Member | None,
        action: str,
        edit: Edit,
        *,
        label: str = "",
        rescore: bool = False,
        **detail: Any,
    ) -> Changed:
        """Apply edit(row) -> new column values to each conversation, audited and undoable."""
        ids = sorted(set(ids))
        if not ids:
            return Changed()
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
            if inverse:
                self._push_undo(conn, actor, label or action, {"rows": inverse})
        changed = frozenset(r["id"] for r in inverse)
        if rescore:
            self._store.rules.refresh(changed)
        return Changed(conversations=changed)

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

    def _push_undo(
        self, conn: sqlite3.Connection, actor: Member | None, label: str, inverse: dict[str, Any]
    ) -> None:
        conn.execute(
            "INSERT INTO undo_log (at, actor_id, label, inverse_json) VALUES (?, ?, ?, ?)",
            (self._store.now(), actor.id if actor else None, label, json.dumps(inverse)),
        )
        conn.execute(
            "DELETE FROM undo_log WHERE id <= (SELECT max(id) FROM undo_log) - ?", (UNDO_KEEP,)
        )

    # -- operations ---------------------------------------------------------------------

    def set_status(self, ids: Iterable[int], status: Status, actor: Member | None) -> Changed:
        """new -> open -> pending -> resolved; resolving stops the SLA clock."""
        status = Status(status)

        def edit(row: sqlite3.Row) -> dict[str, Any]:
            if row["status"] == status.value:
                return {}
            values: dict[str, Any] = {"status": status.value}
            if status is Status.RESOLVED:
                values.update(sla_due_at=NO_DUE, waiting_since=None, snoozed_until=None)
                values["resolved_at"] = self._store.now()  # reports: time to resolution
            return values

        return self._edit(
            ids,
            actor,
            "status",
            edit,
            label=f"Mark {status.value}",
            rescore=True,
            status=status.value,
        )

    def assign(self, ids: Iterable[int], member_id: int | None, actor: Member | None) -> Changed:
        """Give conversations to a member (None: unassign)."""

        def edit(row: sqlite3.Row) -> dict[str, Any]:
            state = person_decided(row["rule_state"], assignee=True)
            if row["assignee_id"] == member_id:
                return {} if state == row["rule_state"] else {"rule_state": state}
            values: dict[str, Any] = {"assignee_id": member_id, "rule_state": state}
            if row["status"] == Status.NEW.value and member_id is not None:
                values["status"] = Status.OPEN.value  # someone is on it
            return values

        return self._edit(ids, actor, "assign", edit, label="Assign", assignee_id=member_id)

    def set_team(self, ids: Iterable[int], team_id: int | None, actor: Member | None) -> Changed:
        """Route to a team; its SLA policy times the conversation from now on."""

        def edit(row: sqlite3.Row) -> dict[str, Any]:
            # Choosing the team a rule chose confirms it: the rules no longer take it back.
            state = person_decided(row["rule_state"], team=True)
            if row["team_id"] == team_id and state == row["rule_state"]:
                return {}
            return {"team_id": team_id, "rule_state": state}

        return self._edit(ids, actor, "team", edit, label="Route", rescore=True, team_id=team_id)

    def snooze(self, ids: Iterable[int], until: datetime, actor: Member | None) -> Changed:
        """Hide from every column until `until`; then the conversation returns by itself."""
        when = to_iso(until)
        if until <= self._store.clock.now():
            raise ConfigError("Snooze until a time in the future")
        return self._edit(
            ids, actor, "snooze", lambda row: {"snoozed_until": when}, label="Snooze", until=when
        )

    def unsnooze(self, ids: Iterable[int], actor: Member | None) -> Changed:
        def edit(row: sqlite3.Row) -> dict[str, Any]:
            return {"snoozed_until": None} if row["snoozed_until"] else {}

        return self._edit(ids, actor, "unsnooze", edit, label="Unsnooze")

    def tag(
        self,
        ids: Iterable[int],
        actor: Member | None,
        add: Iterable[str] = (),
        remove: Iterable[str] = (),
    ) -> Changed:
        add = [t.strip() for t in add if t.strip()]
        drop = {t.strip() for t in remove}

        def edit(row: sqlite3.Row) -> dict[str, Any]:
            old = json.loads(row["tags"])
            new = [t for t in old if t not in drop] + [t for t in add if t not in old]
            state = person_decided(row["rule_state"], tags_added=add, tags_removed=drop)
            if new == old and state == row["rule_state"]:
                return {}
            return {"tags": json.dumps(new), "rule_state": state}

        return self._edit(ids, actor, "tag", edit, label="Tag", add=add, remove=sorted(drop))

    def mark_spam(self, ids: Iterable[int], actor: Member | None, spam: bool = True) -> Changed:
        """Spam is hidden from every column and tagged; not spam shows it again."""

        def edit(row: sqlite3.Row) -> dict[str, Any]:
            tags = [t for t in json.loads(row["tags"]) if t != SPAM_TAG]
            if spam:
                tags.append(SPAM_TAG)
            values = {
                "hidden": int(spam),
                "tags": json.dumps(tags),
                "rule_state": person_decided(row["rule_state"], spam=spam),
            }
            return {} if all(row[k] == v for k, v in values.items()) else values

        return self._edit(ids, actor, "spam" if spam else "not_spam", edit, label="Spam")

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

    def set_priority(
        self, ids: Iterable[int], priority: int | None, actor: Member | None
    ) -> Changed:
        """Override the rules' score by hand (None: back to the rules)."""

        def edit(row: sqlite3.Row) -> dict[str, Any]:
            return {} if row["priority_override"] == priority else {"priority_override": priority}

        return self._edit(
            ids, actor, "priority", edit, label="Priority", rescore=True, priority=priority
        )

    # -- notes --------------------------------------------------------------------------

    def add_note(self, conversation_id: int, text: str, actor: Member | None) -> Changed:
        """An internal note: stays in the store, never reaches the network or the outbox."""
        if not text.strip():
            raise ConfigError("A note needs some text")
        with self._store.transaction() as conn:
            row = conn.execute(
                "INSERT INTO notes (conversation_id, author_id, author_name, at, text)"
                " VALUES (?, ?, ?, ?, ?) RETURNING id",
                (
                    conversation_id,
                    actor.id if actor else None,
                    actor.name if actor else "",
                    self._store.now(),
                    text.strip(),
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
            self._push_undo(conn, actor, "Note", {"notes": [int(row[0])]})
        return Changed(conversations=frozenset({conversation_id}))

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

    # -- undo ---------------------------------------------------------------------------

    def last_undo(self, actor: Member | None) -> str | None:
        """The label of what undo would revert for this member, if anything."""
        rows = self._store.query(
            "SELECT label FROM undo_log WHERE actor_id IS ? ORDER BY id DESC LIMIT 1",
            (actor.id if actor else None,),
        )
        return rows[0][0] if rows else None

    def undo(self, actor: Member | None) -> Changed:
        """Revert this member's last triage action; nothing when there is none."""
        with self._store.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM undo_log WHERE actor_id IS ? ORDER BY id DESC LIMIT 1",
                (actor.id if actor else None,),
            ).fetchone()
            if row is None:
                return Changed()
            inverse = json.loads(row["inverse_json"])
            touched: set[int] = set()
            for snap in inverse.get("rows", []):
                sets = ", ".join(f"{k} = ?" for k in SNAPSHOT)
                conn.execute(
                    f"UPDATE conversations SET {sets} WHERE id = ?",
                    [*(snap[k] for k in SNAPSHOT), snap["id"]],
                )
                touched.add(snap["id"])
            for note_id in inverse.get("notes", []):
                found = conn.execute(
                    "DELETE FROM notes WHERE id = ? RETURNING conversation_id", (note_id,)
                ).fetchone()
                if found:
                    touched.add(found[0])
            for cid in sorted(touched):
                self._audit(
                    conn,
                    actor.name if actor else "someone",
                    "undo",
                    cid,
                    actor,
                    {"undid": row["label"]},
                )
            conn.execute("DELETE FROM undo_log WHERE id = ?", (row["id"],))
        self._store.rules.refresh(touched)
        return Changed(conversations=frozenset(touched))

    # -- SLA ----------------------------------------------------------------------------

    def sweep_breaches(self) -> Changed:
        """Record every due time that has just passed and lift those conversations.

        A breach is counted once per due time (sla_breached_at remembers which).
        """
        now = self._store.now()
        with self._store.transaction() as conn:
            rows = conn.execute(
                "UPDATE conversations SET sla_breached_at = sla_due_at,"
                " sla_breaches = sla_breaches + 1"
                " WHERE sla_due_at <= ? AND sla_breached_at IS NOT sla_due_at RETURNING id",
                (now,),
            ).fetchall()
        ids = {int(r[0]) for r in rows}
        self._store.rules.refresh(ids)
        return Changed(conversations=frozenset(ids))

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
