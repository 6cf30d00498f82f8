"""Jira Service Management on recorded responses."""

from __future__ import annotations

import pytest

from inbox.connectors import base
from inbox.core.errors import AuthExpired, RateLimited, RemoteRejected
from inbox.core.handoff import ExternalRef
from tests.connectors.replay import Replay, Step

CONFIG = {
    "url": "https://acme.atlassian.net",
    "email": "ann@acme.example",
    "service_desk_id": "10",
    "request_type_id": "25",
    "set_priority": True,
}


def jsm(replay: Replay):
    return base.build("jira", CONFIG, {"api_token": "tok"}, transport=replay.transport)


async def test_push_raises_a_request_then_labels_it_with_the_marker(transcript) -> None:
    replay = Replay(
        Step("GET", "/rest/api/3/search/jql", file="jira/search_none.json"),
        Step("POST", "/rest/servicedeskapi/request", 201, file="jira/request_created.json"),
        Step("PUT", "/rest/api/3/issue/HELP-1", 204),
        Step("PUT", "/rest/api/3/issue/HELP-1", 400, file="jira/error_priority_400.json"),
    )
    ref = await jsm(replay).push(transcript)
    assert ref == ExternalRef("jira", "HELP-1", "https://acme.atlassian.net/browse/HELP-1")
    assert replay.requests[0].url.params["jql"] == 'labels = "si-test-1"'
    request = replay.body(1)
    assert (request["serviceDeskId"], request["requestTypeId"]) == ("10", "25")
    assert "raiseOnBehalfOf" not in request
    assert request["requestFieldValues"]["summary"].endswith("[si-test-1]")
    labels = [op["add"] for op in replay.body(2)["update"]["labels"]]
    assert "si-test-1" in labels and "mastodon" in labels
    assert replay.body(3)["fields"]["priority"] == {"name": "Medium"}


async def test_a_retry_finds_the_labelled_issue(transcript) -> None:
    replay = Replay(Step("GET", "/rest/api/3/search/jql", file="jira/search_found.json"))
    assert (await jsm(replay).push(transcript)).remote_id == "HELP-1"


async def test_notes_are_internal_comments(note) -> None:
    replay = Replay(
        Step(
            "POST",
            "/rest/servicedeskapi/request/HELP-1/comment",
            201,
            file="jira/comment_created.json",
        )
    )
    await jsm(replay).append(ExternalRef("jira", "HELP-1"), note)
    assert replay.body(0)["public"] is False


async def test_errors_in_atlassians_words(transcript) -> None:
    bad = Replay(Step("GET", "/rest/api/3/myself", 401, file="jira/error_401.json"))
    with pytest.raises(AuthExpired, match="Client must be authenticated"):
        await jsm(bad).test()
    wrong_type = Replay(
        Step("GET", "/rest/api/3/search/jql", file="jira/search_none.json"),
        Step("POST", "/rest/servicedeskapi/request", 400, file="jira/error_servicedesk_400.json"),
    )
    with pytest.raises(RemoteRejected, match="request type you are trying to use does not exist"):
        await jsm(wrong_type).push(transcript)
    slow = Replay(Step("GET", "/rest/api/3/search/jql", 429, headers={"Retry-After": "5"}))
    with pytest.raises(RateLimited) as info:
        await jsm(slow).push(transcript)
    assert info.value.retry_after == 5


async def test_connection_test() -> None:
    replay = Replay(
        Step("GET", "/rest/api/3/myself", file="jira/myself.json"),
        Step("GET", "/rest/servicedeskapi/servicedesk/10", file="jira/servicedesk.json"),
    )
    assert (
        await jsm(replay).test() == "Connected to Jira as Ann Agent; service desk 'Customer Help'."
    )
