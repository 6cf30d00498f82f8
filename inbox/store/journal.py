"""A team profile's offline side: the replica of the team database and the journal.

Two SQLite files in the profile folder, next to `team.json`:

- `replica.db`: a copy of the team database as this laptop last saw it (same schema, same
  ids). `snapshot()` writes it whole from one consistent read of the server (a REPEATABLE
  READ transaction) into `replica.db.new` and renames it over the old one, so a copy cut
  short (a crash, the engine stopping) never replaces a good one. While the server cannot
  be reached, the engine opens the replica instead (`Store(path, replica_of=dsn)`): the deck
  shows the last known state and operations apply to it.
- `journal.db`: every operation run while offline, in order (the operation's JSON, who,
  this laptop's time, a globally unique id = this laptop's id + a sequence number). It is
  written BEFORE the operation is applied to the replica (write-ahead): a crash between the
  two loses nothing, the replay brings it. Kept apart from the replica so refreshing the
  replica can never touch it.

On the server, `journal_applied` (migration 0023_journal_applied) holds the id of every
journal entry that was replayed, inserted in the same transaction as the replayed
operation: an entry applies once even when two processes of one laptop replay the same
journal at the same moment.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inbox.core.clock import to_iso
from inbox.core.errors import StoreKnown
from inbox.store.db import PRIVATE_FILE, translated

if TYPE_CHECKING:
    from inbox.store.store import Store

REPLICA = "replica.db"
KEEP_DONE = timedelta(days=30)  # synced journal entries are pruned after this
JOURNAL = "journal.db"
# Rows about running engines, not data: whoever holds a lease, who is viewing what, the
# live change log. A replica of them would be wrong the moment it is written.
NOT_COPIED = frozenset({"leases", "presence", "change_log", "journal_applied"})


# Profile folders this process works offline on (the engine says so): the window's
# read-only stores then open the replica without first waiting for the server to answer.
_OFFLINE: set[Path] = set()


def _key(db_path: Path) -> Path:
    return Path(db_path).parent.resolve()


_SWITCHES = [0]


def set_offline(db_path: Path, offline: bool) -> None:
    if offline:
        _OFFLINE.add(_key(db_path))
    else:
        _OFFLINE.discard(_key(db_path))
    _SWITCHES[0] += 1


def switches() -> int:
    """How often an engine of this process went offline or online: a reader holding a
    connection opened before the last switch opens a new one (the replica or the server)."""
    return _SWITCHES[0]


def is_offline(db_path: Path) -> bool:
    return bool(_OFFLINE) and _key(db_path) in _OFFLINE


def replica_path(db_path: Path) -> Path:
    return Path(db_path).parent / REPLICA


def journal_path(db_path: Path) -> Path:
    return Path(db_path).parent / JOURNAL


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + suffix).unlink()


# -- the replica ------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    rows: int
    tables: int
    seconds: float


def snapshot(dsn: str, db_path: Path, cancel: threading.Event | None = None) -> Snapshot | None:
    """Copy the team database at dsn into the profile's replica.db (whole, or not at all);
    None when cancel was set before it finished (nothing changed then).

    Raises:
        StoreKnown: the server cannot be reached (ServerUnreachable) or refuses; the old
            replica, if any, is left as it was.
    """
    from inbox.store import db as sqlite_db
    from inbox.store import team

    started = time.monotonic()
    target = replica_path(db_path)
    # Its own name: two engines of one profile (the window and a command) may copy at once.
    fresh = target.with_name(f"{REPLICA}.{os.getpid()}-{uuid.uuid4().hex[:8]}.new")
    server = team.open_connection(dsn, readonly=True)
    local = sqlite_db.open_connection(fresh)
    rows = 0
    try:
        tables = [t for t in team._local_tables(local) if t not in NOT_COPIED]
        with translated(fresh):
            local.execute("PRAGMA foreign_keys = OFF")
            # A file nobody reads until it is renamed: a crash throws it away, so no
            # rollback journal or WAL to write everything twice, no fsync.
            local.execute("PRAGMA journal_mode = OFF")
            local.execute("PRAGMA synchronous = OFF")
            local.execute("BEGIN IMMEDIATE")
            server.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            for table in tables:
                rows += _copy_down(server, local, table, cancel)
                if cancel is not None and cancel.is_set():
                    raise _Cancelled
            server.execute("COMMIT")
            local.execute("COMMIT")
            local.execute("PRAGMA journal_mode = WAL")
    except _Cancelled:
        with contextlib.suppress(Exception):
            local.close()
        _remove(fresh)
        return None
    except BaseException:
        with contextlib.suppress(Exception):
            local.close()
        _remove(fresh)
        raise
    finally:
        with contextlib.suppress(Exception):
            server.close()
    local.close()  # the last connection: SQLite folds the WAL into the file
    _remove(target)  # an old -wal must never be applied to the new file
    os.replace(fresh, target)
    return Snapshot(rows, len(tables), time.monotonic() - started)


class _Cancelled(Exception):
    pass


def _copy_down(
    server: Any, local: sqlite3.Connection, table: str, cancel: threading.Event | None
) -> int:
    theirs = {
        r[0]
        for r in server.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema ="
            " current_schema() AND table_name = ? AND is_generated = 'NEVER'",
            (table,),
        )
    }
    columns = [r[1] for r in local.execute(f'PRAGMA table_info("{table}")') if r[1] in theirs]
    if not columns:
        return 0
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" * len(columns))
    local.execute(f'DELETE FROM "{table}"')  # rows a migration seeded: the server's win
    cursor = server.raw.cursor()
    cursor.execute(f'SELECT {names} FROM "{table}"'.encode())
    count = 0
    while (cancel is None or not cancel.is_set()) and (batch := cursor.fetchmany(2000)):
        local.executemany(
            f'INSERT INTO "{table}" ({names}) VALUES ({marks})', [tuple(r) for r in batch]
        )
        count += len(batch)
    return count


def replica_age(db_path: Path) -> float | None:
    """Seconds since the replica was written; None when there is none."""
    try:
        return max(0.0, time.time() - replica_path(db_path).stat().st_mtime)
    except FileNotFoundError:
        return None


def ping(store: Store) -> None:
    """Raise ServerUnreachable when the store's server no longer answers."""
    store.query("SELECT 1")


