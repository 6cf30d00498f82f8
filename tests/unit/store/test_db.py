"""Opening, migrating and refusing profile databases."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from inbox.core.errors import StoreKnown
from inbox.store import SCHEMA_VERSION, Store
from inbox.store.db import MIGRATIONS, open_connection


def test_new_file_gets_the_current_schema_in_wal_mode(tmp_path: Path) -> None:
    store = Store(tmp_path / "inbox.db")
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"accounts", "conversations", "messages", "outbox", "audit_log"} <= set(
        store.db.table_names()
    )
    store.close()


@pytest.mark.parametrize("start", range(1, SCHEMA_VERSION + 1))
def test_every_earlier_version_upgrades_in_place_keeping_data(tmp_path: Path, start: int) -> None:
    path = tmp_path / "inbox.db"
    conn = open_connection(path, migrate_to=start)
    conn.execute(
        "INSERT INTO accounts (network, remote_id, handle, created_at)"
        " VALUES ('x', '1', 'kept', '')"
    )
    conn.close()
    store = Store(path)
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert [a.handle for a in store.accounts()] == ["kept"]
    store.close()


def test_file_from_a_newer_app_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "inbox.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreKnown, match="newer Social Inbox"):
        Store(path)
    assert path.read_bytes() == before


def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "inbox.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreKnown, match=r"damaged|not a database"):
        Store(path)
    assert path.read_bytes() == b"this is not sqlite" * 100


def test_migrations_are_numbered_without_gaps() -> None:
    assert [v for v, _, _ in MIGRATIONS] == list(range(1, SCHEMA_VERSION + 1))


def test_0007_keeps_the_scores_the_rules_read(tmp_path: Path) -> None:
    """Eagerly stored scores move to the lazy column for the messages the rules read."""
    path = tmp_path / "inbox.db"
    conn = open_connection(path, migrate_to=6)
    conn.executescript(
        """
        INSERT INTO accounts (id, network, remote_id, handle, created_at)
            VALUES (1, 'x', '1', 'shop', '');
        INSERT INTO conversations (id, account_id, key, kind, first_message_at,
            last_message_at, last_inbound_id) VALUES (1, 1, 'k', 'mention', '', '', 2);
        INSERT INTO messages (id, account_id, conversation_id, remote_id, kind, created_at,
            sentiment) VALUES (1, 1, 1, 'a', 'mention', '1', 0.5),
                              (2, 1, 1, 'b', 'mention', '2', -0.7);
        """
    )
    conn.close()
    store = Store(path)
    rows = store.query("SELECT id, sentiment_score FROM messages ORDER BY id")
    assert [tuple(r) for r in rows] == [(1, None), (2, -0.7)]
    store.close()
