"""Shared fixtures: a real SQLite profile on disk, a fake clock, an in-memory keyring backend."""

from __future__ import annotations

import gc
import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inbox import secrets
from inbox.core.clock import FakeClock
from inbox.core.models import AccountInfo, Contact, Direction, Kind, Message
from inbox.store import Store
from tests.pg import PgServer, PgStartError

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def memory_keyring() -> secrets.MemoryKeyring:
    """Every test gets the real keyring API over an in-memory backend."""
    return secrets.use_memory_backend()


@pytest.fixture(autouse=True)
def collector_thresholds() -> Iterator[None]:
    """A window turns CPython's automatic full collections off (inbox.ui.collector) until
    its session closes; a test that leaves its window open must not leave that behind."""
    was = gc.get_threshold()
    yield
    gc.set_threshold(*was)


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


# -- connectors: a conversation worth pushing, and an engine without its thread -------


class InlineEngine:
    """What outbox handlers use of an Engine (store, clock, publish), run inline in the test."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.clock = store.clock
        self.decide = None  # the profile's stored rules
        self.events: list[object] = []

    def publish(self, event: object) -> None:
        self.events.append(event)


@pytest.fixture
def inline_engine(store: Store) -> InlineEngine:
    return InlineEngine(store)


@pytest.fixture
def conversation(store: Store, clock: FakeClock) -> int:
    """A Mastodon conversation: a question, our answer, and the customer's thanks."""
    account = store.add_account(AccountInfo("mastodon", "social.example", "1", "teashop", "Tea"))
    bob = Contact(
        "mastodon",
        "bob-1",
        "bob@fosstodon.org",
        "Bob Smith",
        profile_url="https://fosstodon.org/@bob",
    )
    shop = Contact("mastodon", "1", "teashop", "Tea", profile_url="https://social.example/@teashop")

    def msg(rid: str, author: Contact, text: str, minutes_ago: float, d: Direction) -> Message:
        return Message(
            remote_id=rid,
            conversation_key="thread-1",
            kind=Kind.MENTION,
            author=author,
            text=text,
            created_at=clock.now() - timedelta(minutes=minutes_ago),
            url=f"https://social.example/@x/{rid}",
            direction=d,
        )

    store.ingest.messages(
        account.id,
        [
            msg("101", bob, "@teashop where is my order 42? It has been a week.", 30, Direction.IN),
            msg("102", shop, "@bob@fosstodon.org Sorry Bob! It ships tomorrow.", 20, Direction.OUT),
        ],
    )
    return int(store.query("SELECT id FROM conversations")[0][0])


@pytest.fixture
def add_followup(store: Store, clock: FakeClock) -> Callable[[str], None]:
    def add(text: str) -> None:
        account_id = int(store.query("SELECT id FROM accounts")[0][0])
        store.ingest.messages(
            account_id,
            [
                Message(
                    remote_id=f"f{next(_counter)}",
                    conversation_key="thread-1",
                    kind=Kind.MENTION,
                    author=Contact("mastodon", "bob-1", "bob@fosstodon.org", "Bob Smith"),
                    text=text,
                    created_at=clock.now(),
                )
            ],
        )

    return add


# -- PostgreSQL (team profiles): one throwaway cluster per session, a fresh database per test --


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL cluster on a random loopback port (tests/servers/pg.sh), started on first
    use, stopped at the end of the session. It installs Debian's postgresql when missing; if
    it cannot start, every test that asks for it FAILS with pg.sh's reason."""
    try:
        server = PgServer.start()
    except PgStartError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_dsn(pg_server: PgServer) -> Iterator[str]:
    """A DSN (with the password) of a new, empty database on the session's cluster; dropped
    after the test. Two Stores opened on it are two laptops of one team."""
    dsn = pg_server.fresh_database()
    yield dsn
    pg_server.drop_database(dsn)
