"""Moderation on Mastodon through the engine: block, mute, report and their undos go through
the outbox to the documented endpoints (recorded Relationship and Report payloads), once,
with the audit row naming who, why and which guideline."""

from __future__ import annotations

import json

import pytest

from inbox.core.errors import NotSupported
from inbox.core.guidelines import Guideline
from inbox.core.history import describe
from inbox.engine import ops
from inbox.engine.ops.moderation import guideline_args
from inbox.engine.outbox import deliver_due
from inbox.engine.sync import sync_account

ALICE = "110000000000000002"


def synced(engine, attach) -> int:
    account_id = attach()
    engine.call(lambda e: sync_account(e, account_id))
    return account_id


def conv(engine, key: str) -> int:
    rows = engine.call(
        lambda e: e.store.query("SELECT id FROM conversations WHERE key = ?", (key,))
    )
    return int(rows[0][0])


def spam_rule(engine) -> int:
    g = Guideline("No spam", kind="conduct", note="Ads and scams are blocked")
    saved = engine.call(lambda e: ops.run(e, "guidelines.save", guideline=guideline_args(g)))
    return int(saved["id"])


def audit(engine, action: str) -> list[tuple[str, dict]]:
    rows = engine.call(
        lambda e: e.store.query(
            "SELECT actor, detail_json FROM audit_log WHERE action = ? ORDER BY id", (action,)
        )
    )
    return [(r[0], json.loads(r[1])) for r in rows]


def test_block_goes_out_once_with_its_guideline_and_undo_unblocks(engine, attach, fake) -> None:
    synced(engine, attach)
    cid = conv(engine, "thread:1130")
    rule = spam_rule(engine)
    item_id = engine.call(
        lambda e: ops.run(
            e, "moderation.act", action="block", conversation_id=cid,
            reason="sells followers", guideline_id=rule, key="dialog-1",
        )
    )  # fmt: skip
    again = engine.call(
        lambda e: ops.run(e, "moderation.act", action="block", conversation_id=cid, key="dialog-1")
    )
    assert again == item_id  # one confirm dialog, one row
    assert fake.calls("POST", f"/api/v1/accounts/{ALICE}/block") == []  # queued, not sent
    assert engine.call(deliver_due) == 1
    [call] = fake.calls("POST", f"/api/v1/accounts/{ALICE}/block")
    assert call.headers["Authorization"].startswith("Bearer ")
    assert fake.relationships[ALICE] == {"blocking": True, "muting": False}
    item = engine.call(lambda e: e.store.outbox.get(item_id))
    assert item.status == "done" and item.remote_id == ALICE
    [(actor, detail)] = audit(engine, "moderation.block")
    assert actor == "You"
    assert detail["guideline"] == "No spam" and detail["reason"] == "sells followers"
    assert detail["handle"] == "alice@mastodon.test" and detail["outbox_id"] == item_id
    assert [d["remote_id"] for _, d in audit(engine, "moderation.block.done")] == [ALICE]
    history = engine.call(lambda e: e.store.triage.history(cid))
    assert ("You", "moderation.block") in [(h.actor, h.action) for h in history]
    words = [describe(h.actor, h.action, h.detail) for h in history]
    assert "You blocked @alice@mastodon.test (No spam: sells followers)" in words
    assert "Block of @alice@mastodon.test went through" in words

    assert engine.call(lambda e: ops.undo_label(e)) == "Undo moderation action"
    engine.call(lambda e: ops.undo(e))
    assert engine.call(deliver_due) == 1
    assert len(fake.calls("POST", f"/api/v1/accounts/{ALICE}/unblock")) == 1
    assert fake.relationships[ALICE]["blocking"] is False


def test_a_crash_between_send_and_mark_leaves_one_block(engine, attach, fake) -> None:
    synced(engine, attach)
    cid = conv(engine, "thread:1130")
    item_id = engine.call(
        lambda e: ops.run(e, "moderation.act", action="block", conversation_id=cid)
    )
    assert engine.call(deliver_due) == 1

    def crash(e) -> None:  # the server blocked; we died before marking the row
        e.store.conn.execute(  # held by an engine that is gone
            "UPDATE outbox SET status = 'sending', claimed_by = '' WHERE id = ?", (item_id,)
        )
        e.store.outbox.recover()

    engine.call(crash)
    assert engine.call(deliver_due) == 1
    calls = fake.calls("POST", f"/api/v1/accounts/{ALICE}/block")
    assert len(calls) == 2  # sent again with the same key: blocking is a state
    assert calls[0].headers["Idempotency-Key"] == calls[1].headers["Idempotency-Key"]
    assert fake.relationships == {ALICE: {"blocking": True, "muting": False}}
    assert engine.call(deliver_due) == 0  # done: never a third time


