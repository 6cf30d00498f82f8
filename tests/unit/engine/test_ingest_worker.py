"""The window's engine stores sync batches in a worker process: the same rows, events and
cursors as storing them on the engine thread, rules edited meanwhile included."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from inbox.core.events import Changed
from inbox.core.models import Direction, Kind
from inbox.core.rules import Action, Condition, Do, Rule, When
from inbox.engine import Engine, team
from inbox.engine.sync import sync_account
from inbox.networks.base import DMS, MENTIONS
from inbox.networks.replay import ReplayAdapter

TEXTS = [
    "My order never arrived and I am furious, this is terrible",
    "Love the matcha, thank you so much!",
    "Where is my parcel? Tracking says lost",
    "refund please, charged twice",
    "hello",
]

CONVERSATION_COLUMNS = (
    "key, kind, status, priority, priority_explain, tags, team_id, hidden, rule_state,"
    " sla_due_at, snippet, message_count, unread, first_message_at, last_message_at,"
    " waiting_since, first_response_at"
)


def stream(make_message, n: int) -> dict[str, list]:
    items = [
        make_message(
            f"r{i}",
            key=f"k{i % 37}",
            text=TEXTS[i % len(TEXTS)],
            kind=Kind.DM if i % 37 == 5 else Kind.MENTION,
            author=f"author{i % 23}",
            direction=Direction.OUT if i % 9 == 8 else Direction.IN,
            minutes_ago=1000 - i,
        )
        for i in range(n)
    ]
    return {
        MENTIONS: [m for m in items if m.kind is not Kind.DM],
        DMS: [m for m in items if m.kind is Kind.DM],
    }


def run_sync(engine: Engine, account_info, streams) -> list[Changed]:
    events: list = []
    engine.subscribe(events.append)

    def go(e: Engine):
        e.adapters[1] = ReplayAdapter(account_info, streams, page_size=50)
        return sync_account(e, 1)

    engine.call(go, timeout=120)
    return [ev for ev in events if isinstance(ev, Changed)]


def snapshot(engine: Engine) -> tuple[list, list, list]:
    def read(e: Engine):
        q = e.store.query
        return (
            [tuple(r) for r in q(f"SELECT {CONVERSATION_COLUMNS} FROM conversations ORDER BY key")],
            [
                tuple(r)
                for r in q(
                    "SELECT m.remote_id, c.key, m.direction, m.sentiment_score, p.remote_id"
                    " FROM messages m JOIN conversations c ON c.id = m.conversation_id"
                    " JOIN contacts p ON p.id = m.author_id ORDER BY m.remote_id"
                )
            ],
            [tuple(r) for r in q("SELECT * FROM sync_cursors ORDER BY 1, 2")],
        )

    return engine.call(read)


@pytest.fixture
def pair(tmp_path: Path, clock, account_info):
    engines = {
        "worker": Engine(tmp_path / "w" / "inbox.db", clock=clock, ingest_process=True),
        "here": Engine(tmp_path / "h" / "inbox.db", clock=clock),
    }
    for name, e in engines.items():
        (tmp_path / name[0]).mkdir(exist_ok=True)
        e.start()
        e.call(lambda e: e.store.add_account(account_info))
        e.call(lambda e: e.store.rules.seed_defaults())
    yield engines
    for e in engines.values():
        e.stop()


def test_the_worker_stores_what_the_engine_thread_would(pair, account_info, make_message, clock):
    got = {name: run_sync(e, account_info, stream(make_message, 400)) for name, e in pair.items()}
    worker = pair["worker"].ingest_worker
    assert worker is not None and worker._pool is not None and not worker.broken
    assert got["worker"] == got["here"] and got["worker"]  # the same events, published here
    assert snapshot(pair["worker"]) == snapshot(pair["here"])

    # A rule added in the window between two syncs applies to the next batch in the child;
    # the clock moved too (waiting times, SLA due times come from the engine's clock).
    rule = Rule("Seen", (Condition(When.KIND, ("mention",)),), (Action(Do.TAGS, ("seen",)),))
    clock.advance(minutes=90)
    for name, e in pair.items():
        e.call(lambda e: e.store.rules.save(rule))
        # the replay resumes at the stored cursors: items 400-799 are new
        got[name] = run_sync(e, account_info, stream(make_message, 800))
    assert got["worker"] == got["here"]
    assert snapshot(pair["worker"]) == snapshot(pair["here"])
    tags = pair["worker"].call(
        lambda e: e.store.query("SELECT count(*) FROM conversations WHERE tags LIKE '%seen%'")
    )
    assert tags[0][0] > 0


def test_a_dead_worker_leaves_nothing_half_stored_and_the_engine_takes_over(
    pair, account_info, make_message
) -> None:
    engine = pair["worker"]
    run_sync(engine, account_info, stream(make_message, 200))
    worker = engine.ingest_worker
    assert worker is not None and worker._pool is not None
    for pid in list(worker._pool._processes):  # the child dies (killed, out of memory)
        os.kill(pid, signal.SIGKILL)
    run_sync(engine, account_info, stream(make_message, 600))  # the rest arrives anyway
    for n in (200, 600):  # the same batches on the engine thread
        run_sync(pair["here"], account_info, stream(make_message, n))
    assert worker.broken
    assert snapshot(engine) == snapshot(pair["here"])


def test_small_batches_stay_in_the_engine_and_the_cli_has_no_worker(
    pair, tmp_path, clock, account_info, make_message
) -> None:
    engine = pair["worker"]
    changes = run_sync(engine, account_info, stream(make_message, 30))  # one 30-item batch
    worker = engine.ingest_worker
    assert worker is not None and worker._pool is None  # never started: not worth it
    assert changes == run_sync(pair["here"], account_info, stream(make_message, 30))
    assert snapshot(engine) == snapshot(pair["here"])
    assert Engine(tmp_path / "cli" / "inbox.db", clock=clock).ingest_worker is None


def test_the_elected_fetcher_s_lease_is_checked_in_the_child_s_transaction(
    pair, account_info, make_message, clock
) -> None:
    """The window's account loops always take part in the fetch election: the child stores
    while the engine holds the lease, and refuses the batch once another laptop took it."""
    engine = pair["worker"]
    assert engine.call(lambda e: team.may_fetch(e, 1))
    run_sync(engine, account_info, stream(make_message, 200))
    assert engine.ingest_worker is not None and engine.ingest_worker._pool is not None
    stored = snapshot(engine)
    assert len(stored[1]) == 200

    # This engine stalled past its lease and another laptop took the account over.
    clock.advance(seconds=team.FETCH_LEASE.total_seconds() + 1)
    assert engine.call(lambda e: e.store.leases.acquire("fetch:1", "laptop-b", team.FETCH_LEASE))
    with pytest.raises(team.NotFetcher):
        run_sync(engine, account_info, stream(make_message, 400))
    assert not engine.ingest_worker.broken
    assert snapshot(engine) == stored  # nothing of the refused batch, cursor unmoved
