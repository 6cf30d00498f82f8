"""What we send shows up: a delivered reply becomes an outbound message of its conversation
(first response, SLA stopped, waiting on the customer), and a reply made in the network's own
web app comes back through sync the same way."""

from __future__ import annotations

from inbox.core.clock import to_iso
from inbox.core.models import Direction
from inbox.core.sla import SlaPolicy
from inbox.engine.outbox import deliver_due
from inbox.engine.replies import queue_reply
from inbox.engine.sync import sync_account
from inbox.networks.base import OWN
from tests.networks.mastodon.fake import HOST


def conv(engine, key: str) -> int:
    rows = engine.call(
        lambda e: e.store.query("SELECT id FROM conversations WHERE key = ?", (key,))
    )
    return int(rows[0][0])


def row(engine, conversation_id: int):
    return engine.call(
        lambda e: e.store.query("SELECT * FROM conversations WHERE id = ?", (conversation_id,))
    )[0]


def synced(engine, attach) -> int:
    account_id = attach()
    engine.call(lambda e: e.store.teams.set_policy(None, SlaPolicy(first_response_minutes=60)))
    engine.call(lambda e: sync_account(e, account_id))
    return account_id


def test_a_sent_reply_is_stored_answered_and_stops_the_clock(engine, attach, fake) -> None:
    account_id = synced(engine, attach)
    cid = conv(engine, "thread:1100")
    before = row(engine, cid)
    assert before["first_response_at"] is None and before["sla_due_at"] != "9999"
    item = engine.call(lambda e: queue_reply(e, cid, "We open at 10.", "k-1"))
    assert item.payload["actor"] == "You"  # no member set up: a one-person install
    assert engine.call(deliver_due) == 1

    [post] = fake.posts
    assert post["form"]["in_reply_to_id"] == ["1100"]
    messages = engine.call(lambda e: e.store.conversations.messages(cid))
    ours = [m for m in messages if m.direction == Direction.OUT.value]
    assert [m.text for m in ours][-1].endswith("We open at 10.")
    assert ours[-1].url == post["body"]["url"]
    after = row(engine, cid)
    assert after["first_response_at"] is not None
    assert after["waiting_since"] is None and after["sla_due_at"] == "9999"
    assert after["status"] == "pending"
    history = engine.call(lambda e: e.store.triage.history(cid))
    assert [(h.actor, h.action) for h in history][-2:] == [
        ("You", "reply.queue"),
        ("You", "reply.sent"),
    ]
    # The next sync sees the same status among our own: stored once.
    engine.call(lambda e: sync_account(e, account_id))
    again = engine.call(lambda e: e.store.conversations.messages(cid))
    assert len(again) == len(messages)


def test_a_reply_from_the_web_app_is_picked_up_by_sync(engine, attach, fake, clock) -> None:
    account_id = synced(engine, attach)
    cid = conv(engine, "thread:1100")
    assert row(engine, cid)["first_response_at"] is None
    fake.reply_elsewhere("1100", "Answered from my phone", to_iso(clock.now()))
    fake.reply_elsewhere("999999", "A reply in a thread we never saw", to_iso(clock.now()))
    engine.call(lambda e: sync_account(e, account_id))

    texts = [m.text for m in engine.call(lambda e: e.store.conversations.messages(cid))]
    assert "Answered from my phone" in texts
    after = row(engine, cid)
    assert after["first_response_at"] is not None and after["status"] == "pending"
    assert after["sla_due_at"] == "9999"
    [line] = engine.call(lambda e: e.store.triage.history(cid))
    assert (line.actor, line.action) == (f"@teashop@{HOST}", "reply.elsewhere")
    count = engine.call(lambda e: e.store.query("SELECT count(*) FROM messages"))[0][0]
    assert not any(
        "never saw" in m.text
        for c in engine.call(lambda e: e.store.query("SELECT id FROM conversations"))
        for m in engine.call(lambda e, c=c: e.store.conversations.messages(c[0]))
    )
    # One call per sync for our own statuses; nothing new: nothing stored, one empty page.
    calls = len(fake.calls("GET", "/api/v1/accounts/110000000000000001/statuses"))
    engine.call(lambda e: sync_account(e, account_id))
    assert len(fake.calls("GET", "/api/v1/accounts/110000000000000001/statuses")) == calls + 1
    assert engine.call(lambda e: e.store.query("SELECT count(*) FROM messages"))[0][0] == count
    assert engine.call(lambda e: e.store.cursor(account_id, OWN))
