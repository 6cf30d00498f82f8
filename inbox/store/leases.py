"""Leases: which engine (laptop) does a piece of shared work, on SQLite and PostgreSQL.

A *holder* names one running engine: ``host/pid/start/nonce``. Two engines in one
process (tests) differ by their nonce; an engine on this host whose process is gone
is known dead at once (its pid is not running, or runs a later process), one on
another host only when its lease expires.

Two kinds of lease, both plain rows, so they behave the same on both backends and
anyone can see who holds what:

- the **outbox row lease** (``outbox.claimed_by`` / ``lease_until``, claimed in
  ``OutboxRepo.claim_due``): a row in ``sending`` belongs to its holder until its lease
  ends; then any engine may take it (the row's ``remote_key`` makes the retry safe);
- **named leases** (table ``leases``): ``fetch:<account id>`` elects the one engine that
  fetches an account. ``acquire`` is one conditional upsert (``ON CONFLICT … DO UPDATE
  … WHERE`` the lease is ours, expired or held by a dead process of this host), atomic
  on both backends: PostgreSQL locks the conflicting row and re-checks the condition;
  SQLite runs it inside ``BEGIN IMMEDIATE``. ``fence`` renews inside the caller's
  transaction and says whether the lease is still ours, so a stalled fetcher that lost
  its lease cannot commit a page (or move the cursor back) after its successor.
"""

from __future__ import annotations

import functools
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from inbox.core.clock import to_iso

if TYPE_CHECKING:
    from inbox.store.store import Store


def _start_ticks(pid: int) -> str:
    """When process pid started (Linux /proc), "" where that cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


@functools.cache
def _host() -> str:
    return socket.gethostname().replace("/", "_") or "localhost"


def new_holder() -> str:
    """A fresh holder id for one engine of this process."""
    pid = os.getpid()
    return f"{_host()}/{pid}/{_start_ticks(pid)}/{uuid.uuid4().hex[:10]}"


def dead(holder: str) -> bool:
    """True when holder is an engine of this host whose process no longer runs.

    False when it may be alive (it runs, or it is on another host: only its lease's
    expiry says it is gone). Old rows' '' holder counts as dead.
    """
    if not holder:
        return True
    parts = holder.split("/")
    if len(parts) != 4 or parts[0] != _host():
        return False
    try:
        pid = int(parts[1])
    except ValueError:
        return False
    if pid == os.getpid():
        return False  # this process: its engines release what they hold when they stop
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's process runs under that pid
        return bool(parts[2]) and _start_ticks(pid) != parts[2]
    except OSError:
        return False
    return bool(parts[2]) and _start_ticks(pid) != parts[2]  # pid reused by a later process


def is_postgres(store: Store) -> bool:
    """Whether store runs on PostgreSQL (its connection is psycopg's), else SQLite."""
    dialect = getattr(store, "dialect", None)
    name = getattr(dialect, "name", dialect)
    if isinstance(name, str):
        return name.lower().startswith("postgres")
    return type(store.conn).__module__.startswith("psycopg")


def name_of(holder: str) -> str:
    """A holder in words: "host (pid N)"."""
    parts = holder.split("/")
    return f"{parts[0]} (pid {parts[1]})" if len(parts) == 4 else holder or "nobody"


@dataclass(frozen=True)
class Lease:
    name: str
    holder: str
    until: str
    acquired_at: str


class LeaseRepo:
    """Named leases (``leases`` table)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def _until(self, ttl: timedelta) -> str:
        return to_iso(self._store.clock.now() + ttl)

    def get(self, name: str) -> Lease | None:
        rows = self._store.query(
            "SELECT name, holder, until, acquired_at FROM leases WHERE name = ?", (name,)
        )
        return Lease(*rows[0]) if rows else None

    def acquire(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Take or renew the lease for ttl; False while another live holder has it."""
        now = self._store.now()
        with self._store.transaction() as conn:
            current = conn.execute("SELECT holder FROM leases WHERE name = ?", (name,)).fetchone()
            # Only a holder this host knows to be dead is passed as takeable.
            other = current[0] if current and current[0] != holder else ""
            dead_holder = other if other and dead(other) else ""
            conn.execute(
                """INSERT INTO leases (name, holder, until, acquired_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (name) DO UPDATE SET
                       acquired_at = CASE WHEN leases.holder = excluded.holder
                                     THEN leases.acquired_at ELSE excluded.acquired_at END,
                       holder = excluded.holder, until = excluded.until
                   WHERE leases.holder = excluded.holder OR leases.until < ?
                         OR leases.holder = ?""",
                (name, holder, self._until(ttl), now, now, dead_holder or "-"),
            )
            row = conn.execute("SELECT holder FROM leases WHERE name = ?", (name,)).fetchone()
        return bool(row) and row[0] == holder

    def fence(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Inside the caller's transaction: still ours? (and renew it). On PostgreSQL the
        UPDATE locks the row until the caller commits, so nobody takes it meanwhile."""
        with self._store.transaction() as conn:
            cur = conn.execute(
                "UPDATE leases SET until = ? WHERE name = ? AND holder = ?",
                (self._until(ttl), name, holder),
            )
        return cur.rowcount == 1

    def renew_all(self, holder: str, ttl: timedelta) -> int:
        """The heartbeat: extend every lease holder still has; returns how many."""
        with self._store.transaction() as conn:
            cur = conn.execute(
                "UPDATE leases SET until = ? WHERE holder = ?", (self._until(ttl), holder)
            )
        return cur.rowcount

    def release(self, name: str, holder: str) -> None:
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))

    def release_all(self, holder: str) -> None:
        """A stopping engine gives everything back: the others take over at once."""
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM leases WHERE holder = ?", (holder,))

    def expire(self, name: str) -> None:
        """Tests and `team` tooling: end a lease now, as if its holder vanished."""
        with self._store.transaction() as conn:
            conn.execute("UPDATE leases SET until = ? WHERE name = ?", ("0000", name))

    def all(self) -> list[Lease]:
        rows = self._store.query(
            "SELECT name, holder, until, acquired_at FROM leases ORDER BY name"
        )
        return [Lease(*r) for r in rows]
