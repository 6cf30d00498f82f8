"""What the report keeps ahead of time equals a computation from scratch: each conversation's
last_inbound_score (migration 22's triggers) is the score of its newest inbound message,
after ingest, the rules' lazy scoring, triage, undo, a deletion, and the migration of a
profile made before it; the report's figures read from it match counting the rows by hand."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from inbox.core import reports
from inbox.core.clock import FakeClock
from inbox.core.models import Direction, Kind, Role
from inbox.core.textfacts import sentiment
from inbox.engine import Engine
from inbox.engine import triage as ops
from inbox.store import Store
from inbox.store import reports as report_store
from inbox.store.db import open_connection


def _kept(store: Store) -> dict[int, float | None]:
    rows = store.query("SELECT id, last_inbound_score FROM conversations")
    return {int(r[0]): r[1] for r in rows}


def _from_scratch(store: Store) -> dict[int, float | None]:
    return {
        int(r[0]): r[1]
        for r in store.query(
            "SELECT c.id, m.sentiment_score FROM conversations c"
            " LEFT JOIN messages m ON m.id = c.last_inbound_id"
        )
    }


def _by_hand(store: Store, day: date) -> dict[str, int]:
    """The day's mood counted row by row, as the report did before the column."""
    out = dict.fromkeys(reports.SENTIMENTS, 0)
    for (score,) in store.query(
        "SELECT m.sentiment_score FROM conversations c JOIN messages m ON m.id = c.last_inbound_id"
        " WHERE m.sentiment_score IS NOT NULL AND c.kind != 'monitoring'"
        " AND substr(c.first_message_at, 1, 10) = ?",
        (day.isoformat(),),
    ):
        label = "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"
        out[label] += 1
    return out


def test_the_kept_score_follows_ingest_scoring_and_deletion(
    store: Store, account_info, make_message, clock: FakeClock
) -> None:
    account = store.add_account(account_info).id
    angry = "This is terrible, worst service ever"
    store.ingest.messages(
        account,
        [
            make_message(key="a", text=angry, minutes_ago=30),
            make_message(key="b", text="I love this shop, thank you!", minutes_ago=20),
            make_message(key="c", text="where is my parcel", minutes_ago=10),
        ],
    )
    kept = _kept(store)
    assert kept == _from_scratch(store)
    assert sentiment(angry) in kept.values()  # the default "Negative tone" rule scored it
    # The customer writes again: the newest inbound is a new message, scored by the rules.
    store.ingest.messages(account, [make_message(key="a", text="Thanks, all good now!")])
    assert _kept(store) == _from_scratch(store)
    assert sentiment("Thanks, all good now!") in _kept(store).values()
    # Our reply is not inbound: nothing moves.
    before = _kept(store)
    store.ingest.messages(
        account, [make_message(key="b", text="Glad to hear it", direction=Direction.OUT)]
    )
    assert _kept(store) == before == _from_scratch(store)
    # A scored message goes away: its conversation has no score any more.
    newest = store.query(
        "SELECT c.id, c.last_inbound_id FROM conversations c WHERE c.last_inbound_score IS NOT NULL"
    )[0]
    with store.transaction():
        store.conn.execute("DELETE FROM messages WHERE id = ?", (newest[1],))
    assert _kept(store)[int(newest[0])] is None
    assert _kept(store) == _from_scratch(store)
    # The report reads the kept score: the same counts as row by row.
    day = clock.now().date()
    period = reports.Period(day, day)
    figures = report_store.period_report(store, period, None, clock.now())
    by_hand = _by_hand(store, day)
    assert sum(by_hand.values()) > 0
    assert {k: figures.sentiment_by_day[day.isoformat()][k] for k in by_hand} == by_hand


def test_triage_and_undo_keep_the_figures_equal_to_a_count_from_scratch(
    tmp_path: Path, clock: FakeClock, account_info, make_message
) -> None:
    engine = Engine(tmp_path / "inbox.db", clock=clock)
    engine.start()
    try:

        def seed(e: Engine) -> list[int]:
            account = e.store.add_account(account_info).id
            e.store.ingest.messages(
                account,
                [
                    make_message(key=f"k{i}", text=text, kind=Kind.DM, minutes_ago=60 - i)
                    for i, text in enumerate(
                        ("This is awful", "great tea, love it", "order 3", "I hate waiting")
                    )
                ],
            )
            ann = ops.add_member(e, "Ann", Role.ADMIN)
            ops.set_current_member(e, ann.id)
            return [int(r[0]) for r in e.store.query("SELECT id FROM conversations ORDER BY id")]

        ids = engine.call(seed)
        day = clock.now().date()
        period = reports.Period(day, day)

        def figures(e: Engine) -> tuple[dict[str, int], int, dict[str, int], bool]:
            report = report_store.period_report(e.store, period, None, clock.now())
            mood = {k: report.sentiment_by_day[day.isoformat()][k] for k in reports.SENTIMENTS}
            return (
                mood,
                report.resolved,
                report.backlog_by_day,
                _kept(e.store) == (_from_scratch(e.store)),
            )

        mood, resolved, backlog, same = engine.call(figures)
        assert same and mood == engine.call(lambda e: _by_hand(e.store, day))
        assert resolved == 0 and backlog == {day.isoformat(): 4}
        clock.advance(minutes=5)
        engine.call(lambda e: ops.resolve(e, ids[:2]))
        mood2, resolved, backlog, same = engine.call(figures)
        assert same and mood2 == mood and resolved == 2 and backlog == {day.isoformat(): 2}
        engine.call(ops.undo)
        mood3, resolved, backlog, same = engine.call(figures)
        assert same and mood3 == mood and resolved == 0 and backlog == {day.isoformat(): 4}
    finally:
        engine.stop()


@pytest.mark.parametrize("scored", [0.6, -0.4])
def test_the_migration_fills_the_kept_score_of_an_existing_profile(
    tmp_path: Path, scored: float
) -> None:
    path = tmp_path / "inbox.db"
    conn = open_connection(path, migrate_to=21)
    conn.executescript(
        f"""
        INSERT INTO accounts (id, network, remote_id, handle, created_at)
            VALUES (1, 'x', '1', 'shop', '');
        INSERT INTO conversations (id, account_id, key, kind, first_message_at,
            last_message_at, last_inbound_id) VALUES
            (1, 1, 'k1', 'mention', '2026-03-02T08:00:00.000000Z', '', 2),
            (2, 1, 'k2', 'mention', '2026-03-02T08:30:00.000000Z', '', 3),
            (3, 1, 'k3', 'mention', '2026-03-02T08:40:00.000000Z', '', NULL);
        INSERT INTO messages (id, account_id, conversation_id, remote_id, kind, created_at,
            sentiment_score) VALUES (1, 1, 1, 'a', 'mention', '1', 0.9),
                                    (2, 1, 1, 'b', 'mention', '2', {scored}),
                                    (3, 1, 2, 'c', 'mention', '3', NULL);
        """
    )
    conn.close()
    store = Store(path, clock=FakeClock(datetime.fromisoformat("2026-03-02T12:00:00+00:00")))
    try:
        assert _kept(store) == {1: scored, 2: None, 3: None} == _from_scratch(store)
        # and from now on the triggers keep it: the rules score message 3
        with store.transaction():
            store.conn.execute("UPDATE messages SET sentiment_score = -0.9 WHERE id = 3")
        assert _kept(store) == {1: scored, 2: -0.9, 3: None} == _from_scratch(store)
    finally:
        store.close()
