"""Shared fixtures: a real SQLite profile on disk, a fake clock, an in-memory keyring backend."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inbox import secrets
from inbox.core.clock import FakeClock
from inbox.core.models import AccountInfo, Contact, Direction, Kind, Message
from inbox.store import Store

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def memory_keyring() -> secrets.MemoryKeyring:
    """Every test gets the real keyring API over an in-memory backend."""
    return secrets.use_memory_backend()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    s = Store(tmp_path / "inbox.db", clock=clock)
    yield s
    s.close()


@pytest.fixture
def account_info() -> AccountInfo:
    return AccountInfo("replay", "demo.test", "1", "shop", "The Tea Shop")


_counter = itertools.count(1)


@pytest.fixture
def make_message(clock: FakeClock) -> Callable[..., Message]:
    def make(
        remote_id: str | None = None,
        *,
        key: str = "c1",
        text: str = "Hello there",
        kind: Kind = Kind.MENTION,
        author: str = "alice",
        direction: Direction = Direction.IN,
        minutes_ago: float = 0,
    ) -> Message:
        return Message(
            remote_id=remote_id or str(next(_counter)),
            conversation_key=key,
            kind=kind,
            author=Contact("replay", f"id-{author}", author, author.title()),
            text=text,
            created_at=clock.now() - timedelta(minutes=minutes_ago),
            direction=direction,
        )

    return make
