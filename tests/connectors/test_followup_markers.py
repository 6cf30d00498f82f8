"""A retried follow-up finds its own marker in the ticket first (recorded API shapes).

No desk offers idempotent comments, so each follow-up ends with a reference line; a
retry whose first attempt may have reached the desk looks the ticket up for it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from inbox.connectors import base
from inbox.core.handoff import Entry, EntryKind, ExternalRef, carries_marker, render_entry
from tests.connectors.replay import Replay, Step

ZENDESK = ExternalRef("zendesk", "35436")
FRESHDESK = ExternalRef("freshdesk", "123")
JIRA = ExternalRef("jira", "SUP-7")


def _zendesk(replay: Replay):
    config = {"subdomain": "acme", "email": "ann@acme.example"}
    return base.build("zendesk", config, {"api_token": "t"}, transport=replay.transport)


def _freshdesk(replay: Replay):
    config = {"domain": "acme"}
    return base.build("freshdesk", config, {"api_key": "k"}, transport=replay.transport)


def _jira(replay: Replay):
    config = {
        "url": "https://acme.atlassian.net",
        "email": "ann@acme.example",
        "service_desk_id": "10",
        "request_type_id": "25",
    }
    return base.build("jira", config, {"api_token": "t"}, transport=replay.transport)


def test_the_reference_line_is_written_and_matched_exactly() -> None:
    at = datetime(2026, 3, 2, tzinfo=UTC)
    text = render_entry(Entry(EntryKind.IN, "@bob", "Still nothing", at, marker="si-ab-1.m7"))
    assert text.endswith("Reference: si-ab-1.m7")
    assert carries_marker(text, "si-ab-1.m7")
    assert not carries_marker(text.replace("m7", "m77"), "si-ab-1.m7"), "a longer marker"
    assert not carries_marker("Reference: si-ab-1.m7", "si-ab-1.m")


@pytest.mark.parametrize(
    ("build", "step", "ref"),
    [
        (
            _zendesk,
            Step(
                "GET",
                "/api/v2/tickets/35436/comments.json",
                file="zendesk/ticket_comments_desc.json",
            ),
            ZENDESK,
        ),
        (
            _freshdesk,
            Step("GET", "/api/v2/tickets/123/conversations", file="freshdesk/conversations.json"),
            FRESHDESK,
        ),
        (
            _jira,
            Step(
                "GET",
                "/rest/servicedeskapi/request/SUP-7/comment",
                file="jira/request_comments.json",
            ),
            JIRA,
        ),
    ],
    ids=["zendesk", "freshdesk", "jira"],
)
async def test_each_desk_finds_a_follow_up_by_its_marker(build, step, ref) -> None:
    found = Replay(step)
    assert await build(found).has_followup(ref, "si-test-1.m77")
    missing = Replay(step)
    assert not await build(missing).has_followup(ref, "si-test-1.m7"), "prefix of another marker"
    assert missing.done()
