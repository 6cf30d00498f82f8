"""Sync batching: pages commit together, the cursor moves with each commit, errors keep data."""

from __future__ import annotations

from pathlib import Path

import pytest

from inbox.core.errors import NetworkError
from inbox.core.events import Changed
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


class FailsOnCall(ReplayAdapter):
    """Replays, then loses the network on the nth fetch."""

    def __init__(self, *args, fail_on: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.calls = 0
        self.fail_on = fail_on

    async def fetch(self, stream, cursor):
        self.calls += 1
        if self.calls == self.fail_on:
            raise NetworkError("offline")
        return await super().fetch(stream, cursor)


def count(engine: Engine) -> int:
    return engine.call(lambda e: e.store.query("SELECT count(*) FROM messages")[0][0])


def test_pages_fetched_back_to_back_commit_as_one(engine, account_info, make_message) -> None:
    events: list = []
    engine.subscribe(events.append)
    account = engine.call(lambda e: e.store.add_account(account_info))
    messages = [make_message(key=f"k{i}") for i in range(25)]

    def attach(e):
        e.adapters[account.id] = ReplayAdapter(account_info, {MENTIONS: messages}, page_size=10)
        return sync_account(e, account.id)

    engine.call(attach)
    changes = [ev for ev in events if isinstance(ev, Changed)]
    assert len(changes) == 1 and len(changes[0].conversations) == 25
    assert engine.call(lambda e: e.store.cursor(account.id, MENTIONS)) == "25"


def test_a_network_error_mid_batch_keeps_what_arrived(engine, account_info, make_message):
    account = engine.call(lambda e: e.store.add_account(account_info))
    messages = [make_message(key=f"k{i}") for i in range(25)]

    def attach(e):
        e.adapters[account.id] = FailsOnCall(
            account_info, {MENTIONS: messages}, page_size=10, fail_on=3
        )
        return sync_account(e, account.id)

    with pytest.raises(NetworkError):
        engine.call(attach)
    assert count(engine) == 20
    assert engine.call(lambda e: e.store.cursor(account.id, MENTIONS)) == "20"
    assert engine.call(lambda e: e.store.account(account.id).status) == "offline"
    engine.call(lambda e: sync_account(e, account.id))  # back online: the rest, once
    assert count(engine) == 25


def test_a_page_that_fails_to_store_leaves_no_items_and_no_cursor(
    engine, account_info, make_message
) -> None:
    account = engine.call(lambda e: e.store.add_account(account_info))
    messages = [make_message(key=f"k{i}", text="boom" if i == 7 else "fine") for i in range(10)]

    def explode(message):
        if message.text == "boom":
            raise RuntimeError("a rule crashed")
        from inbox.core.rules import default_decide

        return default_decide(message)

    def attach(e):
        e.decide = explode
        e.adapters[account.id] = ReplayAdapter(account_info, {MENTIONS: messages})
        return sync_account(e, account.id)

    with pytest.raises(RuntimeError):
        engine.call(attach)
    assert count(engine) == 0
    assert engine.call(lambda e: e.store.cursor(account.id, MENTIONS)) is None


def test_a_long_sync_commits_its_first_batch_early_then_larger_ones(
    engine, account_info, make_message, monkeypatch
) -> None:
    """The first batch is BATCH_ITEMS (the deck shows something soon); each later one
    doubles up to MAX_BATCH_ITEMS (the rules decide a conversation once per batch)."""
    from inbox.engine import sync

    monkeypatch.setattr(sync, "BATCH_ITEMS", 10)
    monkeypatch.setattr(sync, "MAX_BATCH_ITEMS", 40)
    events: list = []
    engine.subscribe(events.append)
    account = engine.call(lambda e: e.store.add_account(account_info))
    messages = [make_message(key=f"k{i}") for i in range(150)]

    def attach(e):
        e.adapters[account.id] = ReplayAdapter(account_info, {MENTIONS: messages}, page_size=10)
        return sync_account(e, account.id)

    engine.call(attach)
    changes = [ev for ev in events if isinstance(ev, Changed)]
    assert [len(c.conversations) for c in changes] == [10, 20, 40, 40, 40]
    assert count(engine) == 150
