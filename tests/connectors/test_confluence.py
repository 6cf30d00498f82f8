"""Confluence Cloud (REST v2) on recorded responses."""

from __future__ import annotations

import pytest

from inbox.connectors import base
from inbox.core.errors import RateLimited, RemoteRejected
from tests.connectors.replay import Replay, Step

CONFIG = {"url": "https://acme.atlassian.net", "email": "ann@acme.example", "space_key": "KB"}


def wiki(replay: Replay):
    return base.build("confluence", CONFIG, {"api_token": "tok"}, transport=replay.transport)


async def test_article_becomes_a_page_in_the_space(article) -> None:
    replay = Replay(
        Step("GET", "/wiki/api/v2/spaces", file="confluence/spaces.json"),
        Step("GET", "/wiki/api/v2/pages", file="confluence/pages_none.json"),
        Step("POST", "/wiki/api/v2/pages", 200, file="confluence/page_created.json"),
    )
    ref = await wiki(replay).publish_article(article)
    assert ref.remote_id == "123456"
    assert ref.url == "https://acme.atlassian.net/wiki/spaces/KB/pages/123456/Where+is+my+order+42"
    assert replay.requests[0].url.params["keys"] == "KB"
    lookup = replay.requests[1].url.params
    assert (lookup["space-id"], lookup["title"]) == ("65538", "Where is my order 42?")
    page = replay.body(2)
    assert page["spaceId"] == "65538" and page["status"] == "current"
    assert page["body"]["representation"] == "storage"
    assert "<!-- social-inbox:si-test-1 -->" in page["body"]["value"]


async def test_a_same_titled_page_by_someone_else_is_refused(article) -> None:
    replay = Replay(
        Step("GET", "/wiki/api/v2/spaces", file="confluence/spaces.json"),
        Step("GET", "/wiki/api/v2/pages", file="confluence/pages_other.json"),
    )
    with pytest.raises(RemoteRejected, match="already has a page titled"):
        await wiki(replay).publish_article(article)


async def test_errors_and_rate_limits(article) -> None:
    clash = Replay(
        Step("GET", "/wiki/api/v2/spaces", file="confluence/spaces.json"),
        Step("GET", "/wiki/api/v2/pages", file="confluence/pages_none.json"),
        Step("POST", "/wiki/api/v2/pages", 400, file="confluence/error_400_title.json"),
    )
    with pytest.raises(RemoteRejected, match="A page with this title already exists"):
        await wiki(clash).publish_article(article)
    missing = Replay(Step("GET", "/wiki/api/v2/spaces", file="confluence/spaces_none.json"))
    with pytest.raises(RemoteRejected, match="no space 'KB'"):
        await wiki(missing).test()
    slow = Replay(Step("GET", "/wiki/api/v2/spaces", 429, headers={"Retry-After": "30"}))
    with pytest.raises(RateLimited) as info:
        await wiki(slow).test()
    assert info.value.retry_after == 30