def test_mute_and_report_reach_the_documented_endpoints(engine, attach, fake) -> None:
    synced(engine, attach)
    cid = conv(engine, "thread:1130")
    engine.call(lambda e: ops.run(e, "moderation.act", action="mute", conversation_id=cid))
    engine.call(
        lambda e: ops.run(
            e, "moderation.act", action="report", conversation_id=cid,
            reason="Selling followers", category="spam",
        )
    )  # fmt: skip
    assert engine.call(deliver_due) == 2
    assert fake.relationships[ALICE]["muting"] is True
    [report] = fake.reports
    assert report["account_id"] == [ALICE] and report["status_ids[]"] == ["1130"]
    assert report["category"] == ["spam"] and report["comment"] == ["Selling followers"]
    assert report["forward"] == ["false"]
    rows = engine.call(lambda e: e.store.outbox.all(include_finished=True))
    assert [r.remote_id for r in rows if r.kind == "moderate"] == [ALICE, "48915"]
    # A report cannot be taken back: nothing to undo after it.
    assert engine.call(lambda e: ops.undo_label(e)) == "Undo moderation action"  # the mute's
    engine.call(lambda e: ops.undo(e))
    assert engine.call(lambda e: ops.undo_label(e)) == ""


def test_what_mastodon_cannot_do_is_refused_in_words(engine, attach, fake) -> None:
    synced(engine, attach)
    cid = conv(engine, "thread:1130")
    with pytest.raises(NotSupported, match="cannot hide a reply"):
        engine.call(
            lambda e: ops.run(e, "moderation.act", action="hide_reply", conversation_id=cid)
        )
    rows = engine.call(lambda e: e.store.outbox.all(include_finished=True))
    assert [r for r in rows if r.kind == "moderate"] == []


def test_a_token_without_the_moderation_scopes_fails_with_the_servers_words(
    engine, attach, fake
) -> None:
    fake.scopes = "read write:statuses write:media write:conversations"  # signed in before
    synced(engine, attach)
    cid = conv(engine, "thread:1130")
    item_id = engine.call(
        lambda e: ops.run(e, "moderation.act", action="block", conversation_id=cid)
    )
    engine.call(deliver_due)
    item = engine.call(lambda e: e.store.outbox.get(item_id))
    assert item.status == "failed"
    assert "outside the authorized scopes" in item.last_error


def test_a_report_is_not_filed_again_after_a_crash(engine, attach, fake) -> None:
    """Reports carry no key: the row is marked before the request leaves, so after a crash
    (the server filed it, we died before marking the row) the retry files nothing and
    says so; Retry (the user checked) files it again, once."""
    synced(engine, attach)
    cid = conv(engine, "thread:1130")
    item_id = engine.call(
        lambda e: ops.run(e, "moderation.act", action="report", conversation_id=cid)
    )
    assert engine.call(deliver_due) == 1
    assert len(fake.reports) == 1

    def crash(e) -> None:
        e.store.conn.execute(
            "UPDATE outbox SET status = 'sending', claimed_by = '' WHERE id = ?", (item_id,)
        )
        e.store.outbox.recover()

    engine.call(crash)
    assert engine.call(deliver_due) == 0
    assert len(fake.calls("POST", "/api/v1/reports")) == 1  # not filed a second time
    item = engine.call(lambda e: e.store.outbox.get(item_id))
    assert item.status == "failed"
    assert item.last_error.startswith("The report may have been filed: an earlier try ended")
    engine.call(lambda e: e.store.outbox.retry(item_id))
    assert engine.call(deliver_due) == 1
    assert len(fake.reports) == 2  # the user said so


def test_a_report_refused_at_the_door_is_retried_normally(engine, attach, fake) -> None:
    """A 429 (nothing was done) clears the mark: the next round files it, once."""
    synced(engine, attach)
    cid = conv(engine, "thread:1130")
    item_id = engine.call(
        lambda e: ops.run(e, "moderation.act", action="report", conversation_id=cid)
    )
    fake.fail(lambda r: r.url.path == "/api/v1/reports", 429, headers={"Retry-After": "0"})
    assert engine.call(deliver_due) == 0
    assert engine.call(lambda e: e.store.outbox.get(item_id)).status == "queued"
    assert engine.call(lambda e: e.store.outbox.unsure_since(item_id)) is None
    engine.call(
        lambda e: e.store.conn.execute("UPDATE outbox SET due_at = '' WHERE id = ?", (item_id,))
    )
    assert engine.call(deliver_due) == 1
    assert len(fake.reports) == 1
