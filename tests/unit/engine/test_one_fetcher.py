"""One fetcher per account: two engines (two laptops) on one database elect one fetcher
through the account's lease; when it vanishes, the other takes over from the cursor the
first stored, with no gap and no duplicate.

On both backends (two engines on one SQLite file; on one team PostgreSQL database).
Real engines, their real account loops and the real Mastodon adapter against the shared
fake Mastodon on a loopback socket. Each engine's HTTP client records its own requests,
so the test sees which laptop asked the server for what. Lease times are shortened (the
product's are 45 s / 15 s beats); the vanishing is a crash: the first engine's loops stop
without handing anything back, so only the lease's expiry frees the account.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from inbox.core.clock import SystemClock
from inbox.core.models import AccountInfo
from inbox.engine import Engine, loops, team
from inbox.networks import registry
from inbox.store import Store
from inbox.store import team as team_profile
from tests.networks.mastodon.fake import TOKEN, FakeMastodon
from tests.servers.mastodon_loopback import LoopbackMastodon

SETTINGS = loops.LoopSettings(poll_interval=0.1, max_poll_interval=0.2, stream=False,
                              outbox_interval=3600)  # fmt: skip


def wait(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """One database for both laptops: a SQLite file, or a team profile's PostgreSQL."""
    path = tmp_path / "inbox.db"
    if request.param == "postgresql":
        team_profile.save(path, request.getfixturevalue("pg_dsn"), None)
    return path


@pytest.fixture
def server() -> Iterator[LoopbackMastodon]:
    with LoopbackMastodon(FakeMastodon()).running() as s:
        yield s


@pytest.fixture(autouse=True)
def short_leases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(team, "FETCH_LEASE", timedelta(seconds=1.5))
    monkeypatch.setattr(team, "BEAT", 0.3)
    monkeypatch.setattr(team, "FOLLOW", 0.1)


class Laptop:
    """An engine with the account connected through an HTTP client that logs requests."""

    def __init__(self, db: Path, account_id: int) -> None:
        self.requests: list[httpx.Request] = []
        self.engine = Engine(db, clock=SystemClock())
        self.engine.start()

        async def log(request: httpx.Request) -> None:
            self.requests.append(request)

        def connect(e: Engine) -> None:
            account = e.store.account(account_id)
            http = httpx.AsyncClient(event_hooks={"request": [log]})
            e.adapters[account_id] = registry.adapter_factory("mastodon")(
                account, TOKEN, clock=e.clock, http=http, window_days=36500
            )

        self.engine.call(connect)

    def notifications(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == "/api/v1/notifications"]

    def start(self) -> None:
        self.engine.call(lambda e: loops.start(e, SETTINGS))

    def crash(self) -> None:
        """Its loops stop dead: nothing renewed, nothing handed back."""

        def cancel(e: Engine) -> None:
            import asyncio

            for task in asyncio.all_tasks():
                if task.get_name() in ("sync:1", team.HEARTBEAT_TASK):
                    task.cancel()

        self.engine.call(cancel)


def test_one_laptop_fetches_and_the_other_takes_over_from_its_cursor(
    db: Path, server: LoopbackMastodon
) -> None:
    store = Store(db)
    account = store.add_account(
        AccountInfo("mastodon", server.url, "110000000000000001", "teashop")
    )
    store.set_setting("sync.backfill_days", 36500)  # the recordings are from March 2026
    assert account.id == 1

    def lease_holder() -> str:
        lease = store.leases.get("fetch:1")
        return lease.holder if lease else ""

    def stored(remote_id: str) -> bool:
        rows = store.query("SELECT count(*) FROM messages WHERE remote_id = ?", (remote_id,))
        return rows[0][0] == 1

    first, second = Laptop(db, 1), Laptop(db, 1)
    try:
        first.start()
        assert wait(lambda: stored("1130")), "the first laptop did not sync"
        assert lease_holder() == first.engine.holder
        second.start()
        # The first keeps polling (several more rounds); the second only watches the lease.
        rounds = len(first.notifications())
        assert wait(lambda: len(first.notifications()) >= rounds + 5)
        assert second.notifications() == []
        assert lease_holder() == first.engine.holder

        first.crash()
        cursor = store.cursor(1, "mentions")
        assert cursor
        # Two new mentions arrive while nobody fetches, then the second laptop takes over.
        news = []
        for n, status_id in ((2008, "1140"), (2009, "1150")):
            item = copy.deepcopy(server.fake.notifications[0])
            item["id"] = str(n)
            item["status"]["id"] = status_id
            item["status"]["content"] = f"<p>@teashop news {n}</p>"
            news.append(item)
        with server._lock:
            server.fake.add(news)
        assert wait(lambda: stored("1140") and stored("1150")), "nobody took over"
        assert lease_holder() == second.engine.holder
    finally:
        for laptop in (first, second):
            laptop.engine.stop()
    # The second laptop started from the first one's cursor: no back-fill from scratch.
    [take_over, *_] = second.notifications()
    assert (
        take_over.url.params.get("min_id") == "2007"
        or take_over.url.params.get("since_id") == "2007"
    ), take_over.url
    # No gap, no duplicate: every notification's status stored once.
    for remote_id in ("1000", "1090", "1092", "1100", "1110", "1120", "1130", "1140", "1150"):
        assert stored(remote_id), remote_id
    store.close()
