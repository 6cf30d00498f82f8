"""Exactly once: 200 due posts, the headless engine SIGKILLed at random points, restarted.

A real HTTP server on 127.0.0.1 implements POST /api/v1/statuses with Mastodon's
Idempotency-Key semantics and records what it creates; the worker sends through
the real Mastodon adapter. Each round starts
`schedule run --until-idle` in a subprocess and kills it with SIGKILL, mostly just
after the server has seen a few more requests (so the kill lands mid-delivery,
between the remote's answer and our commit), sometimes at a random time (during
start-up, recovery or promotion). After at least 50 kills a last run finishes.
Every post must have been created exactly once: none twice, none lost.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from inbox.core.clock import SystemClock
from inbox.core.models import AccountInfo
from inbox.core.posts import Post, PostState, TeamPolicy
from inbox.core.schedule import MissedPolicy
from inbox.store import Store
from tests.servers.mastodon_statuses import StatusServer

POSTS = 200
KILLS = 50
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


def _seed(profile: Path, instance: str) -> None:
    store = Store(profile / "inbox.db", clock=SystemClock())
    account = store.add_account(AccountInfo("mastodon", instance, "1", "shop"))
    store.posts.set_team_policy(None, TeamPolicy(missed=MissedPolicy.PUBLISH))
    due = SystemClock().now() - timedelta(minutes=1)
    with store.transaction():
        for n in range(POSTS):
            store.posts.save(
                Post(f"post number {n}", (account.id,), state=PostState.SCHEDULED, scheduled_at=due)
            )
    store.close()


def _start(profile: Path, url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.servers.publish_worker", str(profile), url],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _wait_for_requests(server: StatusServer, proc: subprocess.Popen[bytes], count: int) -> bool:
    """Wait until the server saw count requests; True early if the worker exited by itself."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.wait_for_requests(count, timeout=0.05) or proc.poll() is not None:
            return True
    return False


def test_every_post_arrives_exactly_once_across_sigkills(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("KILL_SEED", "20261123")))
    server = StatusServer(delay=0.002).start()
    try:
        # The instance keeps its http:// scheme: adapters default a bare host to https.
        _seed(tmp_path, server.url)
        kills = 0
        finished_early = 0
        started = time.monotonic()
        while kills < KILLS:
            before = server.record.requests
            proc = _start(tmp_path, server.url)
            if rng.random() < 0.25:
                # anywhere: start-up, recovery, promotion, or mid-send
                deadline = time.monotonic() + rng.uniform(0.0, 1.2)
                while time.monotonic() < deadline and proc.poll() is None:
                    time.sleep(0.005)
            else:
                # just after the server answered a few more requests: the widest race
                if not _wait_for_requests(server, proc, before + rng.randint(1, 4)):
                    proc.kill()
                    err = proc.communicate()[1].decode()
                    left = POSTS - len(server.record.by_key)
                    pytest.fail(f"the worker sent nothing for 30 s ({left} posts left): {err}")
                time.sleep(rng.uniform(0, 0.004))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            else:
                finished_early += 1
                assert proc.returncode == 0, proc.stderr.read().decode() if proc.stderr else ""
                if len(server.record.by_key) >= POSTS:
                    break  # everything went out before we could kill enough: seed more
            proc.wait()
            if proc.stderr:
                proc.stderr.close()
        delivered_before_final = len(server.record.by_key)
        final = _start(tmp_path, server.url)
        _, err = final.communicate(timeout=120)
        assert final.returncode == 0, err.decode()
        elapsed = time.monotonic() - started
    finally:
        server.stop()

    created = server.record.statuses
    texts = [s["content"] for s in created]
    assert kills >= KILLS, f"only {kills} kills before all posts went out"
    assert len(texts) == len(set(texts)), "a post arrived twice"
    assert sorted(texts) == sorted(f"post number {n}" for n in range(POSTS)), "a post was lost"
    store = Store(tmp_path / "inbox.db", readonly=True)
    try:
        states = {p.state for p in store.posts.find()}
        left = store.query("SELECT count(*) FROM outbox WHERE status != 'done'")[0][0]
    finally:
        store.close()
    assert states == {PostState.PUBLISHED}
    assert left == 0
    print(
        f"\n{kills} SIGKILLs, {finished_early} early exits, {server.record.requests} requests, "
        f"{server.record.replays} answered from the idempotency cache, "
        f"{delivered_before_final} posts out before the last run, {elapsed:.1f} s"
    )
