"""Which backend a profile's store lives on: its SQLite file, or a team's PostgreSQL server.

A profile folder holding `team.json` ({"dsn": "postgresql://user@host:port/db"}, never a
password) is a team profile: every `Store(profile.db_path)` — the window, the engine, each
CLI verb — then opens the server instead of `inbox.db`, with the password from the OS
keyring (`secrets.team_key(dsn)`). `social-inbox team connect` writes both; `team
disconnect` removes them and the profile is local again (its old `inbox.db`, if any, is
still there).

Only this module and `store/pg.py` know about PostgreSQL; `pg` (and psycopg) is imported on
the first team profile opened.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from inbox.core import settings as core_settings
from inbox.core.errors import ConfigError, StoreKnown
from inbox.profile import TEAM_FILE

if TYPE_CHECKING:
    from inbox.store.pg import PgConnection

SCHEMES = ("postgresql", "postgres")


def team_file(db_path: Path) -> Path:
    return db_path.parent / TEAM_FILE


def dsn_of(db_path: Path) -> str | None:
    """The team server's DSN (without password) if db_path's profile is a team profile."""
    file = team_file(db_path)
    if not file.exists():
        return None
    try:
        dsn = json.loads(file.read_text(encoding="utf-8"))["dsn"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreKnown(
            f"{file} is damaged ({exc}); run `social-inbox team connect` again."
        ) from exc
    return str(dsn)


def laptop_file(db_path: Path) -> Path:
    """A team profile's settings of this computer ("laptop" scope in core.settings: who is
    at the keyboard); the shared database would make every laptop the same person."""
    return db_path.parent / "laptop.json"


def laptop_settings(db_path: Path) -> dict[str, Any]:
    try:
        data = json.loads(laptop_file(db_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, or damaged: defaults; the next write repairs it
        return {}
    return data if isinstance(data, dict) else {}


def save_laptop_settings(db_path: Path, values: dict[str, Any]) -> None:
    data = {**laptop_settings(db_path), **values}
    file = laptop_file(db_path)
    file.parent.mkdir(parents=True, exist_ok=True)
    spare = file.with_suffix(".json.tmp")
    spare.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    spare.replace(file)  # whole or not at all


def split_password(dsn: str) -> tuple[str, str | None]:
    """(the DSN without its password, the password it carried or None).

    Raises:
        ConfigError: not a postgresql:// address with a host and a database name.
    """
    parts = urlsplit(dsn.strip())
    if parts.scheme not in SCHEMES:
        raise ConfigError(
            f"{dsn!r} is not a PostgreSQL address; write postgresql://user@host:port/database"
        )
    if not parts.hostname or parts.path in ("", "/"):
        raise ConfigError(
            "A team server address needs a host and a database: postgresql://user@host:port/database"
        )
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"The port in {dsn!r} is not a number.") from exc
    user = f"{parts.username}@" if parts.username else ""
    netloc = f"{user}{parts.hostname}{f':{port}' if port else ''}"
    clean = urlunsplit(("postgresql", netloc, parts.path, parts.query, ""))
    return clean, parts.password


def save(db_path: Path, dsn: str, password: str | None) -> None:
    """Make the profile a team profile: the DSN into team.json, the password into the keyring."""
    from inbox import secrets  # keyring: ~0.3 s, only when a team profile needs it

    clean, inline = split_password(dsn)
    secret = password if password is not None else inline
    if secret:
        secrets.set_secret(secrets.team_key(clean), secret)
    file = team_file(db_path)
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_suffix(".tmp")
    tmp.write_text(json.dumps({"dsn": clean}) + "\n", encoding="utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(file)


def forget(db_path: Path, *, discard_offline: bool = False) -> str | None:
    """Make the profile local again; returns the DSN it pointed at.

    Raises:
        StoreKnown: changes made offline still wait to reach the server (unless
            discard_offline): disconnecting would leave them behind.
    """
    from inbox import secrets  # keyring: ~0.3 s, only when a team profile needs it
    from inbox.store import journal

    dsn = dsn_of(db_path)
    waiting = sum(journal.waiting_counts(db_path) or (0, 0)) if dsn is not None else 0
    if waiting and not discard_offline:
        raise StoreKnown(
            f"{waiting} change{'s' if waiting != 1 else ''} made offline "
            f"{'have' if waiting != 1 else 'has'} not reached the team server yet. Run "
            "`social-inbox team sync` first, or disconnect with --discard-offline-changes "
            "(they stay in the profile's journal.db, unused). Nothing was changed."
        )
    if dsn is not None:
        secrets.delete_secret(secrets.team_key(dsn))
        team_file(db_path).unlink()
    return dsn


def open_connection(
    dsn: str,
    *,
    password: str | None = None,
    readonly: bool = False,
    migrate_to: int | None = None,
) -> PgConnection:
    """Connect to the team server (password: given, else in the DSN, else the keyring),
    refuse a newer schema, and (for a writer) migrate it to the app's schema."""
    from inbox import secrets  # keyring: ~0.3 s, only when a team profile needs it
    from inbox.store import pg
    from inbox.store.db import MIGRATIONS, SCHEMA_VERSION

    clean, inline = split_password(dsn)
    if password is None:
        password = inline if inline is not None else secrets.get_secret(secrets.team_key(clean))
    conn = pg.connect(clean, password, readonly=readonly)
    try:
        pg.check_version(conn, SCHEMA_VERSION)
        if not readonly:
            pg.migrate(conn, MIGRATIONS, SCHEMA_VERSION if migrate_to is None else migrate_to)
    except BaseException:
        conn.close()
        raise
    return conn


