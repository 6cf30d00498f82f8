"""Triage operations through the engine: on its thread, published, with progress."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from inbox.core.clock import to_iso
from inbox.core.events import Changed, Progress
from inbox.core.models import ColumnFilter, Kind, Role, Status
from inbox.core.rules import Action, Condition, Do, Rule, When
from inbox.core.sla import SlaPolicy
from inbox.engine import Engine
from inbox.engine import triage as ops


@pytest.fixture
def engine(tmp_path: Path, clock):
    e = Engine(tmp_path / "inbox.db", clock=clock)
    e.start()
    yield e
    e.stop()


@pytest.fixture
def seeded(engine, account_info, make_message):
    def seed(e):
        account = e.store.add_account(account_info)
        e.store.ingest.messages(
            account.id,
            [make_message(key=f"k{i}", text=f"order {i}", kind=Kind.DM) for i in range(30)],
        )
        ann = ops.add_member(e, "Ann", Role.ADMIN)
        ops.set_current_member(e, ann.id)
        return ann, [c.id for c in e.store.conversations.page(ColumnFilter(), limit=100)]

    ann, ids = engine.call(seed)
    return engine, ann, ids


def test_each_operation_publishes_what_it_changed_and_audits_the_current_member(seeded):
    engine, ann, ids = seeded
    events = []
    engine.subscribe(events.append)
    changed = engine.call(lambda e: ops.assign(e, ids[:3], ann.id))
    assert changed == Changed(conversations=frozenset(ids[:3]), initiator="user")
    assert events == [changed]
    engine.call(lambda e: ops.resolve(e, ids[:1]))
    history = engine.call(lambda e: e.store.triage.history(ids[0]))
    assert [(h.actor, h.action) for h in history] == [("Ann", "assign"), ("Ann", "status")]
    engine.call(ops.undo)
    assert engine.call(lambda e: e.store.conversations.get(ids[0])).status is Status.OPEN


def test_reapply_reports_progress_and_publishes_changes(seeded) -> None:
    engine, _, _ids = seeded
    rule = Rule("Order 1x", (Condition(When.KEYWORDS, ("order",)),), (Action(Do.PRIORITY, 7),))
    engine.call(lambda e: ops.save_rule(e, rule))
    engine.call(ops.reapply_settled)  # saving re-applies in the background first
    events = []
    engine.subscribe(events.append)
    total = engine.call(lambda e: ops.reapply(e, batch=10))
    assert total.conversations == frozenset()  # the background pass already did the work
    progress = [(p.done, p.total) for p in events if isinstance(p, Progress)]
    assert progress == [(0, 0), (10, 30), (20, 30), (30, 30), (1, 1)]
    assert not [ev for ev in events if isinstance(ev, Changed)]
    assert {
        c.priority for c in engine.call(lambda e: e.store.conversations.page(ColumnFilter()))
    } == {37}


def test_sla_tick_returns_snoozed_and_records_breaches(seeded, clock) -> None:
    engine, _, ids = seeded
    engine.call(lambda e: ops.snooze(e, ids[:2], clock.now() + timedelta(minutes=30)))
    clock.advance(minutes=61)
    events = []
    engine.subscribe(events.append)
    changed = engine.call(ops.sla_tick)
    assert changed.conversations == frozenset(ids)  # all 30 breached, 2 woke up
    assert events == [changed] and changed.initiator == "engine"
    assert engine.call(lambda e: e.store.conversations.count(ColumnFilter())) == 30
    # One audit row per breached conversation, by the engine, naming the due time missed.
    rows = engine.call(
        lambda e: e.store.query(
            "SELECT actor, conversation_id, detail_json FROM audit_log"
            " WHERE action = 'sla.breached' ORDER BY conversation_id"
        )
    )
    assert [(r[0], r[1]) for r in rows] == [("engine", i) for i in sorted(ids)]
    assert all(json.loads(r[2])["due_at"] < to_iso(clock.now()) for r in rows)
    again = engine.call(ops.sla_tick)  # nothing newly breached: no event, no audit row
    assert not again and events == [changed]
    count = "SELECT count(*) FROM audit_log WHERE action = 'sla.breached'"
    assert engine.call(lambda e: e.store.query(count))[0][0] == 30


def test_a_new_team_policy_retimes_its_conversations(seeded, clock) -> None:
    engine, _, ids = seeded

    def route(e):
        team = ops.add_team(e, "Fast")
        ops.set_team(e, ids[:1], team.id)
        return team

    team = engine.call(route)
    engine.call(lambda e: ops.set_policy(e, team.id, SlaPolicy(first_response_minutes=5)))
    due = engine.call(lambda e: e.store.conversations.get(ids[0])).sla_due_at
    assert due == clock.now() + timedelta(minutes=5)


def test_editing_rules_reapplies_them_in_the_background(seeded) -> None:
    engine, _, _ids = seeded
    events = []
    engine.subscribe(events.append)
    rule = Rule("Orders", (Condition(When.KEYWORDS, ("order",)),), (Action(Do.PRIORITY, 3),))

    async def edit_twice(e):
        saved = ops.save_rule(e, rule)
        ops.save_rule(e, replace(saved, name="Orders!"))
        await ops.reapply_settled(e)

    engine.call(edit_twice)
    finished = [p for p in events if isinstance(p, Progress) and p.label == "Rules re-applied"]
    assert 1 <= len(finished) <= 2  # the second edit coalesced or ran once more
    page = engine.call(lambda e: e.store.conversations.page(ColumnFilter()))
    assert {c.priority for c in page} == {33}
    assert engine.call(lambda e: e.store.rules.all()[-1].name) == "Orders!"


def test_rule_edits_are_operations_and_undo_puts_a_removed_rule_back_in_place(seeded) -> None:
    engine, _, _ids = seeded
    from inbox.engine import ops as engine_ops

    first = Rule("First", (Condition(When.KEYWORDS, ("order",)),), (Action(Do.PRIORITY, 1),))
    second = Rule("Second", (Condition(When.KEYWORDS, ("tea",)),), (Action(Do.PRIORITY, 2),))
    a = engine.call(lambda e: ops.save_rule(e, first))
    engine.call(lambda e: ops.save_rule(e, second))
    engine.call(ops.reapply_settled)
    names = lambda: [r.name for r in engine.call(lambda e: e.store.rules.all())]  # noqa: E731
    before = names()
    engine.call(lambda e: ops.remove_rule(e, a.id))
    assert "First" not in names()
    assert engine.call(engine_ops.undo_label) == "Undo remove rule"
    assert engine.call(engine_ops.undo) == "remove rule"
    assert names() == before  # back where it was, ahead of "Second"
    engine.call(ops.reapply_settled)
    rows = engine.call(lambda e: e.store.query("SELECT action FROM audit_log ORDER BY id"))
    actions = [r[0] for r in rows]
    assert actions[-3:] == ["rules.save", "rules.remove", "rules.restore"]
