"""Outbox handlers for pushes: once per conversation, follow-ups, rate limits, visible failures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from inbox.connectors import base
from inbox.core.errors import NetworkError, RateLimited, RemoteRejected
from inbox.core.events import Changed
from inbox.core.handoff import Entry, ExternalRef, RefKind, Transcript
from inbox.engine import connectors as ops
from inbox.engine import triage
from inbox.engine.outbox import deliver_due


class FakeDesk(base.NoArticles):
    """A desk that records calls and fails on demand."""

    kind: ClassVar[str] = "fake"
    title: ClassVar[str] = "Fake desk"
    schema: ClassVar[tuple[base.Field, ...]] = (
        base.Field("token", "str", required=True, secret=True),
    )
    calls: ClassVar[list[tuple[str, Any]]] = []
    fail_with: ClassVar[list[Exception]] = []
    seen_token: ClassVar[str] = ""

    def __init__(self, config: dict[str, Any], *, transport: Any = None) -> None:
        FakeDesk.seen_token = config["token"]

    async def test(self) -> str:
        return "fine"

    async def push(self, transcript: Transcript) -> ExternalRef:
        if self.fail_with:
            raise self.fail_with.pop(0)
        self.calls.append(("push", transcript))
        return ExternalRef("fake", "T-1", "https://desk/T-1")

    async def append(self, ref: ExternalRef, entry: Entry) -> None:
        self.calls.append(("append", (ref.remote_id, entry.kind.value, entry.text)))

    async def aclose(self) -> None:
        pass


@pytest.fixture
def desk(store) -> Iterator[type[FakeDesk]]:
    base.load_all()
    base.KINDS["fake"] = FakeDesk
    FakeDesk.calls, FakeDesk.fail_with = [], []
    ops.save_connector(store, "desk", "fake", {"token": "t0ps3cret"})
    yield FakeDesk
    del base.KINDS["fake"]


async def test_push_stores_the_ref_and_is_done_once(store, desk, conversation, inline_engine):
    item = ops.queue_push(store, conversation, "desk")
    assert item.status == "queued" and item.target == "desk"
    assert await deliver_due(inline_engine) == 1
    assert desk.seen_token == "t0ps3cret"
    ((kind, transcript),) = desk.calls
    assert kind == "push" and len(transcript.entries) == 2
    assert store.connectors.ref(conversation, "desk", RefKind.TICKET) == ExternalRef(
        "desk", "T-1", "https://desk/T-1"
    )
    done = store.outbox.get(item.id)
    assert (done.status, done.remote_id, done.remote_url) == ("done", "T-1", "https://desk/T-1")
    assert ops.queue_push(store, conversation, "desk").id == item.id
    assert await deliver_due(inline_engine) == 0
    assert "t0ps3cret" not in str(store.query("SELECT * FROM connectors")[0]["config_json"])


async def test_rate_limits_wait_as_told_and_errors_stay_visible(
    store, desk, conversation, inline_engine, clock
):
    desk.fail_with = [RateLimited("Desk asks us to slow down", 90), NetworkError("offline")]
    item = ops.queue_push(store, conversation, "desk")
    await deliver_due(inline_engine)
    waiting = store.outbox.get(item.id)
    assert waiting.status == "queued" and waiting.last_error == "Desk asks us to slow down"
    assert waiting.due_at == "2026-03-02T09:01:30.000000Z"
    assert await deliver_due(inline_engine) == 0  # not due yet
    clock.advance(seconds=90)
    await deliver_due(inline_engine)
    assert store.outbox.get(item.id).last_error == "offline"
    assert [p.id for p in store.outbox.pending()] == [item.id]
    clock.advance(minutes=5)
    assert await deliver_due(inline_engine) == 1


async def test_a_refusal_fails_the_row_with_the_systems_words(
    store, desk, conversation, inline_engine
):
    desk.fail_with = [RemoteRejected("Desk refused: queue is closed")]
    item = ops.queue_push(store, conversation, "desk")
    await deliver_due(inline_engine)
    failed = store.outbox.get(item.id)
    assert (failed.status, failed.last_error) == ("failed", "Desk refused: queue is closed")
    again = ops.queue_push(store, conversation, "desk")  # asking again is a retry
    assert (again.id, again.status) == (item.id, "queued")
    assert await deliver_due(inline_engine) == 1


async def test_new_messages_become_follow_ups_once(
    store, desk, conversation, inline_engine, add_followup
):
    ops.queue_push(store, conversation, "desk")
    await deliver_due(inline_engine)
    listener = ops.follow_ups(inline_engine)  # type: ignore[arg-type]
    add_followup("Any news?")
    listener(Changed(conversations=frozenset({conversation})))
    listener(Changed(conversations=frozenset({conversation})))  # twice: still one row
    ops.queue_note(store, conversation, "n1", "Refund if late", "Ann")
    assert await deliver_due(inline_engine) == 2
    assert desk.calls[1:] == [
        ("append", ("T-1", "in", "Any news?")),
        ("append", ("T-1", "note", "Refund if late")),
    ]
    assert Changed(outbox=True) in inline_engine.events


async def test_internal_notes_become_internal_comments_on_the_ticket(
    store, desk, conversation, inline_engine
):
    triage.add_note(inline_engine, conversation, "Before the push: VIP")
    ops.queue_push(store, conversation, "desk")
    await deliver_due(inline_engine)  # the push queues the notes written so far
    changed = triage.add_note(inline_engine, conversation, "Offer a refund")
    ops.follow_ups(inline_engine)(changed)  # type: ignore[arg-type]
    assert await deliver_due(inline_engine) == 2
    (kind, transcript), *appends = desk.calls
    assert kind == "push"
    assert all("VIP" not in e.text for e in transcript.entries)  # notes stay internal
    assert appends == [
        ("append", ("T-1", "note", "Before the push: VIP")),
        ("append", ("T-1", "note", "Offer a refund")),
    ]


def test_knowledge_bases_take_no_tickets(store, conversation, tmp_path) -> None:
    ops.save_connector(store, "md", "markdown", {"folder": str(tmp_path)})
    with pytest.raises(Exception, match="knowledge base"):
        ops.queue_push(store, conversation, "md")


def test_removing_a_connector_removes_its_secrets(store, desk) -> None:
    from inbox import secrets

    key = secrets.connector_key(store.connectors.profile_id(), "desk", "token")
    assert secrets.get_secret(key) == "t0ps3cret"
    ops.remove_connector(store, "desk")
    assert secrets.get_secret(key) is None


def test_the_running_engine_turns_new_messages_into_follow_ups(
    tmp_path, desk, make_message, account_info
) -> None:
    """Through the real engine thread: sync's Changed event reaches the follow-up listener."""
    from inbox.engine import Engine

    engine = Engine(tmp_path / "inbox.db")
    engine.start()
    try:

        def setup(e: Engine) -> int:
            account = e.store.add_account(account_info)
            e.store.ingest.messages(account.id, [make_message("1", key="k")])
            cid = int(e.store.query("SELECT id FROM conversations")[0][0])
            ops.save_connector(e.store, "desk", "fake", {"token": "x"})
            ops.queue_push(e.store, cid, "desk")
            return cid

        cid = engine.call(setup)
        engine.call(ops.deliver_now)

        def new_message(e: Engine) -> None:
            changed = e.store.ingest.messages(1, [make_message("2", key="k", text="More?")])
            e.publish(changed)  # what engine.sync does after storing a page

        engine.call(new_message)
        assert engine.call(ops.deliver_now) == 1
        rows = engine.call(lambda e: e.store.outbox.for_conversation(cid))
        assert [(r.kind, r.status) for r in rows] == [("push", "done"), ("append", "done")]
    finally:
        engine.stop()
    assert desk.calls[-1] == ("append", ("T-1", "in", "More?"))