# -- what `team connect|migrate|disconnect` and the window's Team server form both call --


@dataclass(frozen=True)
class Reached:
    """A team server answered a test: where, its schema version, conversations on it."""

    where: str
    version: int
    conversations: int

    def words(self, known: int) -> str:
        if self.version == 0:
            return f"Reached {self.where}: an empty database; Connect sets it up for the team."
        older = " (Connect brings it up to this app's)" if self.version < known else ""
        return (
            f"Reached {self.where}: a team database, schema {self.version}{older}, "
            f"{self.conversations} conversations."
        )


def probe(dsn: str, password: str | None = None) -> Reached:
    """Sign in read-only and look (nothing is changed or saved): "Test connection".

    Raises:
        ConfigError: not a postgresql:// address.
        StoreKnown: unreachable, not PostgreSQL, the sign-in refused, a newer schema.
    """
    from inbox.store import pg

    clean, _ = split_password(dsn)
    conn = open_connection(dsn, password=password, readonly=True)
    try:
        version = pg.schema_version(conn)
        count = 0
        if version:
            count = int(conn.execute("SELECT count(*) FROM conversations").fetchone()[0])
    finally:
        conn.close()
    return Reached(where_of(clean), version, count)


def connect(db_path: Path, dsn: str, password: str | None = None) -> str:
    """Make the profile at db_path a team profile: sign in and bring the server's schema up
    to this app's first; only then the address goes to team.json and the password to the
    keyring (nothing is saved on a failure). Returns where (user@host:port/db).

    Raises:
        ConfigError: not a postgresql:// address; no usable keyring.
        StoreKnown: unreachable, not PostgreSQL, the sign-in refused, a newer schema.
    """
    from inbox import secrets  # keyring: ~0.3 s, only when a team profile needs it

    clean, inline = split_password(dsn)
    secret = password if password is not None else inline
    before = dsn_of(db_path)
    open_connection(clean, password=secret).close()
    save(db_path, clean, secret)
    if before is not None and before != clean:  # moved to another server: forget the old one
        secrets.delete_secret(secrets.team_key(before))
    return where_of(clean)


Progress = Callable[[int, int, str], None]  # (tables done, tables in all, the table)


def migrate(
    db_path: Path, dsn: str, password: str | None = None, progress: Progress | None = None
) -> list[tuple[str, int, int]]:
    """Move the local profile's data to an empty team database (move_profile), then make
    the profile a team profile on it. Returns (table, rows here, rows on the server)."""
    clean, inline = split_password(dsn)
    secret = password if password is not None else inline
    counts = move_profile(db_path, clean, secret, progress=progress)
    save(db_path, clean, secret)
    return counts


# -- moving a local profile to the team server ------------------------------------------

# Tables a new team database may already hold rows in: the day-one rules a first
# `team connect` seeded. A move replaces them with the profile's own.
_REPLACED = ("rules",)


