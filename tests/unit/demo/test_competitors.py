"""The demo's "Competitors" search column fills from every network's own search, served
in that network's payload shape by its recorded server (Mastodon hashtag timeline and
/api/v2/search, Bluesky searchPosts, X recent search)."""

from __future__ import annotations

from collections import Counter

from inbox.core.events import Changed
from inbox.core.models import Kind
from inbox.demo import COMPETITORS, seed
from tests.unit.demo.test_seed import engine, seeded  # noqa: F401  (fixtures)


def test_the_competitors_column_fills_from_each_network_search(seeded) -> None:  # noqa: F811
    [column] = [c for c in seeded.columns.all() if c.name == COMPETITORS.name]
    teams = seeded.teams.all()
    assert teams[column.team_id] == "Community"
    search = seeded.searches.get(column.filter.search_id or 0)
    assert search.fetch.state == "ok" and search.fetch.detail == ""
    rows = seeded.conversations.page(column.filter, 100)
    assert Counter(r.network for r in rows) == {"mastodon": 8, "bluesky": 8, "x": 8}
    assert {r.kind for r in rows} == {Kind.MONITORING}
    assert not any("giveaway" in r.snippet.lower() for r in rows)  # the exclusion
    assert not any("river market" in r.snippet for r in rows)  # matches no term
    # each network's own search ran, cursor stored like a stream's
    for account in seeded.accounts():
        assert seeded.cursor(account.id, f"search:{search.id}") is not None


def test_seeding_again_adds_no_second_competitors_column(engine, seeded) -> None:  # noqa: F811
    assert seed(engine) == Changed()
    assert [c.name for c in seeded.columns.all()].count(COMPETITORS.name) == 1
