"""Fixtures: the fake instance, our account on it, an adapter wired to both, an engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from inbox import secrets
from inbox.core.models import AccountInfo
from inbox.engine import Engine
from inbox.engine.accounts import token_key
from inbox.networks.mastodon import MastodonAdapter
from tests.networks.mastodon.fake import HOST, TOKEN, FakeMastodon


class Sleeps:
    """An injected sleep: records how long the code wanted to wait, never waits."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def fake() -> FakeMastodon:
    return FakeMastodon()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def me() -> AccountInfo:
    return AccountInfo(
        "mastodon", HOST, "110000000000000001", f"teashop@{HOST}", "The Tea Shop", ""
    )


@pytest.fixture
def make_adapter(fake, me, clock, sleeps):
    def make(**options) -> MastodonAdapter:
        options.setdefault("page_size", 40)
        return MastodonAdapter(me, TOKEN, http=fake.client(), clock=clock, sleep=sleeps, **options)

    return make


@pytest.fixture
def adapter(make_adapter) -> MastodonAdapter:
    return make_adapter()


@pytest.fixture
def engine(tmp_path: Path, clock):
    e = Engine(tmp_path / "inbox.db", clock=clock)
    e.start()
    yield e
    e.stop()


@pytest.fixture
def attach(engine, me, make_adapter):
    """Add our account to the engine's store, token in the keyring, adapter connected."""

    def do(**options) -> int:
        def run(e: Engine) -> int:
            secrets.set_secret(token_key(e.store, me), TOKEN)
            account = e.store.add_account(me)
            e.adapters[account.id] = make_adapter(**options)
            return account.id

        return engine.call(run)

    return do
