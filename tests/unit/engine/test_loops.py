"""engine.loops: polling backs off when idle or failing, waits out rate limits, stops on a
revoked sign-in, and the outbox worker delivers what is due; all with an injected sleep."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from inbox.core.errors import AuthExpired, NetworkError, RateLimited
from inbox.core.models import AccountInfo
from inbox.engine import Engine, loops
from inbox.networks.base import Limits, Page, Sent


class Stop(Exception):
    """Raised by the fake sleep to end a loop after enough rounds."""


class Scripted:
    """An adapter whose fetch answers from a script: a Page, or an error to raise."""

    network = "replay"

    def __init__(self, script) -> None:
        self.script = list(script)

    async def verify(self):
        return AccountInfo("replay", "x", "1", "me")

    async def fetch(self, stream, cursor):
        if stream != "mentions":
            return Page((), cursor)
        step = self.script.pop(0) if self.script else Page((), cursor)
        if isinstance(step, Exception):
            raise step
        return step

    async def send(self, outgoing):
        return Sent("1")

    async def limits(self):
        return Limits()

    async def aclose(self):
        return None


@pytest.fixture
def engine(tmp_path: Path, clock):
    e = Engine(tmp_path / "inbox.db", clock=clock)
    e.start()
    yield e
    e.stop()


def run_loop(
    engine, make_message, script, rounds: int, network: str = "replay", chosen: float | None = 60
) -> list[float]:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) >= rounds:
            raise Stop

    def go(e):
        account = e.store.add_account(AccountInfo(network, "x", "1", "me"))
        e.adapters[account.id] = Scripted(script)
        cfg = loops.LoopSettings(poll_interval=chosen)
        return loops.account_loop(e, account.id, cfg, sleep=sleep)

    with contextlib.suppress(Stop):
        engine.call(go)
    return waits


def test_polling_backs_off_while_idle_and_resets_on_news(engine, make_message) -> None:
    news = Page((make_message(key="n"),), "1")
    waits = run_loop(engine, make_message, [Page((), None), Page((), None), news], rounds=4)
    assert waits == [90.0, 135.0, 60.0, 90.0]


def test_with_no_interval_chosen_each_network_polls_at_its_own_pace(engine, make_message) -> None:
    def news(key: str) -> list[Page]:
        return [Page((make_message(key=key),), key)]

    bluesky = run_loop(engine, make_message, news("a"), rounds=1, network="bluesky", chosen=None)
    assert bluesky == [30.0]  # notifications have no stream: a reply shows within 30 s
    other = run_loop(engine, make_message, news("b"), rounds=1, network="mastodon", chosen=None)
    assert other == [60.0]
    x = run_loop(engine, make_message, news("d"), rounds=1, network="x", chosen=None)
    assert x == [900.0]  # inside a Basic-tier account's monthly read cap
    chosen = run_loop(engine, make_message, news("c"), rounds=1, network="bluesky", chosen=45)
    assert chosen == [45.0]  # the user's setting wins


def test_errors_back_off_and_rate_limits_wait_for_the_reset(engine, make_message) -> None:
    script = [NetworkError("down"), NetworkError("down"), RateLimited("slow", 300), Page((), None)]
    waits = run_loop(engine, make_message, script, rounds=4)
    assert waits == [60.0, 120.0, 300.0, 90.0]


def test_a_revoked_sign_in_ends_only_that_loop(engine, make_message) -> None:
    waits = run_loop(engine, make_message, [AuthExpired("revoked")], rounds=1)
    assert waits == []
    assert engine.call(lambda e: e.store.accounts()[0].status) == "needs_signin"


def test_the_outbox_loop_delivers_due_rows(engine) -> None:
    rounds: list[float] = []

    async def sleep(seconds: float) -> None:
        rounds.append(seconds)
        raise Stop

    def go(e):
        account = e.store.add_account(AccountInfo("replay", "x", "1", "me"))
        e.adapters[account.id] = Scripted([])
        e.store.outbox.enqueue("post", "k1", {"text": "hi"}, account_id=account.id)
        return loops.outbox_loop(e, sleep=sleep)

    with pytest.raises(Stop):
        engine.call(go)
    assert engine.call(lambda e: e.store.outbox.pending()) == []
    assert rounds == [5.0]


def test_an_unexpected_error_backs_off_and_the_loop_keeps_syncing(engine, make_message) -> None:
    """A bug in an adapter (here a KeyError) used to end the account's task for good: the
    account never synced again until a restart, and its status still said "ok"."""
    seen: list = []
    engine.subscribe(seen.append)
    news = Page((make_message(key="n"),), "1")
    waits = run_loop(engine, make_message, [KeyError("id"), news], rounds=2)
    assert waits == [60.0, 60.0]  # backed off once, then synced the news
    assert any("unexpected error: KeyError" in getattr(e, "message", "") for e in seen)
    assert engine.call(lambda e: e.store.query("SELECT count(*) FROM messages")[0][0]) == 1
    assert engine.call(lambda e: e.store.accounts()[0].status) == "ok"


def test_an_unexpected_error_is_the_accounts_status(engine, make_message) -> None:
    run_loop(engine, make_message, [KeyError("id")], rounds=1)
    account = engine.call(lambda e: e.store.accounts()[0])
    assert account.status == "error" and "unexpected error: KeyError" in account.status_detail


def test_loop_settings_survive_a_stored_value_of_the_wrong_type(engine) -> None:
    """The window's loops did float("soon") at start-up: the engine thread died."""

    def go(e):
        e.store.conn.execute(
            "INSERT OR REPLACE INTO settings (key, value_json) VALUES ('sync.poll_interval_s', ?)",
            ('"soon"',),
        )
        e.store.conn.commit()
        return loops.LoopSettings.from_store(e)

    assert engine.call(go).poll_interval is None  # each network's own pace
