"""Opening a profile's database: WAL, pragmas, numbered migrations, error translation."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from inbox.core.errors import StoreBug, StoreError, StoreKnown
from inbox.store.dialect import SQLITE

log = logging.getLogger(__name__)
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
    if "disk is full" in lowered or ("disk i/o error" in lowered and _nearly_full(path)):
        return StoreKnown(f"The disk is full{where}. Free some space and retry.")
    if "readonly" in lowered or "read-only" in lowered or "unable to open" in lowered:
        return StoreKnown(f"The inbox database cannot be written{where}: {text}")
    if "not a database" in lowered or "malformed" in lowered:
        return StoreKnown(f"The inbox database is damaged{where}: {text}. Restore a backup.")
    return StoreBug(f"Store error{where}: {text}")


def _nearly_full(path: Path | str) -> bool:
    """SQLite reports a full disk met while growing its -shm or WAL as "disk I/O error"."""
    folder = Path(path).parent if path else Path.cwd()
    try:
        return shutil.disk_usage(folder).free < 1024 * 1024
    except OSError:
        return False


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
        conn = connect_readonly(path)
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


def connect_readonly(path: Path, **options: Any) -> sqlite3.Connection:
    """A read-only connection. A WAL database on a read-only medium (a read-only mount,
    a backup disk) cannot get its -shm file, so plain mode=ro fails there; nobody can
    write such a file, so it is then opened immutable."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, **options)
    try:
        conn.execute("PRAGMA user_version").fetchone()
    except sqlite3.OperationalError:
        conn.close()
        if os.access(path.parent, os.W_OK) and not _read_only_mount(path):
            raise
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, **options)
    return conn


def _read_only_mount(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Apply every migration above the file's version up to target, each in one transaction."""
    current = _version(conn)
    for version, _name, sql in MIGRATIONS:
        if current < version <= target:
            # executescript commits first; wrap each step so a failure leaves the old version.
            try:
                text = SQLITE.migration(sql)
                conn.executescript(f"BEGIN;\n{text}\nPRAGMA user_version = {version};\nCOMMIT;")
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
            conn = connect_readonly(path, check_same_thread=False, isolation_level=None)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            _create_private(path)
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
        tighten(path)
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc
    return conn


PRIVATE_FILE = 0o600  # DMs and customer data: the owner only
SUFFIXES = ("", "-wal", "-shm", "-journal")


def _create_private(path: Path) -> None:
    """Create the database file 0600 before SQLite does (it would use the umask, 0644);
    SQLite gives the -wal and -shm files the database file's mode."""
    if path.exists():
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        pass
    except OSError as exc:  # read-only folder: sqlite3 reports it in its own words
        log.debug("cannot pre-create %s: %s", path, exc)


def tighten(path: Path) -> None:
    """The database and its -wal/-shm files readable by the owner only (older profiles
    were created 0644). A read-only file system or someone else's file is left alone."""
    for suffix in SUFFIXES:
        file = path.with_name(path.name + suffix)
        try:
            if file.exists() and stat.S_IMODE(file.stat().st_mode) & 0o077:
                file.chmod(PRIVATE_FILE)
        except OSError as exc:
            log.info("cannot make %s private: %s", file, exc)
