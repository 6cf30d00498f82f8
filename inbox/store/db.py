"""Opening a profile's database: WAL, pragmas, numbered migrations, error translation."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from inbox.core.errors import StoreBug, StoreError, StoreKnown

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def _migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every file in store/migrations, in order."""
    found = []
    for entry in resources.files("inbox.store.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise StoreBug(f"Migrations are not numbered 1..N without gaps: {versions}")
    return found


MIGRATIONS = _migrations()
SCHEMA_VERSION = len(MIGRATIONS)


def translate(exc: sqlite3.Error, path: Path | str = "") -> StoreError:
    """Turn a sqlite3 error into the one error tree; known causes the user can fix."""
    text = str(exc)
    lowered = text.lower()
    where = f" ({path})" if path else ""
    if "locked" in lowered or "busy" in lowered:
        return StoreKnown(
            f"The inbox database is busy in another program{where}. Close it and retry."
        )
    if "disk is full" in lowered or "database or disk is full" in lowered:
        return StoreKnown(f"The disk is full{where}. Free some space and retry.")
    if "readonly" in lowered or "read-only" in lowered or "unable to open" in lowered:
        return StoreKnown(f"The inbox database cannot be written{where}: {text}")
    if "not a database" in lowered or "malformed" in lowered:
        return StoreKnown(f"The inbox database is damaged{where}: {text}. Restore a backup.")
    return StoreBug(f"Store error{where}: {text}")


@contextlib.contextmanager
def translated(path: Path | str = "") -> Iterator[None]:
    """Re-raise sqlite3 errors as StoreError."""
    try:
        yield
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc


def _version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_version(path: Path) -> int:
    """The file's schema version, read without writing; refuses files from a newer app."""
    if not path.exists():
        return 0
    with translated(path):
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            version = _version(conn)
        finally:
            conn.close()
    if version > SCHEMA_VERSION:
        raise StoreKnown(
            f"{path} was written by a newer Social Inbox (schema {version}, this app knows "
            f"up to {SCHEMA_VERSION}). Update the app; the file was left untouched."
        )
    return version


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Apply every migration above the file's version up to target, each in one transaction."""
    current = _version(conn)
    for version, _name, sql in MIGRATIONS:
        if current < version <= target:
            # executescript commits first; wrap each step so a failure leaves the old version.
            try:
                conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;")
            except sqlite3.Error:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            current = version
    return current


def open_connection(
    path: Path | str, *, readonly: bool = False, migrate_to: int = SCHEMA_VERSION
) -> sqlite3.Connection:
    """Open (and for a writer, create and migrate) the database at path.

    Raises:
        StoreKnown: the file is from a newer app, locked, damaged or unwritable.
    """
    path = Path(path)
    check_version(path)
    try:
        if readonly:
            conn = sqlite3.connect(
                f"file:{path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
            )
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            # The writer walks several conversation indexes per page; the 2 MB default
            # cache made it re-read pages through syscalls (~20% of ingest CPU).
            conn.execute("PRAGMA cache_size = -32000")
            migrate(conn, migrate_to)
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc
    return conn
