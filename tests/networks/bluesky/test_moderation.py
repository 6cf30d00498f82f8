"""Bluesky moderation on recorded payloads (tests/data/bluesky/moderation, lexicon shapes):
a block is a graph.block record whose rkey comes from the outbox key (a lost answer is
settled by getRecord, never a second block), unblock deletes every block of that person,
mute/unmute are calls, a report is a strongRef to the post, hiding a reply edits the root
post's threadgate and keeps what it already held."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from inbox.core.errors import NotSupported
from inbox.core.models import Contact, Kind, Message
from inbox.networks.base import Moderation
from inbox.networks.bluesky.records import rkey_for
from tests.networks.bluesky.test_recorded import SHOP, Pds, adapter, run

SPAM = "did:plc:spam00000000000000000000"
ROOT = f"at://{SHOP}/app.bsky.feed.post/3kroot0000000"
REPLY = f"at://{SPAM}/app.bsky.feed.post/3kspam00000aa"


def moderation(name: str) -> Any:
    from tests.networks.bluesky.test_recorded import DATA

    return json.loads((DATA / "moderation" / name).read_text(encoding="utf-8"))


def spam_reply(root: str = ROOT) -> Message:
    raw = {
        "uri": REPLY,
        "cid": "bafyreicspam0000000000000000000000000000000000000000000000aa",
        "author": {"did": SPAM, "handle": "spam.test"},
        "record": {
            "$type": "app.bsky.feed.post",
            "text": "Buy followers",
            "reply": {"root": {"uri": root, "cid": "x"}, "parent": {"uri": root, "cid": "x"}},
            "createdAt": "2026-03-02T08:00:00.000Z",
        },
    }
    return Message(
        remote_id=REPLY,
        conversation_key=f"thread:{root}",
        kind=Kind.REPLY,
        author=Contact("bluesky", SPAM, "spam.test"),
        text="Buy followers",
        created_at=datetime(2026, 3, 2, 8, tzinfo=UTC),
        raw=json.dumps(raw),
    )


def ask(action: str, **kw: Any) -> Moderation:
    return Moderation(action, SPAM, "spam.test", "key-123", post=spam_reply(), **kw)


def body(request: httpx.Request) -> Any:
    return json.loads(request.content)


def test_a_block_is_a_record_with_the_rows_rkey_and_a_lost_answer_blocks_once() -> None:
    made: list[dict[str, Any]] = []

    def create(request: httpx.Request) -> httpx.Response:
        made.append(body(request))
        raise httpx.ReadTimeout("the answer was lost", request=request)

    def get(request: httpx.Request) -> httpx.Response:
        if not made:
            return httpx.Response(400, json=moderation("recordNotFound.json"))
        return httpx.Response(200, json={"uri": moderation("createRecord.block.json")["uri"]})

    pds = Pds({"com.atproto.repo.createRecord": create, "com.atproto.repo.getRecord": get})
    sent = run(adapter(pds).moderate(ask("block")))
    [record] = made
    assert record["collection"] == "app.bsky.graph.block" and record["repo"] == SHOP
    assert record["rkey"] == rkey_for("key-123")
    assert (
        record["record"]["subject"] == SPAM and record["record"]["$type"] == "app.bsky.graph.block"
    )
    assert sent.remote_id.startswith(f"at://{SHOP}/app.bsky.graph.block/")
    [lookup] = pds.calls("com.atproto.repo.getRecord")
    assert lookup.url.params["rkey"] == rkey_for("key-123")


def test_the_retry_after_a_crash_finds_the_block_already_there() -> None:
    def exists(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400, json={"error": "InvalidRequest", "message": "Record already exists"}
        )

    pds = Pds(
        {
            "com.atproto.repo.createRecord": exists,
            "com.atproto.repo.getRecord": {"uri": moderation("createRecord.block.json")["uri"]},
        }
    )
    sent = run(adapter(pds).moderate(ask("block", attempt=2)))
    assert sent.remote_id == moderation("createRecord.block.json")["uri"]


def test_unblock_deletes_only_that_persons_blocks() -> None:
    pds = Pds(
        {
            "com.atproto.repo.listRecords": moderation("listRecords.block.json"),
            "com.atproto.repo.deleteRecord": {"commit": {"cid": "c", "rev": "r"}},
        }
    )
    run(adapter(pds).moderate(ask("unblock")))
    [listing] = pds.calls("com.atproto.repo.listRecords")
    assert listing.url.params["collection"] == "app.bsky.graph.block"
    [delete] = pds.calls("com.atproto.repo.deleteRecord")
    assert body(delete) == {
        "repo": SHOP,
        "collection": "app.bsky.graph.block",
        "rkey": "3jzfcijpj2z2a",
    }


def test_mute_and_unmute_are_calls_on_the_actor() -> None:
    pds = Pds({"app.bsky.graph.muteActor": {}, "app.bsky.graph.unmuteActor": {}})
    bsky = adapter(pds)
    run(bsky.moderate(ask("mute")))
    run(bsky.moderate(ask("unmute")))
    assert [body(r) for r in pds.calls("app.bsky.graph.muteActor")] == [{"actor": SPAM}]
    assert [body(r) for r in pds.calls("app.bsky.graph.unmuteActor")] == [{"actor": SPAM}]


def test_a_report_points_at_the_post_with_its_cid() -> None:
    pds = Pds({"com.atproto.moderation.createReport": moderation("createReport.json")})
    sent = run(adapter(pds).moderate(ask("report", reason="Selling followers", category="spam")))
    assert sent.remote_id == "1201"
    [call] = pds.calls("com.atproto.moderation.createReport")
    assert body(call) == {
        "reasonType": "com.atproto.moderation.defs#reasonSpam",
        "reason": "Selling followers",
        "subject": {
            "$type": "com.atproto.repo.strongRef",
            "uri": REPLY,
            "cid": "bafyreicspam0000000000000000000000000000000000000000000000aa",
        },
    }


def test_hiding_a_reply_keeps_the_threadgate_it_had_and_showing_it_takes_it_out() -> None:
    stored: dict[str, Any] = {"value": moderation("getRecord.threadgate.json")["value"]}

    def get(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"uri": ROOT, "value": stored["value"]})

    def put(request: httpx.Request) -> httpx.Response:
        stored["value"] = body(request)["record"]
        return httpx.Response(200, json={"uri": body(request)["rkey"], "cid": "c"})

    pds = Pds({"com.atproto.repo.getRecord": get, "com.atproto.repo.putRecord": put})
    bsky = adapter(pds)
    run(bsky.moderate(ask("hide_reply")))
    [call] = pds.calls("com.atproto.repo.putRecord")
    assert body(call)["collection"] == "app.bsky.feed.threadgate"
    assert body(call)["rkey"] == "3kroot0000000"
    gate = stored["value"]
    assert gate["post"] == ROOT
    assert gate["allow"] == [{"$type": "app.bsky.feed.threadgate#followingRule"}]  # kept
    other = "at://did:plc:other0000000000000000000/app.bsky.feed.post/3kother000000"
    assert gate["hiddenReplies"] == [other, REPLY]
    run(bsky.moderate(ask("hide_reply")))  # again: the same state
    assert stored["value"]["hiddenReplies"] == [other, REPLY]
    run(bsky.moderate(ask("unhide_reply")))
    assert stored["value"]["hiddenReplies"] == [other]


def test_a_reply_in_someone_elses_thread_cannot_be_hidden() -> None:
    pds = Pds({})
    theirs = Moderation(
        "hide_reply", SPAM, "spam.test", "k",
        post=spam_reply(root=f"at://{SPAM}/app.bsky.feed.post/3kroot0000000"),
    )  # fmt: skip
    with pytest.raises(NotSupported, match="threads that start with your own post"):
        run(adapter(pds).moderate(theirs))
    assert pds.requests == []
