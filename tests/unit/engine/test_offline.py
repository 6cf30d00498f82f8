"""Offline work on a team profile, against the suite's real PostgreSQL (engine/offline.py).

Alex's laptop reaches the team server through a TCP proxy the test can cut (a network
partition); Sam's laptop reaches it directly. Alex works offline on the replica while Sam
changes the same conversations; when the proxy heals, Alex's journal is replayed: every
change lands once, status conflicts go to the later writer (both in the audit), notes are
a union, and a reply written offline reaches the loopback Mastodon once.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from inbox.core.clock import SystemClock
from inbox.core.errors import NotAllowed, ServerUnreachable
from inbox.core.models import AccountInfo, Contact, Kind, Message, Role
from inbox.core.posts import Post, PostState, post_to_data
from inbox.engine import Engine, offline, ops, publishing
from inbox.networks import registry
from inbox.store import Store, journal
from inbox.store import team as team_profile
from tests.servers.mastodon_statuses import TOKEN, StatusServer
from tests.servers.tcp_proxy import TcpProxy


@pytest.fixture
def proxy(pg_dsn: str) -> Iterator[TcpProxy]:
    parts = urlsplit(pg_dsn)
    p = TcpProxy("127.0.0.1", int(parts.port or 5432)).start()
    yield p
    p.stop()


@pytest.fixture
def mastodon() -> Iterator[StatusServer]:
    s = StatusServer(delay=0).start()
    yield s
    s.stop()


def _via(dsn: str, port: int) -> str:
    parts = urlsplit(dsn)
    netloc = parts.netloc.rsplit(":", 1)[0] + f":{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


class World:
    """Sam's laptop (a Store straight on the server) and the ids both laptops share."""

    def __init__(self, sam: Store, account: int, conversations: list[int], alex: int, sam_id: int):
        self.sam = sam
        self.account = account
        self.conversations = conversations
        self.alex_id = alex
        self.sam_id = sam_id


def _seed(pg_dsn: str, tmp_path: Path, server_url: str) -> World:
    sam = Store(tmp_path / "sam" / "inbox.db", clock=SystemClock(), dsn=pg_dsn)
    account = sam.add_account(AccountInfo("mastodon", server_url, "1", "shop"))
    now = SystemClock().now()
    ids = []
    for n in range(3):
        customer = Contact("mastodon", f"90{n}", f"c{n}@elsewhere.test", f"Customer {n}")
        message = Message(f"77{n}", f"c-77{n}", Kind.MENTION, customer, f"help {n}?", now)
        ids += sam.ingest.messages(account.id, [message]).conversations
    alex = sam.teams.add_member("Alex", Role.ADMIN)
    sam_member = sam.teams.add_member("Sam", Role.ADMIN)
    return World(sam, account.id, ids, alex.id, sam_member.id)


def _connect(engine: Engine, account_id: int) -> None:
    a = engine.store.account(account_id)
    engine.adapters[a.id] = registry.adapter_factory("mastodon")(a, TOKEN, clock=engine.clock)


def _status(store: Store, conversation_id: int) -> str:
    return str(
        store.query("SELECT status FROM conversations WHERE id = ?", (conversation_id,))[0][0]
    )


def _sam_sets(world: World, ids: list[int], status: str) -> None:
    """Sam's laptop changes a status the way its engine would: triage edit, audited."""
    from inbox.core import triage as policy
    from inbox.core.models import Status

    sam = world.sam
    member = sam.teams.member(world.sam_id)
    sam.triage.edit(ids, member, "status", policy.status(Status(status), sam.now()), status=status)


def _until(when: datetime) -> None:
    """Wait for the time the posts were scheduled at (they are due from then on)."""
    time.sleep(max(0.0, (when - SystemClock().now()).total_seconds()) + 0.05)


def _sam_edits(world: World, post_id: int, text: str) -> None:
    """Sam's laptop edits a scheduled post (posts.updated_at moves)."""
    post = world.sam.posts.get(post_id)
    world.sam.posts.save(replace(post, text=text))