def _local_tables(conn: Any) -> list[str]:
    """The profile's tables in an order that satisfies every foreign key (parents first);
    FTS5's index tables are left out: the server indexes the rows it receives."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name"
        )
    ]
    shadow = {n for n in names for v in names if n != v and n.startswith(f"{v}_")}
    shadow |= {n for n in names if "_fts" in n}
    tables = [n for n in names if n not in shadow]
    parents = {
        t: {r[2] for r in conn.execute(f'PRAGMA foreign_key_list("{t}")')} - {t} for t in tables
    }
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in ordered and parents[t] <= set(ordered)]
        if not ready:
            raise StoreKnown(f"Cannot order the tables for the move: {sorted(parents)}")
        ordered.extend(ready)
    return ordered


def move_profile(
    db_path: Path, dsn: str, password: str | None = None, progress: Progress | None = None
) -> list[tuple[str, int, int]]:
    """Copy every row of the local profile at db_path into the team database at dsn, in one
    transaction; returns (table, rows here, rows on the server) for every table, checked
    equal before the commit (else nothing is written and StoreKnown says which differ).

    Raises:
        StoreKnown: the server already holds a team's data (it refuses to mix two), a
            count differs, or the server cannot be reached / refuses the sign-in.
    """
    from inbox.store import db

    if not db_path.exists():
        raise StoreKnown(f"There is no local profile database at {db_path} to move.")
    local = db.open_connection(db_path)  # brings an older file to this app's schema first
    server = open_connection(dsn, password=password)
    try:
        tables = _local_tables(local)
        on_server = {
            r[0]
            for r in server.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
        }
        missing = [t for t in tables if t not in on_server]
        if missing:
            raise StoreKnown(f"The team database has no table for {', '.join(missing)}.")
        busy = [
            t
            for t in tables
            if t not in _REPLACED and server.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone()
        ]
        if busy:
            raise StoreKnown(
                f"The team database {where_of(dsn)} already holds a team's data (in "
                f"{', '.join(busy[:5])}). A move goes into an empty database; "
                "Connect (`team connect`) joins this team instead. Nothing was changed."
            )
        counts: list[tuple[str, int, int]] = []
        server.execute("BEGIN")
        try:
            for table in _REPLACED:
                server.execute(f'DELETE FROM "{table}"')
            for done, table in enumerate(tables):
                if progress is not None:
                    progress(done, len(tables), table)
                _copy(local, server, table)
            if progress is not None:
                progress(len(tables), len(tables), "")
            for table in tables:
                here = int(local.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
                there = int(server.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
                counts.append((table, here, there))
            wrong = [f"{t} ({h} here, {s} on the server)" for t, h, s in counts if h != s]
            if wrong:
                raise StoreKnown(f"The move did not add up: {', '.join(wrong)}. Nothing was kept.")
            server.execute("COMMIT")
        except BaseException:
            if server.in_transaction:
                server.raw.rollback()
            raise
        # The planner's statistics now, not when autovacuum gets to it: without them a
        # column's first page on the moved data took 130 ms instead of 14.
        server.execute("ANALYZE")
        # Who is at this keyboard stays this laptop's, not the team database's.
        mine = {}
        for key in [n for n, s in core_settings.SETTINGS.items() if s.scope == "laptop"]:
            row = local.execute("SELECT value_json FROM settings WHERE key = ?", (key,)).fetchone()
            if row is not None:
                mine[key] = json.loads(row[0])
        if mine:
            save_laptop_settings(db_path, mine)
        return counts
    finally:
        server.close()
        local.close()


def where_of(dsn: str) -> str:
    from inbox.store import pg

    return pg.where(dsn)


def _copy(local: Any, server: PgConnection, table: str) -> None:
    """COPY the table's rows (the columns both sides have; PostgreSQL's generated ones are
    its own) and move its identity sequence past the copied ids."""
    theirs = [
        r[0]
        for r in server.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema ="
            " current_schema() AND table_name = ? AND is_generated = 'NEVER'",
            (table,),
        )
    ]
    mine = [r[1] for r in local.execute(f'PRAGMA table_info("{table}")')]
    columns = [c for c in mine if c in theirs]
    names = ", ".join(f'"{c}"' for c in columns)
    cursor = server.raw.cursor()
    with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in local.execute(f'SELECT {names} FROM "{table}"'):
            copy.write_row(tuple(row))
    identity = server.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema ="
        " current_schema() AND table_name = ? AND is_identity = 'YES'",
        (table,),
    ).fetchone()
    if identity:
        column = identity[0]
        server.execute(
            f'SELECT setval(pg_get_serial_sequence(?, ?), coalesce(max("{column}"), 0) + 1,'
            f' false) FROM "{table}"',
            (table, column),
        )


def status(db_path: Path) -> tuple[str, int, dict[str, int]] | None:
    """(where, server schema version, rows of accounts/conversations/members) of a team
    profile; None for a local one."""
    dsn = dsn_of(db_path)
    if dsn is None:
        return None
    conn = open_connection(dsn, readonly=True)
    try:
        version = int(conn.execute("SELECT max(version) FROM schema_version").fetchone()[0])
        counts = {
            t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
            for t in ("accounts", "conversations", "members")
        }
    finally:
        conn.close()
    return where_of(dsn), version, counts
