"""A team profile's store on PostgreSQL: a connection that speaks like sqlite3's.

The repositories call `conn.execute(sql, params)`, `executemany`, `fetchone`/`fetchall`,
read rows by index or by name, and ask `conn.in_transaction`, as with sqlite3. `PgConnection`
gives them exactly that over psycopg 3, rewriting each statement through
`dialect.POSTGRES.sql()` and turning every psycopg error into the store's error tree
(`translate`) with words the user can act on.

psycopg is imported here only, and this module only when a profile is a team profile
(`store.team`), so a local profile's start-up never pays for it (~0.3 s on a quiet machine).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import errors as pg_errors
from psycopg.adapt import Loader
from psycopg.pq import TransactionStatus
from psycopg.types.numeric import IntDumper

from inbox.core.errors import ServerUnreachable, StoreBug, StoreError, StoreKnown
from inbox.store.dialect import POSTGRES

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10  # seconds: an unreachable server says so instead of hanging the app
# Migrations of one database by two laptops at once take turns on this advisory lock.
MIGRATION_LOCK = 0x1B0C_0016


def where(dsn: str) -> str:
    """The DSN as the user may see it: user@host:port/db, never the password."""
    parts = urlsplit(dsn)
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return f"{user}{parts.hostname or 'localhost'}{port}{parts.path or '/'}"


# -- rows and types as sqlite3 gives them --------------------------------------------


class Row(tuple):  # type: ignore[type-arg]
    """A result row read by index (`row[0]`) or by name (`row["id"]`), like sqlite3.Row."""

    __slots__ = ()
    _index: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


def _row_factory(cursor: psycopg.Cursor[Any]) -> Any:
    names = [c.name for c in cursor.description or ()]
    index = {name: i for i, name in reversed(list(enumerate(names)))}  # first one wins
    cls = type("Row", (Row,), {"__slots__": (), "_index": index})
    return lambda values: cls(values)


class _NumberLoader(Loader):
    """numeric (sum() and avg() of integers) as int or float, never Decimal: JSON and
    arithmetic with floats work as they do on SQLite."""

    def load(self, data: Any) -> Any:
        number = Decimal(bytes(data).decode())
        return int(number) if number == number.to_integral_value() else float(number)


class _BoolDumper(IntDumper):
    """True/False into the 0/1 INTEGER columns SQLite's schema uses."""

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


# -- errors ----------------------------------------------------------------------------


# What libpq says when the other end of the socket speaks another protocol (a web server,
# SSH, …) during the start-up handshake.
_FOREIGN = (
    "invalid response to ssl negotiation",
    "expected authentication request",
    "unexpected message type",
    "invalid message format",
)


def _not_postgres(lowered: str) -> bool:
    return any(words in lowered for words in _FOREIGN)


def translate(exc: Exception, dsn: str = "") -> StoreError:
    """A psycopg error as the store's error, in words the user can act on."""
    place = where(dsn) if dsn else "the team server"
    text = str(exc).strip()
    lowered = text.lower()
    state = getattr(exc, "sqlstate", None) or ""
    if (
        state in ("28P01", "28000")
        or "password authentication failed" in lowered
        or ("no password supplied" in lowered)
    ):
        return StoreKnown(
            f"The team server {place} refused the sign-in (wrong user or password). "
            "Connect again with the right password (File › Team server…, or "
            "`social-inbox team connect`)."
        )
    if state == "3D000" or ("database" in lowered and "does not exist" in lowered):
        return StoreKnown(f"The database of {place} does not exist on the server: {text}")
    if state == "42501":
        return StoreKnown(f"The team server {place} does not allow this user to do that: {text}")
    if state in ("40001", "40P01"):
        return StoreKnown(f"The team server {place} is busy with a colleague's change. Retry.")
    if state == "53100":
        return StoreKnown(f"The team server {place} is out of disk space. Ask its administrator.")
    if isinstance(exc, psycopg.OperationalError) and not state and _not_postgres(lowered):
        return StoreKnown(
            f"Something answers at {place}, but it is not a PostgreSQL server ("
            f"{text.splitlines()[0].rsplit(': ', 1)[-1]}). Check the port: PostgreSQL's is "
            "usually 5432."
        )
    if isinstance(exc, psycopg.OperationalError) and not state:
        reason = text.splitlines()[0] if text else repr(exc)
        return ServerUnreachable(
            f"The team server {place} cannot be reached: {reason}. "
            "Check the address and your connection."
        )
    if state.startswith("08") or isinstance(exc, pg_errors.AdminShutdown):
        return ServerUnreachable(f"The connection to the team server {place} was lost: {text}")
    if state == "23505":  # worded as SQLite words it, which the repositories recognise
        return StoreBug(f"UNIQUE constraint failed ({place}): {text}")
    return StoreBug(f"Store error ({place}): {text}")


