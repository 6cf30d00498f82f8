"""Request Tracker 5 for real: push, follow-ups, no second ticket, plain errors."""

from __future__ import annotations

import httpx
import pytest

from inbox.core.errors import AuthExpired, ConfigError, RemoteRejected
from inbox.core.handoff import RefKind
from inbox.engine import connectors as ops
from inbox.engine.outbox import deliver_due

pytestmark = pytest.mark.integration


def rest(env: dict[str, str], path: str, **params: str) -> object:
    response = httpx.get(
        f"{env['RT_REST2_URL']}/{path}",
        params=params,
        headers={"Authorization": f"token {env['RT_TOKEN']}"},
    )
    response.raise_for_status()
    return response.json()


def history(env: dict[str, str], ticket: str) -> list[dict[str, object]]:
    body = rest(env, f"ticket/{ticket}/history", fields="Type", per_page="100")
    assert isinstance(body, dict)
    return list(body["items"])


def contents(env: dict[str, str], ticket: str, kind: str) -> list[str]:
    """The text of every transaction of that Type, read back through RT's own API."""
    texts = []
    for txn in history(env, ticket):
        if txn["Type"] != kind:
            continue
        att = rest(env, f"transaction/{txn['id']}/attachments", fields="Content,ContentType")
        assert isinstance(att, dict)
        texts.extend(str(a.get("Content", "")) for a in att["items"])
    return texts


@pytest.fixture
def rt(store, rt_server):
    ops.save_connector(
        store,
        "desk",
        "rt",
        {
            "url": rt_server["RT_URL"],
            "queue": rt_server["RT_QUEUE"],
            "token": rt_server["RT_TOKEN"],
        },
    )
    return rt_server


async def test_connection_test_speaks_plainly(store, rt) -> None:
    assert "queue 'Social' is ready" in await ops.test_connector(store, "desk")
    ops.save_connector(store, "bad", "rt", {"url": rt["RT_URL"], "token": "1-31-nope"})
    with pytest.raises(AuthExpired, match="rejected the credentials"):
        await ops.test_connector(store, "bad")
    ops.save_connector(
        store, "pw", "rt", {"url": rt["RT_URL"], "username": "apiuser", "password": "wrong"}
    )
    with pytest.raises(AuthExpired, match=r"HTTP 401"):
        await ops.test_connector(store, "pw")
    ops.save_connector(
        store, "noq", "rt", {"url": rt["RT_URL"], "queue": "Nope", "token": rt["RT_TOKEN"]}
    )
    with pytest.raises(RemoteRejected, match="no queue named 'Nope'"):
        await ops.test_connector(store, "noq")
    ops.save_connector(store, "url", "rt", {"url": rt["RT_URL"] + "/nothing", "token": "x"})
    with pytest.raises((RemoteRejected, AuthExpired), match="Request Tracker"):
        await ops.test_connector(store, "url")


async def test_wrong_credentials_fail_the_push_with_the_plain_error(
    store, rt, conversation, inline_engine
) -> None:
    ops.save_connector(store, "bad", "rt", {"url": rt["RT_URL"], "token": "1-31-nope"})
    item = ops.queue_push(store, conversation, "bad")
    await deliver_due(inline_engine)
    failed = store.outbox.get(item.id)
    assert failed.status == "failed"
    assert "rejected the credentials" in failed.last_error
    assert "1-31-nope" not in failed.last_error


