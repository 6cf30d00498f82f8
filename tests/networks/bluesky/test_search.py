"""Monitoring search on Bluesky: app.bsky.feed.searchPosts on recorded payloads
(tests/data/bluesky/searchPosts*.json, the lexicon's output shape: posts, cursor, hitsTotal)."""

from __future__ import annotations

import copy
import json

import httpx

from inbox.core.models import Direction, Kind
from inbox.core.monitoring import make_spec
from tests.networks.bluesky.test_recorded import Pds, adapter, recorded, run

SPEC = make_spec("Kettleco")


def server(pages: list[dict]) -> Pds:
    """searchPosts: the newest page without a cursor, the next with cursor "2"."""

    def search(request: httpx.Request) -> httpx.Response:
        page = pages[1] if request.url.params.get("cursor") == "2" else pages[0]
        return httpx.Response(200, json=copy.deepcopy(page))

    return Pds({"app.bsky.feed.searchPosts": search})


def test_first_fetch_takes_the_newest_page_as_monitoring_posts_without_ours():
    pds = server([recorded("searchPosts.json"), recorded("searchPosts.page2.json")])
    page = run(adapter(pds).search(SPEC, None))
    [call] = pds.calls("app.bsky.feed.searchPosts")
    assert dict(call.url.params) == {"q": "Kettleco", "sort": "latest", "limit": "50"}
    assert call.headers["Authorization"] == "Bearer access-1"
    assert [m.author.handle for m in page.items] == ["priya.test", "jordan.test"]  # oldest first
    assert {m.kind for m in page.items} == {Kind.MONITORING}
    assert {m.direction for m in page.items} == {Direction.IN}
    # keyed like a mention's thread: a reply joins its root's conversation
    assert page.items[0].conversation_key == (
        "thread:at://did:plc:other000000000000000000/app.bsky.feed.post/3lother000001"
    )
    assert page.items[1].url.startswith("https://bsky.app/profile/jordan.test/post/")
    assert page.more is False
    assert json.loads(page.next_cursor or "") == {
        "q:kettleco": {"hw": "2026-03-02T08:40:01.000000Z"}
    }


def test_later_fetches_keep_only_newer_posts_and_walk_pages_until_they_meet_the_last():
    first = recorded("searchPosts.json")
    pds = server([first, recorded("searchPosts.page2.json")])
    a = adapter(pds)
    page = run(a.search(SPEC, None))
    # two new posts arrive on top; the server pages them 1 + (the old ones) per call
    newer = copy.deepcopy(first["posts"][0])
    newer["uri"] = newer["uri"].replace("3lsrch000003", "3lsrch000005")
    newer["cid"], newer["indexedAt"] = "bafyrei5", "2026-03-02T08:55:01.000Z"
    newer["record"]["text"] = "Kettleco support never answers"
    pds.routes["app.bsky.feed.searchPosts"] = lambda r: httpx.Response(
        200,
        json={"posts": [newer], "cursor": "2"}
        if "cursor" not in r.url.params
        else {"posts": first["posts"]},
    )
    catching_up = run(a.search(SPEC, page.next_cursor))
    assert [m.text for m in catching_up.items] == ["Kettleco support never answers"]
    assert catching_up.more is True  # everything on that page was new: read on
    state = json.loads(catching_up.next_cursor or "")["q:kettleco"]
    assert state["cur"] == "2" and state["hw"] == "2026-03-02T08:40:01.000000Z"
    done = run(a.search(SPEC, catching_up.next_cursor))
    assert done.items == () and done.more is False  # met what the first fetch stored
    assert json.loads(done.next_cursor or "") == {
        "q:kettleco": {"hw": "2026-03-02T08:55:01.000000Z"}
    }
    assert pds.calls("app.bsky.feed.searchPosts")[-1].url.params["cursor"] == "2"


def test_a_post_that_cannot_be_read_is_quarantined_not_fatal():
    body = recorded("searchPosts.json")
    body["posts"][0]["uri"] = "not-an-at-uri"
    page = run(adapter(server([body, {"posts": []}])).search(SPEC, None))
    assert [m.author.handle for m in page.items] == ["priya.test"]
    [(reason, raw)] = page.rejected
    assert "at://" in reason and "not-an-at-uri" in raw