def test_alex_works_offline_and_every_change_lands_once_with_the_documented_conflicts(
    tmp_path: Path, pg_dsn: str, proxy: TcpProxy, mastodon: StatusServer, memory_keyring
) -> None:
    world = _seed(pg_dsn, tmp_path, mastodon.url)
    c1, c2, c3 = world.conversations
    later = SystemClock().now() + timedelta(days=2)
    p_id, q_id = (
        world.sam.posts.save(
            Post(text, (world.account,), state=PostState.SCHEDULED, scheduled_at=later)
        ).id
        for text in ("Spring tea P", "Spring tea Q")
    )
    alex_db = tmp_path / "alex" / "inbox.db"
    team_profile.save(alex_db, _via(pg_dsn, proxy.port), None)
    alex = Engine(alex_db, clock=SystemClock())
    alex.start()
    try:
        alex.call(lambda e: ops.run(e, "members.set_current", member_id=world.alex_id))
        alex.call(lambda e: _connect(e, world.account))
        assert alex.refreshing is not None  # the first start online copies the deck
        alex.refreshing.join()
        assert journal.replica_path(alex_db).exists()
        assert not alex.team_offline

        proxy.cut()  # the train enters the tunnel
        _sam_sets(world, [c1], "pending")  # Sam, before Alex's change: Alex's is later
        _sam_edits(world, q_id, "Spring tea Q, Sam's words")  # before Alex's edit of Q

        # Alex keeps working: the first operation finds the server gone and goes offline.
        alex.call(lambda e: ops.run(e, "conversations.set_status", ids=[c1, c2], status="resolved"))
        assert alex.team_offline
        alex.call(
            lambda e: ops.run(
                e, "conversations.add_note", conversation_id=c1, text="Refund sent by Alex"
            )
        )
        alex.call(
            lambda e: ops.run(
                e,
                "replies.queue",
                conversation_id=c3,
                text="On its way!",
                key="alex-offline-1",
                seen={},  # the collision guard on, as `reply` runs it
            )
        )
        # Three posts scheduled offline, due by the time Alex is back; two edits.
        soon = SystemClock().now() + timedelta(seconds=1)
        for n in range(3):
            post = post_to_data(Post(f"Offline post {n}", (world.account,), scheduled_at=soon))
            alex.call(
                lambda e, post=post, n=n: ops.run(
                    e, "posts.submit", post=post, member_id=world.alex_id, key=f"alex-post-{n}"
                )
            )
        for post_id, text in (
            (p_id, "Spring tea P, Alex's words"),
            (q_id, "Spring tea Q, Alex's words"),
        ):
            edited = post_to_data(
                replace(alex.call(lambda e, i=post_id: e.store.posts.get(i)), text=text)
            )
            alex.call(
                lambda e, edited=edited: ops.run(
                    e, "posts.submit", post=edited, member_id=world.alex_id
                )
            )
        # What Alex sees: the replica, with Alex's changes; the status says what waits.
        assert alex.call(lambda e: _status(e.store, c1)) == "resolved"
        assert alex.call(lambda e: [n.text for n in e.store.triage.notes(c1)]) == [
            "Refund sent by Alex"
        ]
        state = offline.state(alex)
        assert state.offline and state.waiting == 8
        assert state.words() == "Offline — 8 changes waiting to sync"
        # A secret never goes into the journal: adding an account waits for the server.
        with pytest.raises(NotAllowed, match="needs the team server"):
            alex.call(
                lambda e: ops.run(
                    e, "accounts.save", info={"network": "mastodon"}, token="secret-token-x"
                )
            )
        assert offline.state(alex).waiting == 8
        # Nothing reached the server yet.
        assert _status(world.sam, c1) == "pending" and _status(world.sam, c2) != "resolved"
        assert world.sam.triage.notes(c1) == []

        assert world.sam.query("SELECT count(*) FROM posts")[0][0] == 2
        # Sam changes c2 AFTER Alex resolved it, edits post P after Alex did, notes c1.
        _sam_edits(world, p_id, "Spring tea P, Sam's words")
        _sam_sets(world, [c2], "pending")
        world.sam.triage.add_note(c1, "Customer called too", world.sam.teams.member(world.sam_id))
        world.sam.outbox.enqueue(
            "reply",
            "sam-1",
            {"text": "Sam here", "actor": "Sam"},
            account_id=world.account,
            conversation_id=c3,
            queued_by="sam-laptop",
        )

        # Still cut: trying again keeps everything waiting.
        assert alex.call(lambda e: offline.try_online(e)) is False
        assert offline.state(alex).waiting == 8

        proxy.heal()
        assert alex.call(lambda e: offline.try_online(e)) is True
        replayed = alex.last_replay
        assert replayed is not None and replayed.applied == 8 and not replayed.failed
        kept, p_words, q_words = replayed.superseded
        assert p_words == (
            f"Post {p_id}: a later edit made on another laptop was kept; your offline"
            " version is a draft marked Conflict."
        )
        assert q_words == (
            f"Post {q_id}: your later offline edit is the one scheduled; the other version is"
            " a draft marked Conflict."
        )
        assert re.fullmatch(
            rf"Conversation {c2}: Sam's later change \(\d{{4}}-\d\d-\d\d \d\d:\d\d\)"
            r" was kept over yours\.",
            kept,
        ), kept
        assert not alex.team_offline and offline.state(alex).words() == ""

        # What the server holds now.
        assert _status(world.sam, c1) == "resolved"  # Alex's change was the later one
        assert _status(world.sam, c2) == "pending"  # Sam's was
        assert sorted(n.text for n in world.sam.triage.notes(c1)) == [
            "Customer called too",
            "Refund sent by Alex",
        ]
        audit = world.sam.query(
            "SELECT action, actor, conversation_id, detail_json FROM audit_log"
            " WHERE conversation_id = ? AND action IN ('status', 'offline.superseded')"
            " ORDER BY at",
            (c2,),
        )
        # Both are in the audit: Alex's change at Alex's time, then Sam's later one.
        assert [(r["action"], r["actor"]) for r in audit] == [
            ("offline.superseded", f"member:{world.alex_id}"),
            ("status", "Sam"),
        ]
        superseded = json.loads(audit[0]["detail_json"])
        assert superseded["args"] == {"status": "resolved"}
        assert superseded["kept"]["actor"] == "Sam"
        applied = world.sam.query("SELECT id FROM journal_applied ORDER BY id")
        assert len(applied) == 8
        # A post edited on two laptops: both versions kept, the later one scheduled.
        posts = {
            r["text"]: (r["state"], r["note"])
            for r in world.sam.query(
                "SELECT text, state, note FROM posts WHERE text LIKE 'Spring%'"
            )
        }
        assert posts["Spring tea P, Sam's words"] == ("scheduled", "")
        assert posts["Spring tea P, Alex's words"][0] == "draft"
        assert posts["Spring tea P, Alex's words"][1].startswith("Conflict: your offline edit")
        assert posts["Spring tea Q, Alex's words"][0] == "scheduled"
        assert posts["Spring tea Q, Sam's words"][0] == "draft"
        assert posts["Spring tea Q, Sam's words"][1].startswith("Conflict: the version of post")
        assert len(posts) == 4

        # The reply and the three posts written offline leave once, from the server's queue.
        _until(soon)
        while alex.call(lambda e: publishing.tick(e)):
            pass
        texts = [s["content"] for s in mastodon.record.statuses]
        for n in range(3):
            assert len([t for t in texts if f"Offline post {n}" in t]) == 1, texts
        assert mastodon.record.replays == 0
        states = world.sam.query("SELECT state FROM posts WHERE text LIKE 'Offline post%'")
        assert [r[0] for r in states] == ["published"] * 3
        assert len([t for t in texts if "On its way!" in t]) == 1
        assert len([t for t in texts if "Sam here" in t]) == 1  # messages: a union
        despite = world.sam.query(
            "SELECT count(*) FROM audit_log WHERE action = 'reply.despite_answer'"
            " AND conversation_id = ?",
            (c3,),
        )
        assert despite[0][0] == 1
    finally:
        alex.stop()
        world.sam.close()
    # The journal keeps its history, nothing waits; no password in any file of the profile.
    assert journal.waiting_counts(alex_db) == (0, 0)
    password = urlsplit(pg_dsn).password or ""
    for file in alex_db.parent.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            assert password.encode() not in data, file
            assert b"secret-token-x" not in data, file


