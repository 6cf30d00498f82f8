"""Ingest through the engine: first sync with pagination and a bounded window, incremental
syncs, 502 mid-pagination without a gap, 429 with its reset time, a revoked token."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from inbox.core.errors import AuthExpired, NetworkError, RateLimited
from inbox.core.events import AccountStatus
from inbox.core.models import ColumnFilter, Kind
from inbox.engine import loops
from inbox.engine.sync import sync_account
from inbox.networks.base import MENTIONS
from tests.networks.mastodon.fake import load


def remote_ids(engine) -> set[str]:
    rows = engine.call(lambda e: e.store.query("SELECT remote_id FROM messages"))
    return {r[0] for r in rows}


def notification_calls(fake) -> list[dict[str, str]]:
    return [dict(r.url.params) for r in fake.calls("GET", "/api/v1/notifications")]


def test_first_sync_pages_back_through_the_window_and_stores_threads(engine, attach, fake):
    account_id = attach(page_size=2)
    engine.call(lambda e: sync_account(e, account_id))
    ids = remote_ids(engine)
    # mentions, DMs, the reply, the quote; plus thread context: our post 1050, our DM 1091,
    # and our answer 1111 among the descendants (1112, someone else's, is not ours to keep)
    assert ids == {"1090", "1091", "1092", "1100", "1110", "1050", "1111", "1120", "1130"}
    assert "1000" not in ids  # older than the 7-day window
    calls = notification_calls(fake)
    assert "max_id" not in calls[0] and "min_id" not in calls[0]
    assert [c.get("max_id") for c in calls[1:4]] == ["2006", "2004", "2001"]
    assert calls[-1]["min_id"] == "2007"
    assert sorted(fake.calls("GET", "/api/v1/notifications")[0].url.params.get_list("types[]")) == [
        "mention",
        "quote",
    ]
    cursor = json.loads(engine.call(lambda e: e.store.cursor(account_id, MENTIONS)))
    assert cursor["newest"] == "2007" and cursor["backfill"] is None


def test_a_dm_thread_is_one_conversation_with_our_reply_as_outgoing(engine, attach):
    account_id = attach()
    engine.call(lambda e: sync_account(e, account_id))

    def dm(e):
        [row] = e.store.query("SELECT id FROM conversations WHERE key = 'dm:1090'")
        return e.store.conversations.get(row[0]), e.store.conversations.messages(row[0])

    summary, messages = engine.call(dm)
    assert summary.kind is Kind.DM
    assert summary.contact_handle == "bob@remote.example"
    assert [(m.remote_id, m.direction) for m in messages] == [
        ("1090", "in"),
        ("1091", "out"),
        ("1092", "in"),
    ]
    assert {m.visibility for m in messages} == {"direct"}


def test_a_reply_to_our_post_shows_the_post_before_it(engine, attach):
    account_id = attach()
    engine.call(lambda e: sync_account(e, account_id))

    def thread(e):
        [row] = e.store.query("SELECT id, kind FROM conversations WHERE key = 'thread:1050'")
        return row[1], [(m.remote_id, m.direction) for m in e.store.conversations.messages(row[0])]

    kind, messages = engine.call(thread)
    assert kind == "reply"
    assert messages == [("1050", "out"), ("1110", "in"), ("1111", "out")]


def test_incremental_sync_fetches_only_what_is_new(engine, attach, fake):
    account_id = attach()
    engine.call(lambda e: sync_account(e, account_id))
    fake.requests.clear()
    fake.add(load("notifications_new.json"))
    changed = engine.call(lambda e: sync_account(e, account_id))
    assert len(changed.conversations) == 1
    calls = notification_calls(fake)
    assert [c["min_id"] for c in calls] == ["2007", "2010"]  # until a page comes back empty
    assert "1200" in remote_ids(engine)
    fake.requests.clear()
    engine.call(lambda e: sync_account(e, account_id))
    assert [c["min_id"] for c in notification_calls(fake)] == ["2010"]


def test_a_502_mid_pagination_leaves_no_gap(engine, attach, fake, sleeps):
    account_id = attach(page_size=2)
    fake.fail(lambda r: r.url.params.get("max_id") == "2004", 502, times=10)
    with pytest.raises(NetworkError, match="502"):
        engine.call(lambda e: sync_account(e, account_id))
    assert sleeps.calls == [1.0, 2.0, 4.0]  # retried with backoff, never really waited
    stored_before = remote_ids(engine)
    assert {"1130", "1120"} <= stored_before and "1090" not in stored_before
    cursor = json.loads(engine.call(lambda e: e.store.cursor(account_id, MENTIONS)))
    assert cursor["backfill"] == "2004"  # the page that failed is asked for again
    assert engine.call(lambda e: e.store.account(account_id)).status == "offline"
    fake.failures.clear()
    engine.call(lambda e: sync_account(e, account_id))
    assert remote_ids(engine) == {
        "1090", "1091", "1092", "1100", "1110", "1050", "1111", "1120", "1130"
    }  # fmt: skip
    assert engine.call(lambda e: e.store.account(account_id)).status == "ok"


def test_429_waits_until_the_reset_time(engine, attach, fake, clock):
    account_id = attach()
    reset = clock.now() + timedelta(seconds=120)
    fake.fail(
        lambda r: r.url.path == "/api/v1/notifications",
        429,
        body={"error": "Too many requests"},
        headers={
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        },
    )
    with pytest.raises(RateLimited) as caught:
        engine.call(lambda e: sync_account(e, account_id))
    assert caught.value.retry_after == 120
    assert engine.call(lambda e: e.store.account(account_id)).status == "rate_limited"


def test_a_spent_budget_is_not_exceeded(adapter, fake, clock):
    reset = clock.now() + timedelta(seconds=90)
    fake.rate_headers = {
        "X-RateLimit-Limit": "300",
        "X-RateLimit-Remaining": "2",
        "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }

    async def run():
        await adapter.limits()  # one answer says only 2 requests are left
        sent = len(fake.requests)
        with pytest.raises(RateLimited) as caught:
            await adapter.fetch(MENTIONS, None)
        assert len(fake.requests) == sent  # refused locally, nothing sent
        return caught.value.retry_after

    assert asyncio.run(run()) == 90
    clock.advance(seconds=91)
    page = asyncio.run(adapter.fetch(MENTIONS, None))
    assert page.items


def test_a_revoked_token_marks_the_account_and_nothing_else_stops(
    engine, attach, fake, make_adapter, me
):
    good = attach()

    def second(e):
        info = type(me)("mastodon", "other.test", "9", "shop@other.test")
        account = e.store.add_account(info)
        revoked = make_adapter()
        revoked.api._token = "revoked"
        e.adapters[account.id] = revoked
        return account.id

    bad = engine.call(second)
    events = []
    engine.subscribe(events.append)
    failed, _ = engine.call(loops.run_once)
    assert failed == 1
    assert engine.call(lambda e: e.store.account(bad)).status == "needs_signin"
    assert engine.call(lambda e: e.store.account(good)).status == "ok"
    assert any(
        isinstance(ev, AccountStatus) and ev.account_id == bad and ev.status == "needs_signin"
        for ev in events
    )
    count = engine.call(lambda e: e.store.conversations.count(ColumnFilter(accounts=(good,))))
    assert count == 5
    with pytest.raises(AuthExpired):
        engine.call(lambda e: sync_account(e, bad))
