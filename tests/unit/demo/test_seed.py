"""The demo workspace: recorded payloads replayed through sync into a real profile."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from inbox.core.events import Changed
from inbox.core.models import ColumnFilter, Kind
from inbox.demo import RECORDINGS, load_raw, seed
from inbox.demo.generate import generate
from inbox.engine import Engine
from inbox.networks.base import DMS, MENTIONS
from inbox.store import Store


@pytest.fixture
def engine(tmp_path: Path, clock):
    e = Engine(tmp_path / "inbox.db", clock=clock)
    e.start()
    yield e
    e.stop()


@pytest.fixture
def seeded(engine, tmp_path: Path):
    seed(engine)
    reader = Store(tmp_path / "inbox.db", readonly=True, clock=engine.clock)
    yield reader
    reader.close()


def test_demo_has_three_networks_and_over_300_conversations(seeded) -> None:
    accounts = seeded.accounts()
    assert {a.network for a in accounts} == {"mastodon", "bluesky", "x"}
    assert "teashop@mastodon.demo" in {a.handle for a in accounts}
    per_account = Counter(r[0] for r in seeded.query("SELECT account_id FROM conversations"))
    assert sum(per_account.values()) >= 300
    assert len(per_account) == 3


def test_demo_went_through_sync_and_stored_each_cursor(seeded) -> None:
    for account in seeded.accounts():
        assert seeded.cursor(account.id, MENTIONS) not in (None, "0")
        assert seeded.cursor(account.id, DMS) not in (None, "0")


def test_demo_deck_has_teams_and_populated_columns(seeded) -> None:
    teams = set(seeded.teams.all().values())
    assert {"Support", "Billing", "Community"} <= teams
    columns = seeded.columns.all()
    assert len(columns) >= 3
    populated = [c for c in columns if seeded.conversations.page(c.filter, limit=5)]
    assert len(populated) == len(columns)
    assert all(c.team_id is not None for c in columns)
    # The deck opens on the first team that has columns: that one alone shows three.
    first_team = min(c.team_id for c in columns)
    assert len(seeded.columns.for_team(first_team)) >= 3


def test_demo_billing_column_finds_refunds_and_double_charges(seeded) -> None:
    (billing,) = [c for c in seeded.columns.all() if c.name == "Billing"]
    snippets = " ".join(s.snippet for s in seeded.conversations.page(billing.filter, limit=200))
    assert "refund" in snippets and "charged twice" in snippets


def test_demo_priorities_vary_and_dm_threads_include_our_replies(seeded) -> None:
    priorities = {c.priority for c in seeded.conversations.page(ColumnFilter(), limit=1000)}
    assert len(priorities) >= 3
    threads = seeded.conversations.page(ColumnFilter(kinds=(Kind.DM,)), limit=1000)
    longest = max(threads, key=lambda c: c.message_count)
    directions = {m.direction for m in seeded.conversations.messages(longest.id)}
    assert longest.message_count >= 3 and directions == {"in", "out"}


def test_demo_has_a_vip_spam_and_other_languages(seeded) -> None:
    followers = seeded.query("SELECT max(followers_count) FROM contacts")[0][0]
    assert followers >= 100_000
    assert seeded.conversations.search("crypto")
    languages = {r[0] for r in seeded.query("SELECT DISTINCT language FROM messages")}
    assert {"en", "de", "fr", "ja"} <= languages


def test_seeding_twice_changes_nothing(engine, seeded) -> None:
    before = seeded.query("SELECT count(*) FROM messages")[0][0]
    columns = len(seeded.columns.all())
    assert seed(engine) == Changed()
    assert seeded.query("SELECT count(*) FROM messages")[0][0] == before
    assert len(seeded.columns.all()) == columns


def test_demo_times_end_just_before_now(seeded, clock) -> None:
    newest = seeded.conversations.page(ColumnFilter(sort="newest"), limit=1)[0]
    assert newest.last_message_at <= clock.now()
    assert (clock.now() - newest.last_message_at).total_seconds() < 3600


def test_recordings_are_what_the_generator_writes(tmp_path: Path) -> None:
    generate(tmp_path)
    for name in RECORDINGS:
        assert json.loads((tmp_path / name).read_text(encoding="utf-8")) == load_raw(name)
