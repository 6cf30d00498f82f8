"""One delivery loop, woken on enqueue: a reply queued while online leaves at once.

The real engine, its real delivery loop (loops.start) and the real Mastodon adapter
send to the shared fake Mastodon on a loopback socket (a random port). The loop's own
round is set to an hour, so the reply can only arrive within the wait below if
queueing woke the loop.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from inbox.core.clock import SystemClock
from inbox.core.models import AccountInfo
from inbox.engine import Engine, loops
from inbox.engine.replies import queue_reply
from inbox.networks import registry
from tests.servers.mastodon_statuses import TOKEN, StatusServer


def sent(server: StatusServer, timeout: float) -> bool:
    with server.record.seen:
        return server.record.seen.wait_for(lambda: bool(server.record.statuses), timeout)


@pytest.fixture
def server():
    s = StatusServer(delay=0).start()
    yield s
    s.stop()


def test_a_reply_queued_while_online_is_sent_without_waiting_for_a_round(
    tmp_path: Path, server: StatusServer, make_message
) -> None:
    engine = Engine(tmp_path / "inbox.db", clock=SystemClock())
    engine.start()
    try:

        def setup(e: Engine) -> int:
            # Only the delivery loop runs (no account is connected yet when it starts).
            loops.start(e, loops.LoopSettings(stream=False, outbox_interval=3600))
            account = e.store.add_account(AccountInfo("mastodon", server.url, "1", "shop"))
            changed = e.store.ingest.messages(account.id, [make_message()], e.decide)
            factory = registry.adapter_factory("mastodon")
            e.adapters[account.id] = factory(account, TOKEN, clock=e.clock)
            return next(iter(changed.conversations))

        conversation = engine.call(setup)
        assert not sent(server, timeout=0.5)  # idle: the loop sleeps for its hour
        engine.call(lambda e: queue_reply(e, conversation, "On its way!", "reply-wake-1"))
        assert sent(server, timeout=10), "the queued reply did not leave"
        [status] = server.record.statuses
        assert status["content"].endswith("On its way!")
        assert status["idempotency_key"]  # sent with a key, so a retry cannot double it
        for _ in range(200):  # the row is marked done right after the server answered
            if not engine.call(lambda e: e.store.outbox.pending()):
                break
            time.sleep(0.05)
        assert engine.call(lambda e: e.store.outbox.pending()) == []
    finally:
        engine.stop()
