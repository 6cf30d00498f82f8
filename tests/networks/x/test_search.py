"""Monitoring search on X: GET /2/tweets/search/recent on recorded v2 payloads
(tests/data/x/search_recent*.json), and a plan without search (403 client-forbidden)."""

from __future__ import annotations

import asyncio
import json

import pytest

from inbox.core.models import Kind
from inbox.core.monitoring import make_spec
from inbox.networks.x.api import TierRequired
from inbox.networks.x.search import NO_SEARCH, query
from tests.networks.x.fake import ACCESS
from tests.networks.x.test_x import fake, make, saved  # noqa: F401  (fixtures)

SPEC = make_spec("Kettleco, #leafkettle, green tea", "giveaway")
SEARCH = "/2/tweets/search/recent"


def test_the_query_is_any_term_none_of_the_exclusions_and_no_reposts():
    assert query(SPEC) == '(Kettleco OR #leafkettle OR "green tea") -giveaway -is:retweet'
    assert query(make_spec("kettleco")) == "kettleco -is:retweet"


def test_first_fetch_takes_one_page_of_monitoring_posts_without_ours(fake, make):  # noqa: F811
    page = asyncio.run(make().search(SPEC, None))
    [call] = fake.to(SEARCH)
    assert call.url.params["query"] == query(SPEC)
    assert call.url.params["max_results"] == "100"
    assert "author_id" in call.url.params["expansions"]
    assert call.headers["Authorization"] == f"Bearer {ACCESS}"
    assert [m.remote_id for m in page.items] == ["1860000000000000303", "1860000000000000305"]
    assert {m.kind for m in page.items} == {Kind.MONITORING}
    assert page.items[0].conversation_key == "1860000000000000290"  # grouped like mentions
    assert page.items[1].author.handle == "ruicosta"
    assert page.more is False  # the first fetch does not page back through 7 days
    assert json.loads(page.next_cursor or "")["since"] == "1860000000000000305"


def test_later_fetches_ask_since_the_newest_and_follow_next_token(fake, make):  # noqa: F811
    adapter = make()
    first = asyncio.run(adapter.search(SPEC, None))
    fake.new_search_hits = True
    later = asyncio.run(adapter.search(SPEC, first.next_cursor))
    assert fake.to(SEARCH)[-1].url.params["since_id"] == "1860000000000000305"
    assert [m.text for m in later.items] == ["Kettleco refund took a month"]
    assert json.loads(later.next_cursor or "")["since"] == "1860000000000000310"
    # a run under way (a full page, next_token) goes on where it was
    mid = json.dumps({"since": "1860000000000000290", "top": "1860000000000000305", "next": "b2"})
    rest = asyncio.run(adapter.search(SPEC, mid))
    assert fake.to(SEARCH)[-1].url.params["next_token"] == "b2"
    assert [m.remote_id for m in rest.items] == ["1860000000000000301"]
    assert json.loads(rest.next_cursor or "") == {
        "since": "1860000000000000305", "top": None, "next": None
    }  # fmt: skip


def test_a_plan_without_search_is_said_in_words_and_not_asked_again_for_an_hour(
    fake,  # noqa: F811
    make,  # noqa: F811
    clock,
):
    fake.search_allowed = False
    adapter = make()
    with pytest.raises(TierRequired) as refused:
        asyncio.run(adapter.search(SPEC, None))
    assert str(refused.value).startswith(NO_SEARCH)
    assert "your X plan does not include search" in str(refused.value)
    with pytest.raises(TierRequired):
        asyncio.run(adapter.search(SPEC, None))
    assert len(fake.to(SEARCH)) == 1  # the second time the server was not asked
