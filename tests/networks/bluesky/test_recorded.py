"""The Bluesky adapter on recorded payloads (tests/data/bluesky, documented lexicon shapes).

For what a local network cannot serve: chat (DMs), 429 with RateLimit-Reset,
UpstreamFailure, a non-privileged app password. Served through httpx.MockTransport.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from inbox.core.clock import FakeClock
from inbox.core.errors import AuthExpired, NetworkError, RateLimited, RemoteRejected
from inbox.core.models import AccountInfo, Direction, Kind, reply_key
from inbox.networks.base import DMS, MENTIONS, OWN, Outgoing
from inbox.networks.bluesky import BlueskyAdapter
from inbox.networks.bluesky.xrpc import CHAT_PROXY, Session

DATA = Path(__file__).parents[2] / "data" / "bluesky"
SHOP = "did:plc:shop000000000000000000"
PDS = "http://127.0.0.1:2583"


def recorded(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


Handler = Callable[[httpx.Request], httpx.Response]


class Pds:
    """Routes by NSID to a handler; records every request."""

    def __init__(self, routes: dict[str, Any]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        nsid = request.url.path.removeprefix("/xrpc/")
        route = self.routes.get(nsid)
        if route is None:
            return httpx.Response(501, json={"error": "MethodNotImplemented", "message": nsid})
        if callable(route):
            return route(request)
        return httpx.Response(200, json=route)

    def calls(self, nsid: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == f"/xrpc/{nsid}"]


def session(access: str = "access-1", refresh: str = "refresh-1") -> str:
    return Session(SHOP, "teashop.test", PDS, access, refresh).dumps()


def adapter(pds: Pds, clock: FakeClock | None = None, **kw: Any) -> BlueskyAdapter:
    async def no_sleep(_: float) -> None:
        return None

    info = AccountInfo("bluesky", PDS, SHOP, "teashop.test")
    http = httpx.AsyncClient(transport=httpx.MockTransport(pds))
    return BlueskyAdapter(
        info,
        kw.pop("token", session()),
        http=http,
        clock=clock or FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
        sleep=no_sleep,
        **kw,
    )


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# -- DMs -------------------------------------------------------------------------------


def test_first_dm_sync_reads_conversations_through_the_chat_proxy() -> None:
    pds = Pds(
        {
            "chat.bsky.convo.listConvos": recorded("listConvos.json"),
            "chat.bsky.convo.getMessages": recorded("getMessages.json"),
        }
    )
    page = run(adapter(pds).fetch(DMS, None))
    assert all(r.headers["atproto-proxy"] == CHAT_PROXY for r in pds.requests)
    assert all(r.headers["Authorization"] == "Bearer access-1" for r in pds.requests)
    texts = [m.text for m in page.items]
    assert texts == [
        "Thanks! Order #4411 👍 see https://shop.example/o/4411",
        "Hi, my tea never arrived",
    ]  # the deleted message is not an item
    first = page.items[0]
    assert first.kind is Kind.DM and first.conversation_key == "dm:3ldmconvo1abc"
    assert first.author.handle == "customer.test" and first.direction is Direction.IN
    assert 'href="https://shop.example/o/4411"' in first.html
    assert ">https://shop.example/o/4411</a>" in first.html
    assert json.loads(page.next_cursor)["log"] == "3ldmrev0000005"
    assert page.rejected == ()


def test_later_dm_syncs_follow_the_log() -> None:
    pds = Pds(
        {
            "chat.bsky.convo.getLog": recorded("getLog.json"),
            "chat.bsky.convo.getConvo": recorded("getConvo.json"),
            "chat.bsky.convo.listConvos": recorded("listConvos.json"),
        }
    )
    a = adapter(pds)
    page = run(a.fetch(DMS, json.dumps({"log": "3ldmrev0000005"})))
    assert pds.calls("chat.bsky.convo.getLog")[0].url.params["cursor"] == "3ldmrev0000005"
    assert [(m.conversation_key, m.text, m.author.handle) for m in page.items] == [
        ("dm:3ldmconvo2xyz", "Do you sell gift cards?", "newbie.test"),
        ("dm:3ldmconvo1abc", "Still waiting…", "did:plc:cust000000000000000000"),
    ]
    assert json.loads(page.next_cursor)["log"] == "3ldmrev0000009" and page.more


def test_an_app_password_without_dm_access_says_so_once() -> None:
    denied = recorded("badTokenMethod.json")
    pds = Pds({"chat.bsky.convo.listConvos": lambda r: httpx.Response(400, json=denied)})
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    a = adapter(pds, clock)
    page = run(a.fetch(DMS, None))
    assert page.items == () and page.rejected == ()  # a state of the account, not a bad item
    assert a.status_text().startswith("This app password cannot read direct messages")
    # A new session (the next start of the app) reads the state from the cursor.
    b = adapter(pds, clock)
    again = run(b.fetch(DMS, page.next_cursor))
    assert len(pds.requests) == 1  # paused, not an error loop
    assert "cannot read direct messages" in b.status_text()
    clock.advance(hours=25)
    later = run(b.fetch(DMS, again.next_cursor))
    assert later.rejected == () and len(pds.requests) == 2  # asked again a day later


def test_sending_a_dm_goes_to_the_conversation() -> None:
    sent_message = {
        "$type": "chat.bsky.convo.defs#messageView",
        "id": "3ldmmsg0000099",
        "rev": "3ldmrev0000099",
        "text": "Refund sent",
        "sender": {"did": SHOP},
        "sentAt": "2026-03-02T09:20:00.000Z",
    }
    pds = Pds({"chat.bsky.convo.sendMessage": sent_message})
    listing = run(
        adapter(
            Pds(
                {
                    "chat.bsky.convo.listConvos": recorded("listConvos.json"),
                    "chat.bsky.convo.getMessages": recorded("getMessages.json"),
                }
            )
        ).fetch(DMS, None)
    )
    target = listing.items[0]
    sent = run(
        adapter(pds).send(Outgoing(text="Refund sent", idempotency_key="k", in_reply_to=target))
    )
    assert sent.remote_id == "3ldmmsg0000099"
    [request] = pds.calls("chat.bsky.convo.sendMessage")
    assert request.headers["atproto-proxy"] == CHAT_PROXY
    assert json.loads(request.content) == {
        "convoId": "3ldmconvo1abc",
        "message": {"text": "Refund sent"},
    }


# -- rate limits, failures, tokens -----------------------------------------------------


def test_429_waits_until_rate_limit_reset() -> None:
    reset = int(datetime(2026, 3, 2, 9, 5, tzinfo=UTC).timestamp())
    headers = {
        "RateLimit-Limit": "3000",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": str(reset),
        "RateLimit-Policy": "3000;w=300",
    }
    pds = Pds(
        {
            "app.bsky.notification.listNotifications": lambda r: httpx.Response(
                429, json=recorded("rateLimited.json"), headers=headers
            )
        }
    )
    a = adapter(pds)
    with pytest.raises(RateLimited) as caught:
        run(a.fetch(MENTIONS, None))
    assert caught.value.retry_after == 300
    assert a.status_text() == "0/3000 requests left until 09:05:00 UTC"
    with pytest.raises(RateLimited):  # our own budget refuses before asking again
        run(a.fetch(MENTIONS, None))
    assert len(pds.requests) == 1


def test_upstream_failure_is_retried_with_backoff_then_reported() -> None:
    failures = iter([502, 502])
    notifications = {"notifications": [], "cursor": None}

    def flaky(request: httpx.Request) -> httpx.Response:
        status = next(failures, 200)
        if status != 200:
            return httpx.Response(status, json=recorded("upstreamFailure.json"))
        return httpx.Response(200, json=notifications)

    pds = Pds({"app.bsky.notification.listNotifications": flaky})
    page = run(adapter(pds).fetch(MENTIONS, None))
    assert page.items == () and len(pds.requests) == 3

    always = Pds(
        {
            "app.bsky.notification.listNotifications": lambda r: httpx.Response(
                502, json=recorded("upstreamFailure.json")
            )
        }
    )
    with pytest.raises(NetworkError, match="UpstreamFailure"):
        run(adapter(always).fetch(MENTIONS, None))
    assert len(always.requests) == 4  # first try and three retries; nothing skipped


def test_expired_token_refreshes_once_for_concurrent_calls_and_saves_first() -> None:
    saved: list[str] = []
    order: list[str] = []
    profile = {"did": SHOP, "handle": "teashop.test", "displayName": "Test Shop"}

    def get_profile(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer access-2":
            order.append("used new access")
            return httpx.Response(200, json=profile)
        return httpx.Response(400, json=recorded("expiredToken.json"))

    def refresh(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer refresh-1"
        order.append("refreshed")
        return httpx.Response(
            200,
            json={
                "accessJwt": "access-2",
                "refreshJwt": "refresh-2",
                "did": SHOP,
                "handle": "teashop.test",
            },
        )

    pds = Pds(
        {"app.bsky.actor.getProfile": get_profile, "com.atproto.server.refreshSession": refresh}
    )

    def save(raw: str) -> None:
        order.append("saved")
        saved.append(raw)

    a = adapter(pds, save_token=save)

    async def both() -> list[Any]:
        return list(await asyncio.gather(a.verify(), a.verify()))

    infos = run(both())
    assert [i.handle for i in infos] == ["teashop.test", "teashop.test"]
    assert len(pds.calls("com.atproto.server.refreshSession")) == 1
    assert order[:2] == ["refreshed", "saved"] and order.count("used new access") == 2
    assert json.loads(saved[0])["refreshJwt"] == "refresh-2"


def test_a_refused_refresh_needs_sign_in() -> None:
    pds = Pds(
        {
            "app.bsky.actor.getProfile": lambda r: httpx.Response(
                400, json=recorded("expiredToken.json")
            ),
            "com.atproto.server.refreshSession": lambda r: httpx.Response(
                400, json={"error": "ExpiredToken", "message": "Token has been revoked"}
            ),
        }
    )
    with pytest.raises(AuthExpired, match="no longer accepts this sign-in"):
        run(adapter(pds).verify())


# -- notifications and threads ---------------------------------------------------------


def test_notifications_with_thread_context_placeholders_and_embeds() -> None:
    threads = {
        "at://did:plc:cust000000000000000000/app.bsky.feed.post/3lreply000001": recorded(
            "getPostThread.reply.json"
        ),
        "at://did:plc:cust000000000000000000/app.bsky.feed.post/3lquote000001": recorded(
            "getPostThread.quote.json"
        ),
    }

    def thread(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=threads[request.url.params["uri"]])

    pds = Pds(
        {
            "app.bsky.notification.listNotifications": recorded("listNotifications.json"),
            "app.bsky.feed.getPostThread": thread,
        }
    )
    page = run(adapter(pds, window_days=36500).fetch(MENTIONS, None))
    [request] = pds.calls("app.bsky.notification.listNotifications")
    assert request.url.params.get_list("reasons") == ["mention", "reply", "quote"]
    [(reason, raw)] = page.rejected  # the item without a usable uri; the like is skipped
    assert "uri" in reason and "42" in raw
    by_id = {m.remote_id: m for m in page.items}
    reply = by_id["at://did:plc:cust000000000000000000/app.bsky.feed.post/3lreply000001"]
    assert reply.kind is Kind.REPLY
    assert (
        reply.conversation_key
        == "thread:at://did:plc:shop000000000000000000/app.bsky.feed.post/3lroot0000001"
    )
    assert reply.media[0].description == "A cracked blue mug"
    assert 'href="https://bsky.app/hashtag/tea"' in reply.html
    assert reply.mentions == ("teashop.test",)
    gone = by_id["at://did:plc:gone000000000000000000/app.bsky.feed.post/3lgone0000001"]
    assert gone.text.startswith("[This post was deleted") and gone.created_at < reply.created_at
    ours = by_id["at://did:plc:shop000000000000000000/app.bsky.feed.post/3lans00000001"]
    assert ours.direction is Direction.OUT
    quote = by_id["at://did:plc:cust000000000000000000/app.bsky.feed.post/3lquote000001"]
    assert (
        quote.kind is Kind.QUOTE and "Quoting @teashop.test:\n> New arrivals are in!" in quote.text
    )
    state = json.loads(page.next_cursor)
    assert state["hw"].startswith("2026-03-02T08:50:01") and page.more


def test_a_reply_answers_with_root_and_parent_from_the_stored_post() -> None:
    created: list[dict[str, Any]] = []

    def create(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        created.append(body)
        return httpx.Response(
            200,
            json={"uri": f"at://{SHOP}/app.bsky.feed.post/{body['rkey']}", "cid": "bafyreinew"},
        )

    threads = {"thread": recorded("getPostThread.reply.json")["thread"]}
    pds = Pds(
        {
            "app.bsky.notification.listNotifications": recorded("listNotifications.json"),
            "app.bsky.feed.getPostThread": threads,
            "com.atproto.repo.createRecord": create,
            "com.atproto.identity.resolveHandle": {"did": "did:plc:cust000000000000000000"},
        }
    )
    a = adapter(pds, window_days=36500)
    page = run(a.fetch(MENTIONS, None))
    target = next(m for m in page.items if m.remote_id.endswith("3lreply000001"))
    sent = run(
        a.send(
            Outgoing(
                text="Ja, @customer.test ☕ morgen!", idempotency_key="row-7", in_reply_to=target
            )
        )
    )
    again = run(
        a.send(
            Outgoing(
                text="Ja, @customer.test ☕ morgen!", idempotency_key="row-7", in_reply_to=target
            )
        )
    )
    record = created[0]["record"]
    assert record["reply"]["root"] == {
        "uri": "at://did:plc:shop000000000000000000/app.bsky.feed.post/3lroot0000001",
        "cid": "bafyreiroot000001",
    }
    assert record["reply"]["parent"] == {"uri": target.remote_id, "cid": "bafyreireply000001"}
    assert record["facets"][0]["index"] == {"byteStart": 4, "byteEnd": 18}
    assert created[0]["rkey"] == created[1]["rkey"] and sent.remote_id == again.remote_id
    assert sent.url == f"https://bsky.app/profile/teashop.test/post/{created[0]['rkey']}"


def test_our_own_replies_from_other_clients_come_back() -> None:
    pds = Pds({"com.atproto.repo.listRecords": recorded("listRecords.json")})
    page = run(adapter(pds).fetch(OWN, json.dumps({"newest": "3lown00000001"})))
    [reply] = page.items  # the post answers nothing; the old answer was seen before
    assert reply.direction is Direction.OUT and reply.kind is Kind.REPLY
    assert reply.conversation_key == reply_key(
        "at://did:plc:cust000000000000000000/app.bsky.feed.post/3lreply000001"
    )
    assert json.loads(page.next_cursor) == {"newest": "3lown00000003"}
    [request] = pds.calls("com.atproto.repo.listRecords")
    assert request.url.params["repo"] == SHOP


def test_a_new_account_the_appview_has_not_indexed_signs_in_from_its_session() -> None:
    """getProfile says "Profile not found" for minutes after an account is made;
    the PDS's getSession names it, so signing in does not fail."""
    pds = Pds(
        {
            "app.bsky.actor.getProfile": lambda r: httpx.Response(
                400, json=recorded("profileNotFound.json")
            ),
            "com.atproto.server.getSession": recorded("getSession.json"),
        }
    )
    info = run(adapter(pds).verify())
    assert (info.handle, info.remote_id, info.instance) == ("teashop.test", SHOP, PDS)
    assert info.display_name == ""
    assert len(pds.calls("com.atproto.server.getSession")) == 1


