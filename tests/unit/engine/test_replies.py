"""Queueing replies: placeholders never go out, one key gives one row."""

from __future__ import annotations

from pathlib import Path

import pytest

from inbox.core.errors import ConfigError
from inbox.engine import Engine
from inbox.engine.replies import queue_reply


@pytest.fixture
def engine(tmp_path: Path, clock):
    e = Engine(tmp_path / "inbox.db", clock=clock)
    e.start()
    yield e
    e.stop()


@pytest.fixture
def conversation(engine, account_info, make_message) -> int:
    def run(e: Engine) -> int:
        account = e.store.add_account(account_info)
        changed = e.store.ingest.messages(account.id, [make_message()], e.decide)
        return next(iter(changed.conversations))

    return engine.call(run)


def test_same_key_queues_once(engine, conversation) -> None:
    first = engine.call(lambda e: queue_reply(e, conversation, "Thanks!", "reply-k1"))
    again = engine.call(lambda e: queue_reply(e, conversation, "Thanks!", "reply-k1"))
    assert first.id == again.id
    rows = engine.call(lambda e: e.store.query("SELECT count(*) FROM outbox"))
    assert rows[0][0] == 1


@pytest.mark.parametrize("text", ["", "   ", "Your ticket {ticket.id}", "Hi {author.name}"])
def test_empty_or_placeholders_are_refused(engine, conversation, text) -> None:
    with pytest.raises(ConfigError):
        engine.call(lambda e: queue_reply(e, conversation, text, "reply-k2"))
    rows = engine.call(lambda e: e.store.query("SELECT count(*) FROM outbox"))
    assert rows[0][0] == 0