def test_a_journal_replayed_by_two_processes_at_once_lands_once(
    tmp_path: Path, pg_dsn: str, proxy: TcpProxy, mastodon: StatusServer, memory_keyring
) -> None:
    world = _seed(pg_dsn, tmp_path, mastodon.url)
    c1 = world.conversations[0]
    alex_db = tmp_path / "alex" / "inbox.db"
    team_profile.save(alex_db, _via(pg_dsn, proxy.port), None)
    alex = Engine(alex_db, clock=SystemClock())
    alex.start()
    alex.refreshing.join()  # type: ignore[union-attr]
    alex.stop()
    proxy.cut()
    # Offline from the start: the engine opens the replica.
    alex = Engine(alex_db, clock=SystemClock())
    alex.start()
    try:
        assert alex.team_offline
        for n in range(5):
            alex.call(
                lambda e, n=n: ops.run(
                    e, "conversations.add_note", conversation_id=c1, text=f"note {n}"
                )
            )
        # Undo of a change made offline takes its entry back: it never reaches the server.
        alex.call(lambda e: ops.run(e, "conversations.add_note", conversation_id=c1, text="oops"))
        assert offline.state(alex).waiting == 6
        assert alex.call(lambda e: ops.undo(e)) == "note"
        assert offline.state(alex).waiting == 5
        assert "oops" not in alex.call(lambda e: [n.text for n in e.store.triage.notes(c1)])
    finally:
        alex.stop()
    # The same laptop's journal in a second process (a CLI verb next to the window).
    twin_db = tmp_path / "twin" / "inbox.db"
    shutil.copytree(alex_db.parent, twin_db.parent)
    proxy.heal()
    engines = [Engine(alex_db, clock=SystemClock()), Engine(twin_db, clock=SystemClock())]
    import threading

    threads = [threading.Thread(target=e.start) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        done = [e.last_replay for e in engines]
        assert all(d is not None for d in done)
        assert sum(d.applied for d in done if d) == 5
        assert sum(d.already for d in done if d) == 5
    finally:
        for e in engines:
            e.stop()
    notes = [n.text for n in world.sam.triage.notes(c1)]
    assert sorted(notes) == [f"note {n}" for n in range(5)]
    world.sam.close()


def test_no_replica_yet_says_so(
    tmp_path: Path, pg_dsn: str, proxy: TcpProxy, memory_keyring
) -> None:
    alex_db = tmp_path / "alex" / "inbox.db"
    team_profile.save(alex_db, _via(pg_dsn, proxy.port), None)
    proxy.cut()
    engine = Engine(alex_db, clock=SystemClock())
    with pytest.raises(ServerUnreachable, match="no offline copy"):
        engine.start()


def _offline_engine(db: Path, dsn: str, proxy: TcpProxy, member_id: int) -> Engine:
    """A laptop that was online once (its replica made) and now starts offline."""
    team_profile.save(db, _via(dsn, proxy.port), None)
    engine = Engine(db, clock=SystemClock())
    engine.start()
    engine.call(lambda e: ops.run(e, "members.set_current", member_id=member_id))
    assert engine.refreshing is not None
    engine.refreshing.join()
    engine.stop()
    return engine


def test_two_laptops_back_at_the_same_moment_publish_each_post_once_and_a_refused_change_waits(
    tmp_path: Path, pg_dsn: str, proxy: TcpProxy, mastodon: StatusServer, memory_keyring
) -> None:
    world = _seed(pg_dsn, tmp_path, mastodon.url)
    c1 = world.conversations[0]
    kim = world.sam.teams.add_member("Kim", Role.ADMIN)
    temp = world.sam.teams.add_member("Temp")
    dbs = {"alex": tmp_path / "alex" / "inbox.db", "kim": tmp_path / "kim" / "inbox.db"}
    members = {"alex": world.alex_id, "kim": kim.id}
    for name, db in dbs.items():
        _offline_engine(db, pg_dsn, proxy, members[name])
    proxy.cut()
    soon = SystemClock().now() + timedelta(seconds=1)
    for name, db in dbs.items():
        engine = Engine(db, clock=SystemClock())
        engine.start()
        try:
            assert engine.team_offline
            for n in range(3):
                post = post_to_data(Post(f"{name} post {n}", (world.account,), scheduled_at=soon))
                engine.call(
                    lambda e, post=post, key=f"{name}-{n}", who=members[name]: ops.run(
                        e, "posts.submit", post=post, member_id=who, key=key
                    )
                )
            if name == "alex":  # assigned to Temp, whom Sam removes meanwhile
                engine.call(
                    lambda e: ops.run(e, "conversations.assign", ids=[c1], member_id=temp.id)
                )
                engine.call(
                    lambda e: ops.run(e, "conversations.add_note", conversation_id=c1, text="after")
                )
        finally:
            engine.stop()
    world.sam.teams.remove_member(temp.id)

    proxy.heal()  # both laptops come back at the same moment
    engines = [Engine(db, clock=SystemClock()) for db in dbs.values()]
    threads = [threading.Thread(target=e.start) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        alex, kim_engine = engines
        assert alex.last_replay is not None and kim_engine.last_replay is not None
        assert (alex.last_replay.applied, kim_engine.last_replay.applied) == (4, 3)
        [refused] = alex.last_replay.failed
        assert refused.startswith("Assign made offline at ")
        assert "could not be synced: Member" in refused
        state = offline.state(alex)
        assert (state.offline, state.waiting, state.failed) == (False, 0, 1)
        assert state.words() == "1 change could not be synced"
        # The note made after the refused change still landed: it blocked nothing.
        assert [n.text for n in world.sam.triage.notes(c1)] == ["after"]

        def deliver(e: Engine) -> Any:
            async def rounds() -> None:
                while await publishing.tick(e):
                    pass

            return rounds()

        for e in engines:
            e.call(lambda x: _connect(x, world.account))
        _until(soon)
        futures = [e.submit(deliver) for e in engines]  # both deliver at once
        for f in futures:
            f.result(120)
        for e in engines:  # whatever one round left behind
            e.call(deliver)
    finally:
        for e in engines:
            e.stop()
    texts = [s["content"] for s in mastodon.record.statuses]
    for name in dbs:
        for n in range(3):
            assert len([t for t in texts if f"{name} post {n}" in t]) == 1, texts
    assert mastodon.record.replays == 0
    assert world.sam.query("SELECT count(*) FROM posts WHERE state = 'published'")[0][0] == 6
    # The refused entry stays on Alex's laptop with its words, and `failed` lists it.
    [kept] = journal.read_failed(dbs["alex"])
    assert json.loads(kept.op)["op"] == "conversations.assign" and "Member" in kept.error
    world.sam.close()
