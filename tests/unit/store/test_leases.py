"""Leases between laptops: two Stores on one database are two laptops.

On both backends (a SQLite file; a PostgreSQL database on the session's cluster). Named
leases (the one fetcher of an account) and outbox row leases (the one sender of a row):
taken by one holder at a time, free again when it ends, at once when the holder is a dead
process of this host, and never taken from a live holder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from inbox.core.clock import FakeClock
from inbox.store import Store, leases
from inbox.store.leases import dead, new_holder

TTL = timedelta(seconds=60)


@pytest.fixture
def laptops(
    backend: str, tmp_path: Path, clock: FakeClock, request: pytest.FixtureRequest
) -> Iterator[tuple[Store, Store]]:
    """Two laptops: two Stores on one SQLite file, or on one PostgreSQL database."""
    dsn = request.getfixturevalue("pg_dsn") if backend == "postgresql" else None
    a = Store(tmp_path / "inbox.db", clock=clock, dsn=dsn)
    b = Store(tmp_path / "inbox.db", clock=clock, dsn=dsn)
    yield a, b
    a.close()
    b.close()


def _dead_holder() -> str:
    """The holder id of a process of this host that has ended."""
    proc = subprocess.run(
        [sys.executable, "-c", "from inbox.store.leases import new_holder; print(new_holder())"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
    )
    return proc.stdout.strip()


def test_one_holder_at_a_time_and_the_next_takes_over_when_it_ends(
    laptops: tuple[Store, Store], clock: FakeClock
) -> None:
    a, b = laptops
    ha, hb = new_holder(), new_holder()
    assert a.leases.acquire("fetch:1", ha, TTL)
    assert not b.leases.acquire("fetch:1", hb, TTL)
    assert a.leases.acquire("fetch:1", ha, TTL)  # renewing is taking it again
    clock.advance(seconds=59)
    assert not b.leases.acquire("fetch:1", hb, TTL)
    assert a.leases.renew_all(ha, TTL) == 1
    clock.advance(seconds=59)
    assert not b.leases.acquire("fetch:1", hb, TTL)  # renewed: still a's
    clock.advance(seconds=2)  # a stopped renewing 61 s ago
    assert b.leases.acquire("fetch:1", hb, TTL)
    lease = b.leases.get("fetch:1")
    assert lease is not None and lease.holder == hb
    with a.transaction():  # a, late, cannot commit under the lease any more
        assert not a.leases.fence("fetch:1", ha, TTL)
    with b.transaction():
        assert b.leases.fence("fetch:1", hb, TTL)


def test_a_dead_process_of_this_host_holds_nothing(laptops: tuple[Store, Store]) -> None:
    a, b = laptops
    gone = _dead_holder()
    assert dead(gone)
    assert not dead(new_holder())  # this process
    assert not dead("other-host/1/2/abc")  # another laptop: only its lease ends it
    assert a.leases.acquire("fetch:1", gone, TTL)
    assert b.leases.acquire("fetch:1", new_holder(), TTL)


def test_release_frees_the_lease_at_once(laptops: tuple[Store, Store]) -> None:
    a, b = laptops
    ha, hb = new_holder(), new_holder()
    assert a.leases.acquire("fetch:1", ha, TTL)
    a.leases.release_all(ha)
    assert b.leases.acquire("fetch:1", hb, TTL)


def _queue(store: Store, n: int) -> None:
    for i in range(n):
        store.outbox.enqueue("post", f"k{i}", {"text": str(i)})


def test_an_outbox_row_has_one_sender(laptops: tuple[Store, Store], clock: FakeClock) -> None:
    a, b = laptops
    ha, hb = new_holder(), new_holder()
    _queue(a, 3)
    mine = a.outbox.claim_due(limit=2, holder=ha)
    theirs = b.outbox.claim_due(limit=10, holder=hb)
    assert [i.idempotency_key for i in mine] == ["k0", "k1"]
    assert [i.idempotency_key for i in theirs] == ["k2"]
    assert b.outbox.claim_due(holder=hb) == []
    # b starting up (recovery) leaves a's rows alone: a is alive and its lease runs.
    assert b.outbox.recover(hb) == 0
    assert not b.outbox.renew(mine[0].id, hb)
    assert a.outbox.renew(mine[0].id, ha)
    a.outbox.complete(mine[0].id, "r0")
    b.outbox.complete(theirs[0].id, "r2")
    # a vanishes; after the lease, b takes its unfinished row (same remote key).
    clock.advance(seconds=leases_seconds() + 1)
    [taken] = b.outbox.claim_due(holder=hb)
    assert taken.id == mine[1].id and taken.remote_key == mine[1].remote_key
    assert taken.claimed_by == hb and taken.attempts == 2
    assert not a.outbox.renew(mine[1].id, ha)  # a, back late, does not send it too


def test_rows_of_a_dead_process_go_back_to_the_queue_at_once(
    laptops: tuple[Store, Store],
) -> None:
    a, b = laptops
    _queue(a, 2)
    gone = _dead_holder()
    a.outbox.claim_due(holder=gone)
    assert b.outbox.claim_due(holder=new_holder()) == []
    assert b.outbox.recover(new_holder()) == 2
    assert len(b.outbox.claim_due(holder=new_holder())) == 2


def test_a_stopping_engine_hands_its_rows_back(laptops: tuple[Store, Store]) -> None:
    a, b = laptops
    ha = new_holder()
    _queue(a, 2)
    a.outbox.claim_due(holder=ha)
    assert a.outbox.release(ha) == 2
    assert len(b.outbox.claim_due(holder=new_holder())) == 2


def leases_seconds() -> float:
    from inbox.store.outbox import OUTBOX_LEASE

    return OUTBOX_LEASE.total_seconds()


def test_postgresql_claims_with_row_locks(laptops: tuple[Store, Store], backend: str) -> None:
    """FOR UPDATE SKIP LOCKED is used exactly where the backend has it."""
    a, _ = laptops
    assert leases.is_postgres(a) == (backend == "postgresql")