def test_another_refusal_of_the_profile_is_not_hidden() -> None:
    pds = Pds(
        {
            "app.bsky.actor.getProfile": lambda r: httpx.Response(
                400, json={"error": "BlockedActor", "message": "Requester is blocked by actor"}
            ),
            "com.atproto.server.getSession": recorded("getSession.json"),
        }
    )
    with pytest.raises(RemoteRejected, match="blocked by actor"):
        run(adapter(pds).verify())
    assert pds.calls("com.atproto.server.getSession") == []


def test_a_server_repeating_the_same_page_ends_the_sync_without_going_back() -> None:
    """listNotifications answers every cursor with the same page and the same cursor: the
    forward sync stops after the repeat, and the high-water mark never moves back."""
    page = recorded("listNotifications.json")
    page["cursor"] = "same-cursor"
    pds = Pds(
        {
            "app.bsky.notification.listNotifications": page,
            "app.bsky.feed.getPostThread": lambda r: httpx.Response(
                400, json={"error": "NotFound", "message": "Post not found"}
            ),
        }
    )
    a = adapter(pds)
    before = "2020-01-01T00:00:00.000Z"
    cursor: str | None = json.dumps({"hw": before, "count": 0})
    for _ in range(50):
        result = run(a.fetch(MENTIONS, cursor))
        cursor = result.next_cursor
        if not result.more:
            break
    assert not result.more
    assert len(pds.calls("app.bsky.notification.listNotifications")) == 2
    assert json.loads(cursor or "{}")["hw"] > before