# -- the connection ------------------------------------------------------------------


class PgConnection:
    """What the store uses of sqlite3.Connection, on a psycopg connection (autocommit, with
    explicit BEGIN/COMMIT as the store issues them)."""

    dialect = POSTGRES

    def __init__(self, raw: psycopg.Connection[Any], dsn: str) -> None:
        self.raw = raw
        self.dsn = dsn
        self._changes = itertools.count(1)
        self._data_version = itertools.count(1)

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    @property
    def total_changes(self) -> int:
        """sqlite3's counter of rows written; here it moves on every statement, so caches
        keyed on it (queries' match sets) are rebuilt rather than trusted."""
        return next(self._changes)

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        pragma = sql.strip().upper()
        if pragma.startswith("PRAGMA"):
            return self._pragma(pragma)
        text = POSTGRES.sql(sql)
        try:
            cursor = self.raw.cursor()  # a closed connection raises here already
            # psycopg prepares a statement run 5 times, and the server then may keep one
            # generic plan for it. A full-text match's best plan depends on how common its
            # words are (walk the column, or start from the GIN index), which a generic plan
            # cannot know: measured, a generic plan made a rare word's search 2x and a
            # three-word one's 2.3x slower. Those statements are planned per call.
            cursor.execute(text, _params(params), prepare=False if "@@" in text else None)
        except psycopg.Error as exc:
            raise translate(exc, self.dsn) from exc
        return cursor

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> Any:
        try:
            cursor = self.raw.cursor()
            cursor.executemany(POSTGRES.sql(sql), [_params(p) for p in seq])
        except psycopg.Error as exc:
            raise translate(exc, self.dsn) from exc
        return cursor

    def executescript(self, sql: str) -> None:
        try:
            self.raw.execute(sql.encode())  # several statements, no parameters
        except psycopg.Error as exc:
            raise translate(exc, self.dsn) from exc

    def _pragma(self, pragma: str) -> Any:
        """The PRAGMAs the store reads; PostgreSQL keeps no such settings."""
        if "DATA_VERSION" in pragma:
            return _Result([(next(self._data_version),)])
        if "USER_VERSION" in pragma:
            return _Result([(schema_version(self),)])
        return _Result([])

    def close(self) -> None:
        self.raw.close()


def _params(params: Sequence[Any] | dict[str, Any]) -> Sequence[Any] | dict[str, Any]:
    return params if isinstance(params, dict) else list(params)


class _Result:
    """A finished cursor for the emulated PRAGMAs."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self._rows = rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return list(self._rows)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._rows)


def connect(dsn: str, password: str | None = None, *, readonly: bool = False) -> PgConnection:
    """Open a connection (not migrated); raises StoreKnown with the reason it cannot."""
    options: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT, "autocommit": True}
    if password is not None:
        options["password"] = password
    try:
        raw = psycopg.connect(dsn, row_factory=_row_factory, **options)
    except psycopg.Error as exc:
        raise translate(exc, dsn) from exc
    raw.adapters.register_loader("numeric", _NumberLoader)
    raw.adapters.register_dumper(bool, _BoolDumper)
    conn = PgConnection(raw, dsn)
    if readonly:
        conn.execute("SET default_transaction_read_only = on")
    return conn


# -- schema version and migrations ----------------------------------------------------


def schema_version(conn: PgConnection) -> int:
    row = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0
    found = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(found[0] or 0) if found else 0


def check_version(conn: PgConnection, known: int) -> int:
    """The server's schema version; refuses a database written by a newer app."""
    version = schema_version(conn)
    if version > known:
        raise StoreKnown(
            f"The team database {where(conn.dsn)} was written by a newer Social Inbox "
            f"(schema {version}, this app knows up to {known}). Update the app; nothing "
            "was changed on the server."
        )
    return version


def migrate(conn: PgConnection, migrations: Sequence[tuple[int, str, str]], target: int) -> int:
    """Apply every migration above the server's version up to target, each in one
    transaction; laptops starting at once take turns (an advisory lock) and the later one
    finds the work done."""
    current = check_version(conn, len(migrations))
    if current >= target:
        return current
    for version, name, sql in migrations:
        if not current < version <= target:
            continue
        conn.execute("BEGIN")
        try:
            conn.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY,"
                " name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            if schema_version(conn) >= version:  # another laptop did it meanwhile
                conn.execute("COMMIT")
                current = version
                continue
            log.info("migrating %s to %s", where(conn.dsn), name)
            conn.executescript(POSTGRES.migration(sql))
            conn.execute(
                "INSERT INTO schema_version (version, name) VALUES (?, ?)", (version, name)
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.raw.execute("ROLLBACK")
            raise
        current = version
    return current