# -- on the server: which journal entries were applied -----------------------------------


def claim_entry(store: Store, entry_id: str, actor: str, op: str) -> bool:
    """Record that the journal entry is applied, in the caller's transaction; False when
    it was already (by another process of this laptop, or an earlier replay)."""
    row = store.conn.execute(
        "INSERT INTO journal_applied (id, actor, op, applied_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (id) DO NOTHING RETURNING id",
        (entry_id, actor, op, store.now()),
    ).fetchone()
    return row is not None


def post_version(store: Store, post_id: int) -> str | None:
    """When the post was last changed (posts.updated_at); None: no such post."""
    rows = store.query("SELECT updated_at FROM posts WHERE id = ?", (post_id,))
    return str(rows[0][0]) if rows else None


def later_audit(
    store: Store, conversation_ids: Sequence[int], actions: Sequence[str], after: str
) -> dict[int, dict[str, Any]]:
    """For each conversation, its newest audit row of one of actions written after `after`
    (ISO time): someone changed that field later than the offline change was made."""
    if not conversation_ids or not actions:
        return {}
    ids = ",".join("?" * len(conversation_ids))
    kinds = ",".join("?" * len(actions))
    found: dict[int, dict[str, Any]] = {}
    for row in store.query(
        f"SELECT conversation_id, at, actor, action, detail_json FROM audit_log"
        f" WHERE conversation_id IN ({ids}) AND action IN ({kinds}) AND at > ?"
        f" ORDER BY at",
        [*conversation_ids, *actions, after],
    ):
        found[int(row["conversation_id"])] = {
            "at": row["at"],
            "actor": row["actor"],
            "action": row["action"],
            "detail": json.loads(row["detail_json"] or "{}"),
        }
    return found


# -- the journal ------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL DEFAULT '',
    op TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'failed', 'done')),
    error TEXT NOT NULL DEFAULT '',
    tried_at TEXT NOT NULL DEFAULT '',
    base TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS journal_state ON journal (state, seq);
