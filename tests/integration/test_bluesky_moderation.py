"""Moderation against a real local AT Protocol network (PLC + PDS + AppView + Ozone):
block, mute, hide a reply and report a spam reply from the engine's outbox, and what
the PDS then holds. A crash between the PDS's answer and the row being marked done
leaves one block record, not two."""

from __future__ import annotations

import httpx
import pytest

from inbox.core.clock import SystemClock
from inbox.engine import Engine, ops
from inbox.engine.accounts import connect, save_account, sign_in_with_password
from inbox.engine.outbox import deliver_due
from inbox.engine.sync import sync_account
from tests.integration.bsky import Person, new_person, pds_url, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def engine(tmp_path):
    e = Engine(tmp_path / "inbox.db", clock=SystemClock())
    e.start()
    yield e
    e.stop()


def blocks(person: Person) -> list[dict]:
    body = person.call(
        "GET",
        "com.atproto.repo.listRecords",
        params={"repo": person.did, "collection": "app.bsky.graph.block", "limit": 100},
    )
    return list(body["records"])


def spam_in_our_thread(env, engine) -> tuple[Person, Person, int, str]:
    """The shop's post, a spammer's reply under it, synced into the engine's conversation."""
    shop, spammer = new_person(env, "shop"), new_person(env, "spam")
    root = shop.post("Our spring teas are here!")
    spammer.indexed(root["uri"])
    ref = {"uri": root["uri"], "cid": root["cid"]}
    reply = spammer.post("Buy 10k followers now!!", reply={"root": ref, "parent": ref})

    async def setup(e: Engine) -> int:
        async with httpx.AsyncClient() as http:
            info, token = await sign_in_with_password(
                http, "bluesky", shop.handle, shop.app_password(), pds_url(env)
            )
        account = save_account(e.store, info, token)
        e.store.set_setting("sync.backfill_days", 30)
        connect(e, account)
        return account.id

    account_id = engine.call(setup)

    def synced() -> int | None:
        engine.call(lambda e: sync_account(e, account_id))
        rows = engine.call(
            lambda e: e.store.query(
                "SELECT conversation_id FROM messages WHERE remote_id = ?", (reply["uri"],)
            )
        )
        return int(rows[0][0]) if rows else None

    cid = wait_for("the spam reply in the inbox", synced)
    return shop, spammer, cid, reply["uri"]


def act(engine, action: str, cid: int, **kw) -> int:
    return int(
        engine.call(
            lambda e: ops.run(e, "moderation.act", action=action, conversation_id=cid, **kw)
        )
    )


def test_block_survives_a_crash_once_and_undo_unblocks(bsky_network, engine) -> None:
    shop, spammer, cid, _ = spam_in_our_thread(bsky_network, engine)
    item_id = act(engine, "block", cid, reason="follower spam")
    assert engine.call(deliver_due) == 1
    [record] = blocks(shop)
    assert record["value"]["subject"] == spammer.did

    def crash(e) -> None:  # the PDS wrote the block; we died before marking the row
        e.store.conn.execute("UPDATE outbox SET status = 'sending' WHERE id = ?", (item_id,))
        e.store.outbox.recover()

    engine.call(crash)
    assert engine.call(deliver_due) == 1
    assert [r["uri"] for r in blocks(shop)] == [record["uri"]]  # the same record, once
    item = engine.call(lambda e: e.store.outbox.get(item_id))
    assert item.status == "done" and item.remote_id == record["uri"] and item.attempts == 2

    assert engine.call(lambda e: ops.undo(e)) == "moderation action"
    assert engine.call(deliver_due) == 1
    assert blocks(shop) == []


def test_mute_hide_and_report_reach_the_network(bsky_network, engine) -> None:
    shop, spammer, cid, reply_uri = spam_in_our_thread(bsky_network, engine)
    act(engine, "mute", cid)
    act(engine, "hide_reply", cid)
    report = act(engine, "report", cid, reason="Selling followers", category="spam")
    assert engine.call(deliver_due) == 3
    rows = {r.id: r for r in engine.call(lambda e: e.store.outbox.all(include_finished=True))}
    assert {r.status for r in rows.values()} == {"done"}, [r.last_error for r in rows.values()]
    assert rows[report].remote_id.isdigit()  # the moderation service's report id

    mutes = shop.call("GET", "app.bsky.graph.getMutes", params={"limit": 50})
    assert [m["did"] for m in mutes["mutes"]] == [spammer.did]
    root_rkey = wait_for("our root post", lambda: [p["uri"] for p in shop.posts()] or None)[
        0
    ].rsplit("/", 1)[1]
    gate = shop.call(
        "GET",
        "com.atproto.repo.getRecord",
        params={"repo": shop.did, "collection": "app.bsky.feed.threadgate", "rkey": root_rkey},
    )
    assert gate["value"]["hiddenReplies"] == [reply_uri]

    act(engine, "unmute", cid)
    act(engine, "unhide_reply", cid)
    assert engine.call(deliver_due) == 2
    assert shop.call("GET", "app.bsky.graph.getMutes", params={"limit": 50})["mutes"] == []
    gate = shop.call(
        "GET",
        "com.atproto.repo.getRecord",
        params={"repo": shop.did, "collection": "app.bsky.feed.threadgate", "rkey": root_rkey},
    )
    assert gate["value"]["hiddenReplies"] == []
