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
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from inbox import secrets
from inbox.core.errors import ConfigError, StoreKnown

if TYPE_CHECKING:
    from inbox.store.pg import PgConnection

TEAM_FILE = "team.json"
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


def forget(db_path: Path) -> str | None:
    """Make the profile local again; returns the DSN it pointed at."""
    dsn = dsn_of(db_path)
    if dsn is not None:
        secrets.delete_secret(secrets.team_key(dsn))
        team_file(db_path).unlink()
    return dsn


def open_connection(
    dsn: str, *, readonly: bool = False, migrate_to: int | None = None
) -> PgConnection:
    """Connect to the team server (password from the DSN, else the keyring), refuse a newer
    schema, and (for a writer) migrate it to the app's schema."""
    from inbox.store import pg
    from inbox.store.db import MIGRATIONS, SCHEMA_VERSION

    clean, inline = split_password(dsn)
    password = inline if inline is not None else secrets.get_secret(secrets.team_key(clean))
    conn = pg.connect(dsn if inline is not None else clean, password, readonly=readonly)
    try:
        pg.check_version(conn, SCHEMA_VERSION)
        if not readonly:
            pg.migrate(conn, MIGRATIONS, SCHEMA_VERSION if migrate_to is None else migrate_to)
    except BaseException:
        conn.close()
        raise
    return conn
