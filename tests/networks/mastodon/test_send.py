"""Replies and posts: thread + visibility + mentions, the outbox's Idempotency-Key on every
retry, media upload with processing, server-side scheduling, the server's error shown."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from inbox.core.models import Media
from inbox.engine.outbox import deliver_due
from inbox.engine.sync import sync_account
from inbox.networks.base import Outgoing


def conversation_id(engine, key: str) -> int:
    return engine.call(
        lambda e: e.store.query("SELECT id FROM conversations WHERE key = ?", (key,))
    )[0][0]


def queue_reply(engine, account_id: int, key: str, text: str, idem: str = "reply-key-1"):
    conv = conversation_id(engine, key)
    return engine.call(
        lambda e: e.store.outbox.enqueue(
            "reply", idem, {"text": text}, account_id=account_id, conversation_id=conv
        )
    )


def test_a_reply_to_a_dm_stays_direct_and_mentions_every_participant(engine, attach, fake):
    account_id = attach()
    engine.call(lambda e: sync_account(e, account_id))
    item = queue_reply(engine, account_id, "dm:1090", "A new parcel is on its way.")
    assert engine.call(deliver_due) == 1
    [post] = fake.posts
    assert post["form"]["visibility"] == ["direct"]
    assert post["form"]["in_reply_to_id"] == ["1092"]
    assert post["form"]["status"] == [
        "@bob@remote.example @carol@other.example A new parcel is on its way."
    ]
    assert post["key"] == item.remote_key != item.idempotency_key
    done = engine.call(lambda e: e.store.outbox.get(item.id))
    assert (done.status, done.remote_id) == ("done", "1300")


def test_a_public_reply_mentions_the_author_once_and_never_ourselves(adapter):
    from inbox.core.models import Contact, Kind, Message

    target = Message(
        remote_id="1100",
        conversation_key="thread:1100",
        kind=Kind.MENTION,
        author=Contact("mastodon", "alice@mastodon.test", "alice@mastodon.test"),
        text="hi",
        created_at=datetime(2026, 3, 1, tzinfo=UTC),
        mentions=("teashop@mastodon.test",),
    )
    assert adapter.mention_prefix(target, "public", "Yes, 10 to 4!") == "@alice "
    assert adapter.mention_prefix(target, "public", "@Alice yes") == ""
    assert adapter.mention_prefix(target, "direct", "ok") == "@alice "


def test_a_retry_after_a_timeout_posts_exactly_once(engine, attach, fake, clock):
    account_id = attach()
    engine.call(lambda e: sync_account(e, account_id))
    fake.timeout_after_post = 10  # the server posts, every answer is lost, retries run out
    item = queue_reply(engine, account_id, "thread:1100", "We open at 10.")
    assert engine.call(deliver_due) == 0
    row = engine.call(lambda e: e.store.outbox.get(item.id))
    assert row.status == "queued" and "timed out" in row.last_error
    fake.timeout_after_post = 0
    clock.advance(minutes=5)
    assert engine.call(deliver_due) == 1
    assert len(fake.posts) == 1  # one status on the server
    keys = {r.headers["Idempotency-Key"] for r in fake.calls("POST", "/api/v1/statuses")}
    assert keys == {item.remote_key}
    assert len(fake.calls("POST", "/api/v1/statuses")) == 5  # 4 lost answers, then the repeat
    assert engine.call(lambda e: e.store.outbox.get(item.id)).remote_id == "1300"


def test_a_refused_post_fails_with_the_servers_message(engine, attach):
    account_id = attach()
    engine.call(lambda e: sync_account(e, account_id))
    item = queue_reply(engine, account_id, "thread:1100", "x" * 600)
    engine.call(deliver_due)
    row = engine.call(lambda e: e.store.outbox.get(item.id))
    assert row.status == "failed"
    assert "Text character limit of 500 exceeded" in row.last_error


def test_a_post_with_media_waits_for_processing_and_sends_alt_text_and_focus(
    adapter, fake, tmp_path, sleeps
):
    picture = tmp_path / "oolong.jpg"
    picture.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    fake.media_polls_until_done = 2
    sent = asyncio.run(
        adapter.send(
            Outgoing(
                text="Oolong is back",
                idempotency_key="post-1",
                visibility="unlisted",
                spoiler_text="tea",
                media=(Media("image", "", description="Tins of oolong on a shelf"),),
                media_files=(str(picture),),
                extra={"focus.0": "-0.42,0.69"},
            )
        )
    )
    assert sent.remote_id == "1300" and not sent.scheduled
    [upload] = fake.calls("POST", "/api/v2/media")
    body = upload.content
    assert b'name="description"\r\n\r\nTins of oolong on a shelf' in body
    assert b'name="focus"\r\n\r\n-0.42,0.69' in body
    assert len(fake.calls("GET", "/api/v1/media/22348641")) == 3  # 206, 206, 200
    form = fake.posts[0]["form"]
    assert form["media_ids[]"] == ["22348641"]
    assert form["visibility"] == ["unlisted"] and form["spoiler_text"] == ["tea"]
    assert sleeps.calls  # waited between polls, through the injected sleep


def test_scheduled_posts_are_handed_to_the_server_and_can_move_or_be_cancelled(adapter, fake):
    when = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)

    async def run():
        sent = await adapter.send(
            Outgoing(text="Next week: oolong tasting", idempotency_key="s-1", scheduled_at=when)
        )
        await adapter.reschedule(sent.remote_id, when + timedelta(days=1))
        moved = fake.scheduled[sent.remote_id]["scheduled_at"]
        await adapter.cancel_scheduled(sent.remote_id)
        return sent, moved

    sent, moved = asyncio.run(run())
    assert sent.scheduled and sent.remote_id == "3221"
    assert fake.posts[0]["form"]["scheduled_at"] == ["2026-03-09T09:00:00.000000Z"]
    assert moved == "2026-03-10T09:00:00.000000Z"
    assert fake.scheduled == {}


def test_limits_come_from_the_instance(adapter):
    limits = asyncio.run(adapter.limits())
    assert (limits.max_chars, limits.url_weight, limits.max_media, limits.alt_text_max) == (
        500,
        23,
        4,
        1500,
    )
