"""Zendesk Support and Help Center on recorded responses."""

from __future__ import annotations

import base64

import pytest

from inbox.connectors import base
from inbox.core.errors import AuthExpired, RateLimited, RemoteRejected
from inbox.core.handoff import ExternalRef
from tests.connectors.replay import Replay, Step

CONFIG = {"subdomain": "acme", "email": "ann@acme.example"}
SECRETS = {"api_token": "tok123"}
GUIDE = {**CONFIG, "section_id": "360001234", "permission_group_id": "123", "draft": True}


def support(replay: Replay):
    return base.build("zendesk", CONFIG, SECRETS, transport=replay.transport)


async def test_push_creates_a_ticket_with_requester_priority_tags_and_external_id(
    transcript,
) -> None:
    replay = Replay(
        Step("GET", "/api/v2/tickets.json", file="zendesk/tickets_by_external_id_none.json"),
        Step(
            "POST",
            "/api/v2/users/create_or_update.json",
            file="zendesk/users_create_or_update.json",
        ),
        Step("POST", "/api/v2/tickets.json", 201, file="zendesk/ticket_created.json"),
    )
    ref = await support(replay).push(transcript)
    assert ref == ExternalRef("zendesk", "35436", "https://acme.zendesk.com/agent/tickets/35436")
    lookup = replay.requests[0]
    assert lookup.url.params["external_id"] == "si-test-1"
    expected = base64.b64encode(b"ann@acme.example/token:tok123").decode()
    assert lookup.headers["Authorization"] == f"Basic {expected}"
    user = replay.body(1)["user"]
    assert user["external_id"] == "mastodon:bob@fosstodon.org"
    assert "Bob Smith" in user["name"] and "https://fosstodon.org/@bob" in user["name"]
    ticket = replay.body(2)["ticket"]
    assert replay.requests[2].headers["Idempotency-Key"] == "si-test-1"
    assert ticket["external_id"] == "si-test-1" and ticket["requester_id"] == 9873843
    assert ticket["priority"] == "normal"
    assert {"social-inbox", "mastodon", "account-teashop"} <= set(ticket["tags"])
    assert ticket["subject"].startswith("Mastodon @bob@fosstodon.org: @teashop where is my order")
    assert "It ships tomorrow." in ticket["comment"]["body"]
    assert ticket["comment"]["public"] is False


async def test_a_retry_finds_the_ticket_by_external_id(transcript) -> None:
    replay = Replay(
        Step("GET", "/api/v2/tickets.json", file="zendesk/tickets_by_external_id_found.json")
    )
    ref = await support(replay).push(transcript)
    assert ref.remote_id == "35436" and replay.done()


async def test_notes_are_private_comments(note) -> None:
    replay = Replay(Step("PUT", "/api/v2/tickets/35436.json", file="zendesk/ticket_updated.json"))
    await support(replay).append(ExternalRef("zendesk", "35436"), note)
    comment = replay.body(0)["ticket"]["comment"]
    assert comment["public"] is False and "VIP, refund if late" in comment["body"]


@pytest.mark.parametrize(
    ("status", "file", "error", "words"),
    [
        (
            401,
            "zendesk/error_401.json",
            AuthExpired,
            "rejected the credentials (HTTP 401): Couldn't authenticate you",
        ),
        (
            403,
            "zendesk/error_403.json",
            RemoteRejected,
            "missing permission (HTTP 403): You do not have access",
        ),
        (
            422,
            "zendesk/error_422_requester.json",
            RemoteRejected,
            "Record validation errors — RecordInvalid — requester: Requester: Name is too short",
        ),
    ],
)
async def test_errors_in_zendesks_own_words(transcript, status, file, error, words) -> None:
    replay = Replay(Step("GET", "/api/v2/tickets.json", status, file=file))
    with pytest.raises(error) as info:
        await support(replay).push(transcript)
    assert words in str(info.value)
    assert "tok123" not in str(info.value)


async def test_429_carries_retry_after(transcript) -> None:
    replay = Replay(
        Step("GET", "/api/v2/tickets.json", 429, "zendesk/error_429.json", {"Retry-After": "37"})
    )
    with pytest.raises(RateLimited) as info:
        await support(replay).push(transcript)
    assert info.value.retry_after == 37


async def test_connection_test_spots_the_anonymous_user() -> None:
    ok = Replay(Step("GET", "/api/v2/users/me.json", file="zendesk/users_me.json"))
    assert await support(ok).test() == "Connected to Zendesk as Ann Agent (admin)."
    anon = Replay(Step("GET", "/api/v2/users/me.json", file="zendesk/users_me_anonymous.json"))
    with pytest.raises(AuthExpired, match="did not accept the e-mail and API token"):
        await support(anon).test()


async def test_help_center_article_with_labels_and_permission_group(article) -> None:
    replay = Replay(
        Step("GET", "/api/v2/help_center/articles.json", file="zendesk/hc_articles_none.json"),
        Step(
            "POST",
            "/api/v2/help_center/en-us/sections/360001234/articles.json",
            201,
            file="zendesk/hc_article_created.json",
        ),
    )
    guide = base.build("zendesk_guide", GUIDE, SECRETS, transport=replay.transport)
    ref = await guide.publish_article(article)
    assert ref.url == "https://acme.zendesk.com/hc/en-us/articles/37486578-Where-is-my-order-42"
    assert replay.requests[0].url.params["label_names"] == "si-test-1"
    sent = replay.body(1)
    assert sent["notify_subscribers"] is False
    art = sent["article"]
    assert art["permission_group_id"] == 123 and art["user_segment_id"] is None
    assert art["draft"] is True and art["locale"] == "en-us"
    assert art["label_names"] == ["orders", "si-test-1"]
    assert "<h2>Answer</h2>" in art["body"] and "bob" not in art["body"].lower()


async def test_help_center_test_names_the_section() -> None:
    replay = Replay(
        Step("GET", "/api/v2/users/me.json", file="zendesk/users_me.json"),
        Step("GET", "/api/v2/help_center/sections/360001234.json", file="zendesk/hc_section.json"),
    )
    guide = base.build("zendesk_guide", GUIDE, SECRETS, transport=replay.transport)
    assert "section 'Orders and shipping'" in await guide.test()
