"""Exactly one sender per row, two engines racing in one process, on both backends.

Two engines (two laptops) on one database — a SQLite file, or a team's PostgreSQL
database on the session's throwaway cluster (rows claimed with FOR UPDATE SKIP LOCKED) —
each with the real Mastodon adapter to one loopback Mastodon, both delivery loops
running. 40 replies queued by both: every one reaches the server exactly once (no
second POST answered from the idempotency cache), every row is done.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from inbox.core.clock import SystemClock
from inbox.core.models import AccountInfo, Contact, Kind, Message
from inbox.engine import Engine, loops
from inbox.networks import registry
from inbox.store import Store
from inbox.store import team as team_profile
from tests.servers.mastodon_statuses import TOKEN, StatusServer

REPLIES = 40
SETTINGS = loops.LoopSettings(stream=False, outbox_interval=0.05)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    path = tmp_path / "inbox.db"
    if request.param == "postgresql":
        team_profile.save(path, request.getfixturevalue("pg_dsn"), None)
    return path


@pytest.fixture
def server() -> Iterator[StatusServer]:
    s = StatusServer(delay=0.01).start()
    yield s
    s.stop()


def test_two_engines_racing_send_every_reply_once(db: Path, server: StatusServer) -> None:
    store = Store(db, clock=SystemClock())
    account = store.add_account(AccountInfo("mastodon", server.url, "1", "shop"))
    customer = Contact("mastodon", "900", "customer@elsewhere.test", "Customer")
    mention = Message("777", "c-777", Kind.MENTION, customer, "help?", SystemClock().now())
    [conversation] = store.ingest.messages(account.id, [mention]).conversations
    is_pg = store.dialect.name != "sqlite"
    engines = [Engine(db, clock=SystemClock()) for _ in range(2)]
    try:
        for engine in engines:
            engine.start()

            def connect(e: Engine) -> None:
                a = e.store.account(account.id)
                e.adapters[a.id] = registry.adapter_factory("mastodon")(a, TOKEN, clock=e.clock)

            engine.call(connect)
        for engine in engines:
            engine.call(lambda e: bool(loops.start(e, SETTINGS)))
        for n in range(REPLIES):  # queued by both laptops, while both deliver

            def queue(e: Engine, n: int = n) -> None:
                e.store.outbox.enqueue(
                    "reply",
                    f"reply-{n}",
                    {"text": f"reply number {n}", "actor": "Sam"},
                    account_id=account.id,
                    conversation_id=conversation,
                    queued_by=e.holder,
                )
                e.delivery_wake.set()

            engines[n % 2].call(queue)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            left = store.query("SELECT count(*) FROM outbox WHERE status != 'done'")[0][0]
            if not left:
                break
            time.sleep(0.1)
        rows = store.query("SELECT status, claimed_by FROM outbox")
    finally:
        for engine in engines:
            engine.stop()
        store.close()
    texts = [re.sub(r"^(@\S+\s+)+", "", s["content"]) for s in server.record.statuses]
    assert not [t for t, k in Counter(texts).items() if k > 1], "a reply arrived twice"
    assert sorted(texts) == sorted(f"reply number {n}" for n in range(REPLIES))
    assert server.record.replays == 0, f"{server.record.replays} rows were sent twice"
    assert {r[0] for r in rows} == {"done"}
    print(f"\n{'postgresql' if is_pg else 'sqlite'}: rows per engine "
          f"{sorted(Counter(r[1] for r in rows).values())}")  # fmt: skip