async def test_push_then_follow_ups_land_on_the_same_ticket(
    store, rt, conversation, inline_engine, add_followup
) -> None:
    item = ops.queue_push(store, conversation, "desk")
    assert await deliver_due(inline_engine) == 1
    ref = store.connectors.ref(conversation, "desk", RefKind.TICKET)
    assert ref is not None and ref.url.endswith(f"/Ticket/Display.html?id={ref.remote_id}")
    assert store.outbox.get(item.id).remote_id == ref.remote_id
    assert store.connectors.ticket_fields(conversation) == {
        "ticket.id": ref.remote_id,
        "ticket.url": ref.url,
    }

    ticket = rest(rt, f"ticket/{ref.remote_id}")
    assert isinstance(ticket, dict)
    assert ticket["Subject"].startswith("Mastodon @bob@fosstodon.org: @teashop where is my order")
    assert store.connectors.marker(conversation) in ticket["Subject"]
    assert int(ticket["Priority"]) == 30  # "Asks a question": normal
    assert [r["id"] for r in ticket["Requestor"]] == ["mastodon_bob_at_fosstodon.org"]
    created = "\n".join(contents(rt, ref.remote_id, "Create"))
    assert "where is my order 42?" in created and "It ships tomorrow." in created
    assert "https://social.example/@x/101" in created  # link to the original post
    assert "https://fosstodon.org/@bob" in created  # requester's profile link

    add_followup("Got it, thanks!")
    assert ops.queue_followups(store, frozenset({conversation})) == 1
    ops.queue_note(store, conversation, "n1", "VIP customer, refund if late", "Ann")
    assert await deliver_due(inline_engine) == 2
    assert any("Got it, thanks!" in c for c in contents(rt, ref.remote_id, "Correspond"))
    assert any("VIP customer" in c for c in contents(rt, ref.remote_id, "Comment"))

    # Pushing the same conversation again creates nothing: same row, same ticket.
    again = ops.queue_push(store, conversation, "desk")
    assert again.id == item.id
    assert await deliver_due(inline_engine) == 0
    assert ops.queue_followups(store, frozenset({conversation})) == 0
    found = rest(rt, "tickets", query=f"Subject LIKE '{store.connectors.marker(conversation)}'")
    assert isinstance(found, dict) and found["count"] == 1


async def test_a_crash_after_create_does_not_make_a_second_ticket(
    store, rt, conversation, inline_engine
) -> None:
    item = ops.queue_push(store, conversation, "desk")
    await deliver_due(inline_engine)
    first = store.connectors.ref(conversation, "desk", RefKind.TICKET)
    # Simulate a crash after RT created the ticket but before we stored the ref and acked:
    # the row stays "sending" under an engine that is gone (no live holder of its lease).
    store.conn.execute("DELETE FROM external_refs")
    store.conn.execute(
        "UPDATE outbox SET status = 'sending', claimed_by = '' WHERE id = ?", (item.id,)
    )
    store.outbox.recover()
    await deliver_due(inline_engine)
    again = store.connectors.ref(conversation, "desk", RefKind.TICKET)
    assert again is not None and first is not None and again.remote_id == first.remote_id
    found = rest(rt, "tickets", query=f"Subject LIKE '{store.connectors.marker(conversation)}'")
    assert isinstance(found, dict) and found["count"] == 1


def test_secrets_are_not_in_the_database(store, rt) -> None:
    files = [store.path, store.path.with_name(store.path.name + "-wal")]
    raw = b"".join(p.read_bytes() for p in files if p.exists())
    assert store.connectors.get("desk").config == {"url": rt["RT_URL"], "queue": "Social"}
    assert rt["RT_TOKEN"].encode() not in raw
    with pytest.raises(ConfigError, match="no setting"):
        ops.save_connector(store, "x", "rt", {"url": rt["RT_URL"], "tokn": "typo"})


async def test_a_marker_that_prefixes_another_finds_only_its_own_ticket(
    store, rt, conversation
) -> None:
    from dataclasses import replace

    transcript = store.connectors.transcript(conversation)
    connector = ops.open_connector(store, "desk")
    try:
        other = await connector.push(replace(transcript, marker=transcript.marker + "2"))
        mine = await connector.push(transcript)
        assert mine.remote_id != other.remote_id
        assert (await connector.push(transcript)).remote_id == mine.remote_id
    finally:
        await connector.aclose()


FOLLOW_UPS = 24
KILLS = 8


