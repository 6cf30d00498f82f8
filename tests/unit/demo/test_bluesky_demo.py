"""The demo's Bluesky account: lexicon payload shapes, replayed through the real adapter."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

import pytest

from inbox.demo import load_raw, seed
from inbox.engine import Engine
from inbox.networks.base import DMS, MENTIONS, Outgoing
from inbox.networks.bluesky import BlueskyAdapter
from inbox.networks.bluesky import demo as bluesky_api


def test_the_recording_becomes_bluesky_payloads() -> None:
    api = bluesky_api.to_api(load_raw("bluesky.json"))
    notes = api["notifications"]
    assert {n["reason"] for n in notes} == {"mention", "reply", "quote"}
    assert all(n["uri"].startswith("at://did:") and n["record"]["createdAt"] for n in notes)
    replies = [n for n in notes if "reply" in n["record"]]
    assert replies and all(n["uri"] in api["threads"] for n in notes)
    parent = api["threads"][replies[0]["uri"]].get("parent")
    assert parent and parent["post"]["uri"] == replies[0]["record"]["reply"]["parent"]["uri"]
    assert api["convos"] and all(len(c["members"]) >= 2 for c in api["convos"])


@pytest.fixture
def engine(tmp_path: Path, clock):
    e = Engine(tmp_path / "inbox.db", clock=clock)
    e.start()
    yield e
    e.stop()


def test_the_demo_syncs_bluesky_through_the_adapter(engine) -> None:
    seed(engine)
    raw = load_raw("bluesky.json")

    def check(e: Engine):
        [account] = [a for a in e.store.accounts() if a.network == "bluesky"]
        rows = e.store.query(
            "SELECT key, kind FROM conversations WHERE account_id = ?", (account.id,)
        )
        return (
            e.adapters[account.id],
            e.store.cursor(account.id, MENTIONS),
            e.store.cursor(account.id, DMS),
            rows,
        )

    adapter, mentions, dms, rows = engine.call(check)
    assert isinstance(adapter, BlueskyAdapter)
    assert json.loads(mentions)["hw"] and json.loads(dms)["log"]
    keys = [r[0] for r in rows]
    assert all(k.startswith(("thread:at://", "dm:")) for k in keys)
    kinds = Counter(r[1] for r in rows)
    assert kinds["dm"] == len({i["conversation"] for i in raw["streams"]["dms"]})
    assert kinds["quote"] and kinds["reply"] and kinds["mention"]

    async def reply_twice() -> tuple[str, str]:
        once = await adapter.send(Outgoing(text="Thanks! 🍵", idempotency_key="demo-1"))
        again = await adapter.send(Outgoing(text="Thanks! 🍵", idempotency_key="demo-1"))
        return once.remote_id, again.remote_id

    once, again = asyncio.run(reply_twice())
    assert once == again and once.startswith("at://")