"""


@dataclass(frozen=True)
class Entry:
    seq: int
    id: str
    op: str  # Op.to_json()
    actor: str
    at: str
    state: str
    error: str
    base: str = "{}"  # JSON: what the change was made on (a post's updated_at), for conflicts


class Journal:
    """The profile's journal.db: operations made offline, waiting to be replayed."""

    def __init__(self, db_path: Path) -> None:
        self.path = journal_path(db_path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                with contextlib.suppress(FileExistsError):
                    fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
                    os.close(fd)
        except OSError as exc:
            raise StoreKnown(f"The offline journal {self.path} cannot be made: {exc}") from exc
        with translated(self.path):
            self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA busy_timeout = 5000")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = FULL")  # an entry survives a power cut
            self.conn.executescript(_SCHEMA)
            self.laptop = self._laptop()
            # Synced entries are kept a while (what went when), then pruned; AUTOINCREMENT
            # never hands a pruned sequence number out again, so ids stay unique.
            kept_since = to_iso(datetime.now(UTC) - KEEP_DONE)
            self.conn.execute(
                "DELETE FROM journal WHERE state = 'done' AND tried_at < ?", (kept_since,)
            )

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with translated(self.path):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise

    def _laptop(self) -> str:
        """This laptop's id, made once: the first half of every entry id."""
        with self._write() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'laptop'").fetchone()
            if row is not None:
                return str(row[0])
            laptop = uuid.uuid4().hex[:16]
            conn.execute("INSERT INTO meta (key, value) VALUES ('laptop', ?)", (laptop,))
            return laptop

    def append(self, op_json: str, actor: str, at: str, base: str = "{}") -> Entry:
        """Write one entry (durably) and return it."""
        with self._write() as conn:
            seq = int(
                conn.execute(
                    "INSERT INTO journal (op, actor, at, base) VALUES (?, ?, ?, ?) RETURNING seq",
                    (op_json, actor, at, base),
                ).fetchone()[0]
            )
            entry_id = f"{self.laptop}-{seq}"
            conn.execute("UPDATE journal SET id = ? WHERE seq = ?", (entry_id, seq))
        return Entry(seq, entry_id, op_json, actor, at, "waiting", "", base)

    def drop(self, seq: int) -> None:
        """Take back an entry whose operation the replica refused (nothing happened)."""
        with self._write() as conn:
            conn.execute("DELETE FROM journal WHERE seq = ? AND state = 'waiting'", (seq,))

    def pending(self) -> list[Entry]:
        """Entries not yet applied on the server, failed ones included, in order."""
        with translated(self.path):
            rows = self.conn.execute(
                "SELECT * FROM journal WHERE state IN ('waiting', 'failed') ORDER BY seq"
            ).fetchall()
        return [_entry(r) for r in rows]

    def counts(self) -> tuple[int, int]:
        """(waiting, failed)."""
        with translated(self.path):
            rows = dict(
                self.conn.execute(
                    "SELECT state, count(*) FROM journal WHERE state IN ('waiting', 'failed')"
                    " GROUP BY state"
                ).fetchall()
            )
        return int(rows.get("waiting", 0)), int(rows.get("failed", 0))

    def failed(self) -> list[Entry]:
        with translated(self.path):
            rows = self.conn.execute(
                "SELECT * FROM journal WHERE state = 'failed' ORDER BY seq"
            ).fetchall()
        return [_entry(r) for r in rows]

    def done(self, seq: int, at: str) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE journal SET state = 'done', error = '', tried_at = ? WHERE seq = ?",
                (at, seq),
            )

    def fail(self, seq: int, error: str, at: str) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE journal SET state = 'failed', error = ?, tried_at = ? WHERE seq = ?",
                (error, at, seq),
            )


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        row["seq"],
        row["id"],
        row["op"],
        row["actor"],
        row["at"],
        row["state"],
        row["error"],
        row["base"],
    )


def read_failed(db_path: Path) -> list[Entry]:
    """The journal's failed entries, read without creating it (for `team status`)."""
    path = journal_path(db_path)
    if not path.exists():
        return []
    with translated(path):
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            rows = conn.execute("SELECT * FROM journal WHERE state = 'failed' ORDER BY seq")
            return [_entry(r) for r in rows.fetchall()]
        finally:
            conn.close()


def waiting_counts(db_path: Path) -> tuple[int, int] | None:
    """(waiting, failed) entries of the profile's journal, read without creating it."""
    path = journal_path(db_path)
    if not path.exists():
        return None
    with translated(path):
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = dict(
                conn.execute(
                    "SELECT state, count(*) FROM journal WHERE state IN ('waiting', 'failed')"
                    " GROUP BY state"
                ).fetchall()
            )
        except sqlite3.OperationalError as exc:
            raise StoreKnown(f"The offline journal {path} cannot be read: {exc}") from exc
        finally:
            conn.close()
    return int(rows.get("waiting", 0)), int(rows.get("failed", 0))