async def test_follow_ups_arrive_once_across_sigkills(tmp_path, rt_server) -> None:
    """Follow-ups against the real RT while the delivering engine is SIGKILLed at random.

    A kill mostly lands while RT is still recording a correspondence that we will never
    hear back about; the retry must find that follow-up's marker on the ticket and not
    send it again. Every follow-up must be on the ticket exactly once.
    """
    import os
    import random
    import signal
    import subprocess
    import sys
    import time
    from datetime import timedelta
    from pathlib import Path

    from inbox.core.clock import SystemClock
    from inbox.core.models import AccountInfo, Contact, Direction, Kind, Message
    from inbox.store import Store
    from tests.conftest import InlineEngine

    root = Path(__file__).resolve().parents[2]
    clock = SystemClock()
    store = Store(tmp_path / "inbox.db", clock=clock)
    account = store.add_account(AccountInfo("mastodon", "social.example", "1", "teashop"))
    bob = Contact("mastodon", "bob-1", "bob@fosstodon.org", "Bob Smith")

    def said(n: int, text: str) -> Message:
        return Message(
            remote_id=f"k{n}",
            conversation_key="thread-k",
            kind=Kind.MENTION,
            author=bob,
            text=text,
            created_at=clock.now() - timedelta(minutes=60 - n),
            direction=Direction.IN,
        )

    store.ingest.messages(account.id, [said(0, "@teashop my parcel is lost")])
    conversation = int(store.query("SELECT id FROM conversations")[0][0])
    config = {"url": rt_server["RT_URL"], "queue": "Social", "token": rt_server["RT_TOKEN"]}
    ops.save_connector(store, "desk", "rt", config)
    ops.queue_push(store, conversation, "desk")
    assert await deliver_due(InlineEngine(store)) == 1  # the ticket, before the follow-ups
    store.ingest.messages(
        account.id, [said(n, f"follow-up number {n}") for n in range(1, FOLLOW_UPS + 1)]
    )
    assert ops.queue_followups(store, frozenset({conversation})) == FOLLOW_UPS
    pushed = store.connectors.ref(conversation, "desk", RefKind.TICKET)
    assert pushed is not None
    ticket = pushed.remote_id
    store.close()

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.servers.followup_worker",
                str(tmp_path),
                rt_server["RT_URL"],
                rt_server["RT_TOKEN"],
            ],
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(root)},
        )

    def on_ticket() -> int:
        found = rest(rt_server, f"ticket/{ticket}/attachments", fields="Id", per_page="1")
        assert isinstance(found, dict)
        return int(found["total"])

    rng = random.Random(int(os.environ.get("KILL_SEED", "20261129")))
    kills = 0
    for _ in range(KILLS):
        seen = on_ticket()
        proc = start()
        # Kill just after RT recorded one more follow-up: the worker is then acknowledging
        # it or already waiting on the next, which RT records after we are gone.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None and on_ticket() == seen:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 0.3))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        if proc.stderr:
            proc.stderr.close()
    final = start()
    _, err = final.communicate(timeout=300)
    assert final.returncode == 0, err.decode()
    assert kills >= KILLS // 2, f"only {kills} kills landed"

    store = Store(tmp_path / "inbox.db", readonly=True)
    try:
        ref = store.connectors.ref(conversation, "desk", RefKind.TICKET)
        marker = store.connectors.marker(conversation)
    finally:
        store.close()
    assert ref is not None
    found = rest(rt_server, f"ticket/{ref.remote_id}/attachments", fields="Content", per_page="200")
    assert isinstance(found, dict)
    texts = [str(a.get("Content") or "") for a in found["items"]]
    for n in range(1, FOLLOW_UPS + 1):
        copies = sum(f"follow-up number {n}\n" in t for t in texts)
        assert copies == 1, f"follow-up {n} is on the ticket {copies} times ({kills} kills)"
    assert all(f"Reference: {marker}." in t for t in texts if "follow-up number" in t)


async def test_our_reply_is_appended_to_the_ticket_as_correspondence(
    store, rt, conversation, inline_engine
) -> None:
    """Replying to a ticketed conversation: the reply reaches RT as a Correspond, once."""
    from inbox.core.models import AccountInfo
    from inbox.engine.replies import queue_reply
    from inbox.networks.replay import ReplayAdapter

    ops.queue_push(store, conversation, "desk")
    assert await deliver_due(inline_engine) == 1
    ref = store.connectors.ref(conversation, "desk", RefKind.TICKET)
    assert ref is not None
    account_id = int(store.query("SELECT account_id FROM conversations")[0][0])
    info = AccountInfo("mastodon", "social.example", "1", "teashop", "Tea")
    inline_engine.adapters = {account_id: ReplayAdapter(info, {})}
    listener = ops.follow_ups(inline_engine)  # the Engine subscribes it; here by hand
    publish = inline_engine.publish

    def publish_and_listen(event: object) -> None:
        publish(event)
        listener(event)

    inline_engine.publish = publish_and_listen  # type: ignore[method-assign]
    queue_reply(inline_engine, conversation, "Your refund for order 42 is on its way.", "r-1")
    assert await deliver_due(inline_engine) == 1  # the reply, filed in the conversation
    assert await deliver_due(inline_engine) == 1  # its follow-up on the ticket
    replies = [c for c in contents(rt, ref.remote_id, "Correspond") if "refund for order 42" in c]
    assert len(replies) == 1
    assert await deliver_due(inline_engine) == 0  # nothing appended twice
