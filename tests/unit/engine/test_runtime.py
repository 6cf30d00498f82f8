"""The engine: commands and events across threads, sync through the adapter protocol."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from inbox.core.events import Changed
from inbox.core.models import ColumnFilter
from inbox.engine import Engine
from inbox.engine.sync import sync_account
from inbox.networks.base import MENTIONS
from inbox.networks.replay import ReplayAdapter


@pytest.fixture
def engine(tmp_path: Path, clock):
    e = Engine(tmp_path / "inbox.db", clock=clock)
    e.start()
    yield e
    e.stop()


def test_commands_run_on_the_engine_thread(engine) -> None:
    caller = threading.current_thread()
    ran_on = engine.call(lambda e: threading.current_thread())
    assert ran_on is not caller and ran_on.name == "inbox-engine"


def test_writer_store_refuses_other_threads(engine) -> None:
    with pytest.raises(RuntimeError, match="engine thread"):
        _ = engine.store


def test_sync_stores_pages_publishes_changes_and_advances_the_cursor(
    engine, account_info, make_message
) -> None:
    events = []
    engine.subscribe(events.append)
    messages = [make_message(key=f"k{i}") for i in range(25)]
    account = engine.call(lambda e: e.store.add_account(account_info))

    def attach(e):
        e.adapters[account.id] = ReplayAdapter(account_info, {MENTIONS: messages}, page_size=10)
        return sync_account(e, account.id, batch_items=10)  # commit every page

    total = engine.call(attach)
    assert len(total.conversations) == 25
    assert sum(1 for ev in events if isinstance(ev, Changed)) == 3  # one per page
    assert engine.call(lambda e: e.store.cursor(account.id, MENTIONS)) == "25"
    assert engine.call(lambda e: sync_account(e, account.id)) == Changed()
    count = engine.call(lambda e: e.store.conversations.count(ColumnFilter()))
    assert count == 25


def test_a_second_engine_on_a_newer_file_fails_to_start_with_the_store_error(tmp_path) -> None:
    import sqlite3

    from inbox.core.errors import StoreKnown
    from inbox.store import SCHEMA_VERSION, Store

    Store(tmp_path / "inbox.db").close()
    conn = sqlite3.connect(tmp_path / "inbox.db")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StoreKnown):
        Engine(tmp_path / "inbox.db").start()
