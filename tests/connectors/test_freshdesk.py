"""Freshdesk on recorded responses."""

from __future__ import annotations

import base64

import pytest

from inbox.connectors import base
from inbox.core.errors import AuthExpired, RateLimited, RemoteRejected
from inbox.core.handoff import Entry, EntryKind, ExternalRef
from tests.connectors.replay import Replay, Step


def desk(replay: Replay):
    return base.build(
        "freshdesk", {"domain": "acme"}, {"api_key": "key123"}, transport=replay.transport
    )


async def test_push_tags_the_marker_and_uses_an_external_contact_id(transcript) -> None:
    replay = Replay(
        Step("GET", "/api/v2/search/tickets", file="freshdesk/search_none.json"),
        Step("POST", "/api/v2/tickets", 201, file="freshdesk/ticket_created.json"),
    )
    ref = await desk(replay).push(transcript)
    assert ref == ExternalRef("freshdesk", "123", "https://acme.freshdesk.com/a/tickets/123")
    assert replay.requests[0].url.params["query"] == "\"tag:'si-test-1'\""
    auth = base64.b64encode(b"key123:X").decode()
    assert replay.requests[0].headers["Authorization"] == f"Basic {auth}"
    sent = replay.body(1)
    assert sent["unique_external_id"] == "mastodon:bob@fosstodon.org"
    assert sent["name"] == "Bob Smith" and sent["priority"] == 2
    assert sent["status"] == 2 and "si-test-1" in sent["tags"] and "mastodon" in sent["tags"]
    assert 'href="https://social.example/@x/101"' in sent["description"]


async def test_a_retry_finds_the_tagged_ticket(transcript) -> None:
    replay = Replay(Step("GET", "/api/v2/search/tickets", file="freshdesk/search_found.json"))
    assert (await desk(replay).push(transcript)).remote_id == "123"


async def test_follow_ups_are_notes_private_only_for_internal_notes(note, clock) -> None:
    replay = Replay(
        Step("POST", "/api/v2/tickets/123/notes", 201, file="freshdesk/note_created.json"),
        Step("POST", "/api/v2/tickets/123/notes", 201, file="freshdesk/note_created.json"),
    )
    connector = desk(replay)
    await connector.append(ExternalRef("freshdesk", "123"), note)
    customer = Entry(EntryKind.IN, "@bob", "Still waiting", clock.now(), key="m9")
    await connector.append(ExternalRef("freshdesk", "123"), customer)
    assert (replay.body(0)["private"], replay.body(0)["incoming"]) == (True, False)
    assert (replay.body(1)["private"], replay.body(1)["incoming"]) == (False, True)


async def test_errors_and_rate_limits(transcript) -> None:
    bad = Replay(Step("GET", "/api/v2/agents/me", 401, file="freshdesk/error_401.json"))
    with pytest.raises(AuthExpired, match="You have to be logged in"):
        await desk(bad).test()
    invalid = Replay(
        Step("GET", "/api/v2/search/tickets", file="freshdesk/search_none.json"),
        Step("POST", "/api/v2/tickets", 400, file="freshdesk/error_400_validation.json"),
    )
    with pytest.raises(
        RemoteRejected, match="Validation failed — unique_external_id: It should be"
    ):
        await desk(invalid).push(transcript)
    slow = Replay(Step("GET", "/api/v2/search/tickets", 429, headers={"Retry-After": "12"}))
    with pytest.raises(RateLimited) as info:
        await desk(slow).push(transcript)
    assert info.value.retry_after == 12


async def test_connection_test() -> None:
    replay = Replay(Step("GET", "/api/v2/agents/me", file="freshdesk/agents_me.json"))
    assert await desk(replay).test() == "Connected to Freshdesk as Ann Agent."
