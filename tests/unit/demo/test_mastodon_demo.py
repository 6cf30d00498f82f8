"""The demo's Mastodon account: real API payload shapes, replayed through the real adapter."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from inbox.demo import load_raw, seed
from inbox.engine import Engine
from inbox.networks.base import MENTIONS, Outgoing
from inbox.networks.mastodon import MastodonAdapter
from inbox.networks.mastodon import demo as mastodon_api
from inbox.networks.mastodon.mapping import id_key


def test_the_recording_becomes_mastodon_payloads() -> None:
    api = mastodon_api.to_api(load_raw("mastodon.json"))
    notes = api["notifications"]
    assert notes and {n["type"] for n in notes} <= {"mention", "quote"}
    ids = [n["id"] for n in notes]
    assert ids == sorted(ids, key=id_key)  # they grow with time, like the server's
    created = [n["created_at"] for n in notes]
    assert created == sorted(created)
    direct = [n for n in notes if n["status"]["visibility"] == "direct"]
    assert direct and all(n["status"]["account"]["acct"] for n in direct)
    replies = [s for s, ctx in api["contexts"].items() if ctx["ancestors"]]
    assert replies
    assert api["account"]["id"] == load_raw("mastodon.json")["account"]["remote_id"]


@pytest.fixture
def engine(tmp_path: Path, clock):
    e = Engine(tmp_path / "inbox.db", clock=clock)
    e.start()
    yield e
    e.stop()


def test_the_demo_syncs_mastodon_through_the_adapter_and_replies_once(engine) -> None:
    seed(engine)

    def check(e: Engine):
        [account] = [a for a in e.store.accounts() if a.network == "mastodon"]
        adapter = e.adapters[account.id]
        cursor = json.loads(e.store.cursor(account.id, MENTIONS))
        keys = {r[0] for r in e.store.query(
            "SELECT key FROM conversations WHERE account_id = ?", (account.id,)
        )}  # fmt: skip
        return adapter, cursor, keys

    adapter, cursor, keys = engine.call(check)
    assert isinstance(adapter, MastodonAdapter)
    assert cursor["newest"] and cursor["backfill"] is None
    assert all(k.startswith(("thread:", "dm:")) for k in keys)
    assert any(k.startswith("dm:") for k in keys)

    async def reply_twice() -> tuple[str, str]:
        once = await adapter.send(Outgoing(text="Thanks!", idempotency_key="demo-1"))
        again = await adapter.send(Outgoing(text="Thanks!", idempotency_key="demo-1"))
        return once.remote_id, again.remote_id

    first, second = asyncio.run(reply_twice())
    assert first == second
