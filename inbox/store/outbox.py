"""The outbox: every side effect is a durable row first, delivered exactly once.

A row moves queued -> sending -> done, or back to queued with a later due_at
on a transient failure, or to failed with the remote's message. Rows left in
"sending" by a crash are re-queued at start; the idempotency key makes the
retry safe on the remote side.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from inbox.core.clock import from_iso, to_iso
from inbox.store import leases

if TYPE_CHECKING:
    from inbox.store.store import Store


@dataclass(frozen=True)
class OutboxItem:
    id: int
    kind: str
    idempotency_key: str
    account_id: int | None
    conversation_id: int | None
    target: str
    payload: dict[str, Any]
    status: str
    attempts: int
    due_at: str
    last_error: str
    remote_id: str
    remote_url: str
    remote_key: str = ""  # what the remote sees as the idempotency key: random, unique
    created_at: str = ""  # when it was queued (ISO): networks whose keys carry a time use it
    claimed_by: str = ""  # the engine (store.leases holder) that sends or sent it
    queued_by: str = ""  # the engine that queued it


def _item(row: sqlite3.Row) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        kind=row["kind"],
        idempotency_key=row["idempotency_key"],
        account_id=row["account_id"],
        conversation_id=row["conversation_id"],
        target=row["target"],
        payload=json.loads(row["payload_json"]),
        status=row["status"],
        attempts=row["attempts"],
        due_at=row["due_at"],
        last_error=row["last_error"],
        remote_id=row["remote_id"],
        remote_url=row["remote_url"],
        remote_key=row["remote_key"] or row["idempotency_key"],
        created_at=row["created_at"],
        claimed_by=row["claimed_by"],
        queued_by=row["queued_by"],
    )


# How long a claimed row belongs to its engine before another may take it. Renewed
# before each send (deliver_due); a laptop that vanished mid-send holds its rows this
# long, one of this host's dead processes not at all (leases.dead).
OUTBOX_LEASE = timedelta(minutes=2)


class OutboxRepo:
    """Queue, claim, complete and fail outbound work."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def enqueue(
        self,
        kind: str,
        idempotency_key: str,
        payload: dict[str, Any],
        *,
        account_id: int | None = None,
        conversation_id: int | None = None,
        target: str = "",
        due_at: datetime | None = None,
        queued_by: str = "",
    ) -> OutboxItem:
        """Queue once: enqueueing the same key again returns the existing row.

        idempotency_key is local (unique in this profile); the row also gets a random
        remote_key, made here once, that networks and desks see on every retry.
        """
        now = self._store.now()
        with self._store.transaction() as conn:
            conn.execute(
                """INSERT INTO outbox (kind, idempotency_key, remote_key, account_id,
                       conversation_id, target, payload_json, due_at, created_at, updated_at,
                       queued_by)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (idempotency_key) DO NOTHING""",
                (
                    kind,
                    idempotency_key,
                    uuid.uuid4().hex,
                    account_id,
                    conversation_id,
                    target,
                    json.dumps(payload),
                    to_iso(due_at) if due_at else now,
                    now,
                    now,
                    queued_by,
                ),
            )
            row = conn.execute(
                "SELECT * FROM outbox WHERE idempotency_key = ?", (idempotency_key,)
            ).fetchone()
        return _item(row)

    def get(self, item_id: int) -> OutboxItem | None:
        rows = self._store.query("SELECT * FROM outbox WHERE id = ?", (item_id,))
        return _item(rows[0]) if rows else None

    def recover(self, holder: str = "") -> int:
        """Rows caught in "sending" by an engine that is gone go back to the queue.

        Gone: a process of this host that no longer runs (a crash, SIGKILL), or a row of
        an older file with no holder. Another laptop's row waits for its lease to end
        (claim_due takes it then); this engine's own rows are its own business.
        """
        with self._store.transaction() as conn:
            holders = [
                r[0]
                for r in conn.execute(
                    "SELECT DISTINCT claimed_by FROM outbox WHERE status = 'sending'"
                ).fetchall()
            ]
            # Always one UPDATE, even of no row: a read-only profile says so here, at start.
            gone = [h for h in holders if (not h or h != holder) and leases.dead(h)] or ["-"]
            marks = ",".join("?" * len(gone))
            cur = conn.execute(
                f"""UPDATE outbox SET status = 'queued', lease_until = '', updated_at = ?
                    WHERE status = 'sending' AND claimed_by IN ({marks})""",
                (self._store.now(), *gone),
            )
        return cur.rowcount

    def claim_due(
        self,
        limit: int = 20,
        kinds: tuple[str, ...] = (),
        skip_accounts: frozenset[int] = frozenset(),
        holder: str = "",
        lease: timedelta = OUTBOX_LEASE,
    ) -> list[OutboxItem]:
        """Lease up to limit due rows to holder as "sending" and return them.

        Due: queued and due, or "sending" under a lease that has ended (its engine
        vanished). Exactly one engine gets each row: on PostgreSQL the candidate rows are
        locked with FOR UPDATE SKIP LOCKED (a second engine skips them instead of
        waiting), on SQLite the statement runs inside BEGIN IMMEDIATE (one writer).
        Never rows of skip_accounts.
        """
        now = self._store.now()
        until = to_iso(self._store.clock.now() + lease)
        kind_sql = f" AND kind IN ({','.join('?' * len(kinds))})" if kinds else ""
        if skip_accounts:
            marks = ",".join(str(int(a)) for a in sorted(skip_accounts))
            kind_sql += f" AND (account_id IS NULL OR account_id NOT IN ({marks}))"
        lock = " FOR UPDATE SKIP LOCKED" if leases.is_postgres(self._store) else ""
        with self._store.transaction() as conn:
            rows = conn.execute(
                f"""UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = ?,
                        claimed_by = ?, lease_until = ?
                    WHERE id IN (SELECT id FROM outbox
                                 WHERE ((status = 'queued' AND due_at <= ?)
                                        OR (status = 'sending' AND lease_until < ?))
                                 {kind_sql} ORDER BY due_at, id LIMIT ?{lock})
                    RETURNING *""",
                (now, holder, until, now, now, *kinds, limit),
            ).fetchall()
        return sorted((_item(r) for r in rows), key=lambda i: (i.due_at, i.id))

    def renew(self, item_id: int, holder: str, lease: timedelta = OUTBOX_LEASE) -> bool:
        """Before a send: is the row still ours (and sending)? Extends its lease."""
        with self._store.transaction() as conn:
            cur = conn.execute(
                """UPDATE outbox SET lease_until = ? WHERE id = ? AND status = 'sending'
                   AND claimed_by = ?""",
                (to_iso(self._store.clock.now() + lease), item_id, holder),
            )
        return cur.rowcount == 1

    def release(self, holder: str) -> int:
        """A stopping engine hands back the rows it claimed and did not finish."""
        with self._store.transaction() as conn:
            cur = conn.execute(
                """UPDATE outbox SET status = 'queued', lease_until = '', updated_at = ?
                   WHERE status = 'sending' AND claimed_by = ?""",
                (self._store.now(), holder),
            )
        return cur.rowcount

    def complete(self, item_id: int, remote_id: str = "", remote_url: str = "") -> None:
        with self._store.transaction() as conn:
            conn.execute(
                """UPDATE outbox SET status = 'done', remote_id = ?, remote_url = ?,
                       last_error = '', updated_at = ? WHERE id = ?""",
                (remote_id, remote_url, self._store.now(), item_id),
            )

    def retry_later(self, item_id: int, error: str, due_at: datetime) -> None:
        """A transient failure: back to the queue, due again at due_at."""
        with self._store.transaction() as conn:
            conn.execute(
                """UPDATE outbox SET status = 'queued', last_error = ?, due_at = ?, updated_at = ?
                   WHERE id = ?""",
                (error, to_iso(due_at), self._store.now(), item_id),
            )

    def fail(self, item_id: int, error: str) -> None:
        """A permanent failure: shown with the remote's message until the user retries."""
        with self._store.transaction() as conn:
            conn.execute(
                "UPDATE outbox SET status = 'failed', last_error = ?, updated_at = ? WHERE id = ?",
                (error, self._store.now(), item_id),
            )

    def first_try(self, item_id: int) -> datetime:
        """When the row was first tried on its network, recording now if this is the first."""
        with self._store.transaction() as conn:
            conn.execute(
                "UPDATE outbox SET first_try_at = ? WHERE id = ? AND first_try_at IS NULL",
                (self._store.now(), item_id),
            )
            row = conn.execute(
                "SELECT first_try_at FROM outbox WHERE id = ?", (item_id,)
            ).fetchone()
        return from_iso(row[0]) if row and row[0] else self._store.clock.now()

    def forget_first_try(self, item_id: int) -> None:
        """The try never reached the network: the next one counts as the first."""
        with self._store.transaction() as conn:
            conn.execute("UPDATE outbox SET first_try_at = NULL WHERE id = ?", (item_id,))

    def mark_unsure(self, item_id: int) -> None:
        """Committed before a request the network cannot recognise when repeated: until
        clear_unsure, a crash or a lost answer leaves the row marked as maybe done."""
        with self._store.transaction() as conn:
            conn.execute(
                "UPDATE outbox SET unsure_since = ? WHERE id = ?", (self._store.now(), item_id)
            )

    def unsure_since(self, item_id: int) -> str | None:
        """When a try whose outcome is unknown started (None: no such try)."""
        rows = self._store.query("SELECT unsure_since FROM outbox WHERE id = ?", (item_id,))
        return str(rows[0][0]) if rows and rows[0][0] else None

    def clear_unsure(self, item_id: int) -> None:
        """The answer said what happened (done, or refused before anything was done)."""
        with self._store.transaction() as conn:
            conn.execute("UPDATE outbox SET unsure_since = NULL WHERE id = ?", (item_id,))

    def retry(self, item_id: int) -> None:
        """The user pressed Retry on a failed row (a send held for an old key goes out too;
        so does one whose earlier try has no known outcome: the user checked)."""
        with self._store.transaction() as conn:
            conn.execute(
                """UPDATE outbox SET status = 'queued', due_at = ?, updated_at = ?,
                       first_try_at = NULL, unsure_since = NULL
                   WHERE id = ? AND status = 'failed'""",
                (self._store.now(), self._store.now(), item_id),
            )

    def retry_now(self, item_id: int) -> bool:
        """The user asked to send a failed or waiting row now; False when it is not pending.

        A failed row's first try is forgotten (the user decided); a waiting row keeps it, so
        the network's key window still guards it.
        """
        now = self._store.now()
        with self._store.transaction() as conn:
            cur = conn.execute(
                """UPDATE outbox SET status = 'queued', due_at = ?, updated_at = ?,
                       first_try_at = CASE WHEN status = 'failed' THEN NULL ELSE first_try_at END,
                       unsure_since = CASE WHEN status = 'failed' THEN NULL ELSE unsure_since END
                   WHERE id = ? AND status IN ('failed', 'queued')""",
                (now, now, item_id),
            )
        return cur.rowcount > 0

    def cancel(self, item_ids: list[int], reason: str) -> int:
        """Never send these (queued or failed rows only; a row being sent is left alone)."""
        if not item_ids:
            return 0
        marks = ",".join("?" * len(item_ids))
        with self._store.transaction() as conn:
            cur = conn.execute(
                f"""UPDATE outbox SET status = 'cancelled', last_error = ?, updated_at = ?
                    WHERE id IN ({marks}) AND status IN ('queued', 'failed')""",
                (reason, self._store.now(), *item_ids),
            )
        return cur.rowcount

    def pending_for_target(self, target: str) -> list[OutboxItem]:
        """Rows for one connector that are not done yet (queued, sending or failed)."""
        rows = self._store.query(
            """SELECT * FROM outbox WHERE target = ? AND status IN ('queued', 'sending', 'failed')
               ORDER BY id""",
            (target,),
        )
        return [_item(r) for r in rows]

    def due_for(self, account_ids: frozenset[int]) -> int:
        """How many queued rows of these accounts are due now."""
        if not account_ids:
            return 0
        marks = ",".join(str(int(a)) for a in sorted(account_ids))
        rows = self._store.query(
            f"""SELECT count(*) FROM outbox WHERE status = 'queued' AND due_at <= ?
                AND account_id IN ({marks})""",
            (self._store.now(),),
        )
        return int(rows[0][0])

    def all(self, include_finished: bool = False) -> list[OutboxItem]:
        where = "" if include_finished else "WHERE status IN ('queued', 'sending', 'failed')"
        return [_item(r) for r in self._store.query(f"SELECT * FROM outbox {where} ORDER BY id")]

    def for_conversation(self, conversation_id: int) -> list[OutboxItem]:
        rows = self._store.query(
            "SELECT * FROM outbox WHERE conversation_id = ? ORDER BY id", (conversation_id,)
        )
        return [_item(r) for r in rows]

    def pending(self) -> list[OutboxItem]:
        rows = self._store.query(
            "SELECT * FROM outbox WHERE status IN ('queued', 'sending', 'failed') ORDER BY due_at"
        )
        return [_item(r) for r in rows]
