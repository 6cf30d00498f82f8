"""Exactly one sender per outbox row when two laptops share one database.

Two `social-inbox schedule run --until-idle` processes (two laptops: each its own
engine, holder and writer connection) work the same profile database against one
loopback Mastodon (tests/servers/mastodon_statuses.py: the shared fake on a real
socket, with Mastodon's Idempotency-Key semantics). The second starts while the first
is mid-delivery, with rows leased to it in "sending": before row leases, its start-up
recovery put those rows back in the queue and it sent them again (the server answered
them from its idempotency cache, counted in `replays`). Every reply and post must reach
the server exactly once: one POST per row, no replay, none lost.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from inbox.core.clock import SystemClock
from inbox.core.models import AccountInfo, Contact, Kind, Message
from inbox.core.posts import Post, PostState, TeamPolicy
from inbox.core.schedule import MissedPolicy
from inbox.store import Store, team
from tests.servers.mastodon_statuses import StatusServer

REPLIES = 30
POSTS = 30
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


def _seed(profile: Path, instance: str) -> None:
    clock = SystemClock()
    store = Store(profile / "inbox.db", clock=clock)
    account = store.add_account(AccountInfo("mastodon", instance, "1", "shop"))
    store.posts.set_team_policy(None, TeamPolicy(missed=MissedPolicy.PUBLISH))
    due = clock.now() - timedelta(minutes=1)
    customer = Contact("mastodon", "900", "customer@elsewhere.test", "Customer")
    mention = Message("777", "c-777", Kind.MENTION, customer, "help?", clock.now())
    changed = store.ingest.messages(account.id, [mention])
    [conversation] = changed.conversations
    with store.transaction():
        for n in range(REPLIES):  # queued before the posts: due first
            store.outbox.enqueue(
                "reply",
                f"reply-{n}",
                {"text": f"reply number {n}", "actor": "Sam"},
                account_id=account.id,
                conversation_id=conversation,
                due_at=due - timedelta(minutes=1),
            )
        for n in range(POSTS):
            store.posts.save(
                Post(f"post number {n}", (account.id,), state=PostState.SCHEDULED, scheduled_at=due)
            )
    store.close()


def _laptop(profile: Path, url: str, password: str = "") -> subprocess.Popen[bytes]:
    """A `schedule run` process on profile; a team profile's password goes in on its stdin
    (tests/servers/publish_worker.py puts it into that process's in-memory keyring)."""
    line, writer = os.pipe()
    os.write(writer, password.encode() + b"\n")  # one short line: within the pipe's buffer
    os.close(writer)
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.servers.publish_worker", str(profile), url],
            cwd=ROOT,
            stdin=line,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    finally:
        os.close(line)


@pytest.fixture(params=["sqlite", "postgresql"])
def laptops(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, Path, str]:
    """(first laptop's profile, second laptop's profile, the team password or ""): one
    SQLite profile both processes open, or two team profiles on one PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path, tmp_path, ""
    pg_dsn: str = request.getfixturevalue("pg_dsn")
    password = urlsplit(pg_dsn).password or ""
    for name in ("alex", "sam"):
        team.save(tmp_path / name / "inbox.db", pg_dsn, None)  # the password: the keyring's
    return tmp_path / "alex", tmp_path / "sam", password


class GatedServer(StatusServer):
    """Holds the first laptop's 4th POST until the second laptop has talked to the server
    (it asks for the instance's limits after its start-up recovery): the second one
    starts while the first has rows leased in "sending"."""

    def __init__(self) -> None:
        super().__init__(delay=0.01)
        self.posts = 0
        self.gets_after_posting = 0
        self.gate = threading.Event()

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/api/v1/statuses":
            self.posts += 1
            if self.posts > 3:
                self.gate.wait(120)
        elif self.posts:
            self.gets_after_posting += 1
            self.gate.set()
        return super().handle(request)


def test_two_laptops_racing_send_every_reply_and_post_exactly_once(
    laptops: tuple[Path, Path, str],
) -> None:
    one, two, password = laptops
    server = GatedServer().start()
    try:
        _seed(one, server.url)
        first = _laptop(one, server.url, password)
        deadline = time.monotonic() + 60
        while not server.wait_for_requests(3, timeout=0.1):
            assert first.poll() is None, first.stderr.read().decode() if first.stderr else ""
            assert time.monotonic() < deadline, "the first laptop sent nothing in 60 s"
        second = _laptop(two, server.url, password)
        outs = [p.communicate(timeout=180) for p in (first, second)]
        for proc, (_, err) in zip((first, second), outs, strict=True):
            assert proc.returncode == 0, err.decode()
            assert not password or password.encode() not in err
    finally:
        server.gate.set()
        server.stop()
    assert server.gets_after_posting, "the second laptop never reached the server"

    texts = [re.sub(r"^(@\S+\s+)+", "", s["content"]) for s in server.record.statuses]
    expected = [f"reply number {n}" for n in range(REPLIES)] + [
        f"post number {n}" for n in range(POSTS)
    ]
    doubled = [t for t, n in Counter(texts).items() if n > 1]
    assert not doubled, f"arrived twice: {doubled}"
    assert sorted(texts) == sorted(expected), "a reply or post was lost"
    # Not even a second POST of a row the server recognised by its key.
    assert server.record.replays == 0, f"{server.record.replays} rows were sent twice"
    store = Store(one / "inbox.db", readonly=True)
    try:
        rows = store.query("SELECT status, claimed_by FROM outbox")
    finally:
        store.close()
    assert {r["status"] for r in rows} == {"done"}
    senders = Counter(r["claimed_by"] for r in rows)
    if one != two:  # two laptops on the team server: the password stayed out of both
        for folder in (one, two):
            for file in folder.rglob("*"):
                assert not file.is_file() or password.encode() not in file.read_bytes(), file
    print(f"\nrows per laptop: {sorted(senders.values())}, requests {server.record.requests}")
