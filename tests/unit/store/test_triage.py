"""Working conversations: status, assignment, snooze, tags, spam, notes, override, undo, SLA.

The triage operations run on an engine (core.triage decides, store.triage writes)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from inbox.core import triage as policy
from inbox.core.errors import ConfigError, NotFound
from inbox.core.models import ColumnFilter, Direction, Kind, Role, Status
from inbox.core.notify import AlertKind
from inbox.core.rules import BREACH_RULE, OVERRIDE_RULE
from inbox.core.sla import SlaPolicy
from inbox.engine import Engine, ops, triage

ALL = ColumnFilter(statuses=())


@pytest.fixture
def world(tmp_path, clock, account_info, make_message, backend, request):
    """An engine whose profile has an account, two members (ann is at the keyboard), a
    team and three conversations. Each test runs its body on the engine thread (the
    triage operations run there, as they do for the window and the CLI). On the
    postgresql backend the profile is a team profile (team.json, password in the keyring)."""
    if backend == "postgresql":
        from inbox.store import team as team_profile

        team_profile.save(tmp_path / "inbox.db", request.getfixturevalue("pg_dsn"), None)
    engine = Engine(tmp_path / "inbox.db", clock=clock)
    engine.start()

    def seed(e):
        store = e.store
        account = store.add_account(account_info)
        team = store.teams.create("Support")
        ann = store.teams.add_member("Ann", Role.ADMIN, teams=(team.id,))
        bob = store.teams.add_member("Bob")
        store.teams.set_current(ann.id)
        store.ingest.messages(
            account.id,
            [make_message(key=k, text=f"message {k}", author=k) for k in ("a", "b", "c")],
        )
        ids = {c.snippet[-1]: c.id for c in store.conversations.page(ALL)}
        return account, ann, bob, team, ids

    account, ann, bob, team, ids = engine.call(seed)

    def run(body):
        return engine.call(lambda e: body(e, e.store))

    yield run, account, ann, bob, team, ids
    engine.stop()


def row(store, cid: int):
    return store.query("SELECT * FROM conversations WHERE id = ?", (cid,))[0]


def test_status_workflow_is_audited(world) -> None:
    run, _, _ann, _, _, ids = world

    def body(e, store):
        for status in (Status.OPEN, Status.PENDING, Status.RESOLVED):
            changed = triage.set_status(e, [ids["a"]], status)
            assert changed.conversations == {ids["a"]}
            assert row(store, ids["a"])["status"] == status.value
        assert triage.set_status(e, [ids["a"]], Status.RESOLVED).conversations == set()
        history = store.triage.history(ids["a"])
        assert [(h.actor, h.action, h.detail["status"]) for h in history] == [
            ("Ann", "status", "open"),
            ("Ann", "status", "pending"),
            ("Ann", "status", "resolved"),
        ]
        assert row(store, ids["a"])["sla_due_at"] == "9999"  # resolved stops the clock

    run(body)


def test_a_customer_message_reopens_pending_and_resolved(world, make_message) -> None:
    run, account, _, _, _, ids = world

    def body(e, store):
        triage.set_status(e, [ids["a"]], Status.PENDING)
        triage.set_status(e, [ids["b"]], Status.RESOLVED)
        store.ingest.messages(
            account.id,
            [make_message(key="a", text="any news?"), make_message(key="b", text="still broken")],
        )
        assert row(store, ids["a"])["status"] == "open"
        assert row(store, ids["b"])["status"] == "open"
        assert row(store, ids["b"])["sla_due_at"] != "9999"  # the clock runs again

    run(body)


def test_our_reply_does_not_reopen(world, make_message) -> None:
    run, account, _, _, _, ids = world

    def body(e, store):
        triage.set_status(e, [ids["a"]], Status.RESOLVED)
        store.ingest.messages(
            account.id,
            [make_message(key="a", text="bye", direction=Direction.OUT, author="shop")],
        )
        assert row(store, ids["a"])["status"] == "resolved"

    run(body)


def test_assignment_moves_between_unassigned_and_my_work(world) -> None:
    run, _, ann, bob, _, ids = world

    def body(e, store):
        mine = ColumnFilter(assignee_id=ann.id)
        unassigned = ColumnFilter(unassigned=True)
        assert store.conversations.count(unassigned) == 3
        assert store.conversations.count(mine) == 0
        triage.assign(e, [ids["a"], ids["b"]], ann.id)  # bulk
        assert store.conversations.count(unassigned) == 1
        assert store.conversations.count(mine) == 2
        assert row(store, ids["a"])["status"] == "open"  # someone is on it
        triage.assign(e, [ids["b"]], bob.id)
        assert [
            c.assignee_name for c in store.conversations.page(ColumnFilter(assignee_id=bob.id))
        ] == ["Bob"]
        with pytest.raises(NotFound):
            triage.assign(e, [ids["c"]], 999)  # a member that is gone

    run(body)


def test_team_routing_and_team_filter(world) -> None:
    run, _, _, _, team, ids = world

    def body(e, store):
        triage.set_team(e, [ids["c"]], team.id)
        (conv,) = store.conversations.page(ColumnFilter(team_id=team.id))
        assert (conv.id, conv.team_name) == (ids["c"], "Support")

    run(body)


def test_snooze_hides_until_the_time_then_returns(world, clock) -> None:
    run, _, _, _, _, ids = world

    def body(e, store):
        triage.snooze(e, [ids["a"]], clock.now() + timedelta(hours=2))
        assert ids["a"] not in {c.id for c in store.conversations.page(ColumnFilter())}
        clock.advance(hours=1)
        assert store.triage.wake_snoozed().conversations == set()
        clock.advance(hours=1, seconds=1)
        assert ids["a"] in {c.id for c in store.conversations.page(ColumnFilter())}
        assert store.triage.wake_snoozed().conversations == {ids["a"]}
        assert row(store, ids["a"])["snoozed_until"] is None
        with pytest.raises(ConfigError):
            triage.snooze(e, [ids["a"]], clock.now() - timedelta(minutes=1))

    run(body)


def test_tags_add_and_remove(world) -> None:
    run, _, _, _, _, ids = world

    def body(e, store):
        triage.tag(e, [ids["a"], ids["b"]], add=["vip", "order"])
        triage.tag(e, [ids["a"]], remove=["order"])
        assert json.loads(row(store, ids["a"])["tags"]) == ["vip"]
        assert json.loads(row(store, ids["b"])["tags"]) == ["vip", "order"]

    run(body)


def test_spam_hides_and_not_spam_shows_again(world) -> None:
    run, _, _, _, _, ids = world

    def body(e, store):
        triage.mark_spam(e, [ids["a"]])
        assert ids["a"] not in {c.id for c in store.conversations.page(ColumnFilter())}
        triage.mark_spam(e, [ids["a"]], spam=False)
        assert ids["a"] in {c.id for c in store.conversations.page(ColumnFilter())}
        assert "spam" not in json.loads(row(store, ids["a"])["tags"])

    run(body)


def test_priority_override_survives_reapply_and_can_be_cleared(world) -> None:
    run, _, _, _, _, ids = world

    def body(e, store):
        triage.set_priority(e, [ids["a"]], 77)
        list(store.rules.reapply())
        r = row(store, ids["a"])
        assert (r["priority"], json.loads(r["priority_explain"])) == (77, [[OVERRIDE_RULE, 77]])
        triage.set_priority(e, [ids["a"]], None)
        assert row(store, ids["a"])["priority"] == 0

    run(body)


def test_notes_are_kept_apart_from_messages_and_the_outbox(world) -> None:
    run, _, _, _, _, ids = world

    def body(e, store):
        triage.add_note(e, ids["a"], "Customer called too, refund approved")
        (note,) = store.triage.notes(ids["a"])
        assert (note.author_name, note.text) == ("Ann", "Customer called too, refund approved")
        assert store.query("SELECT count(*) FROM outbox")[0][0] == 0
        assert len(store.conversations.messages(ids["a"])) == 1
        with pytest.raises(ConfigError):
            triage.add_note(e, ids["a"], "   ")

    run(body)


def test_undo_reverts_the_newest_operation_first(world) -> None:
    run, _, ann, _bob, _, ids = world

    def body(e, store):
        triage.assign(e, [ids["a"], ids["b"]], ann.id)
        triage.tag(e, [ids["c"]], add=["x"])
        triage.set_status(e, [ids["a"]], Status.RESOLVED)
        assert ops.undo_label(e) == "Undo status change"
        assert triage.undo(e) == "status change"
        assert row(store, ids["a"])["status"] == "open"
        assert row(store, ids["a"])["sla_due_at"] != "9999"
        assert triage.undo(e) == "tag"
        assert json.loads(row(store, ids["c"])["tags"]) == []
        triage.undo(e)  # the bulk assignment, both at once
        assert row(store, ids["a"])["assignee_id"] is None
        assert row(store, ids["b"])["assignee_id"] is None
        assert row(store, ids["a"])["status"] == "new"
        assert triage.undo(e) == ""  # nothing left
        assert store.triage.history(ids["a"])[-1].action == "undo"
        # an action that changed nothing leaves nothing to undo
        triage.set_status(e, [ids["a"]], Status.NEW)
        assert ops.undo_label(e) == ""

    run(body)


def test_undo_of_snooze_spam_and_note(world, clock) -> None:
    run, _, _, _, _, ids = world

    def body(e, store):
        triage.snooze(e, [ids["a"]], clock.now() + timedelta(days=1))
        triage.mark_spam(e, [ids["b"]])
        triage.add_note(e, ids["c"], "note")
        triage.undo(e)
        assert store.triage.notes(ids["c"]) == []
        triage.undo(e)
        assert row(store, ids["b"])["hidden"] == 0
        triage.undo(e)
        assert row(store, ids["a"])["snoozed_until"] is None

    run(body)


def test_sla_runs_from_the_first_customer_message_and_stops_at_our_reply(
    store, account_info, make_message, clock
) -> None:
    account = store.add_account(account_info)
    store.ingest.messages(account.id, [make_message(key="t", text="hello?", minutes_ago=10)])
    (conv,) = store.conversations.page(ColumnFilter())
    assert conv.sla_due_at == clock.now() + timedelta(minutes=50)  # default: 60 minutes
    clock.advance(minutes=20)
    store.ingest.messages(
        account.id, [make_message(key="t", text="hi!", direction=Direction.OUT, author="shop")]
    )
    r = store.query("SELECT * FROM conversations")[0]
    assert (r["sla_due_at"], r["sla_breaches"]) == ("9999", 0)
    assert r["first_response_at"] is not None


def test_a_breach_is_counted_once_lifts_the_conversation_and_alerts(
    store, account_info, make_message, clock
) -> None:
    account = store.add_account(account_info)
    store.ingest.messages(
        account.id,
        [make_message(key="late", text="late"), make_message(key="fresh", text="fresh")],
    )
    clock.advance(minutes=30)
    store.ingest.messages(account.id, [make_message(key="fresh2", text="fresh2")])
    clock.advance(minutes=31)  # "late" and "fresh" are due; "fresh2" is not
    breached = store.triage.sweep_breaches()
    assert len(breached) == 2
    assert all(due <= store.now() for due in breached.values())  # the due time each missed
    assert store.triage.sweep_breaches() == {}  # once per due time
    top = store.conversations.page(ColumnFilter())
    assert [c.snippet for c in top][-1] == "fresh2"
    # "Waiting over an hour" (+10, normal band) lifted to the top of its band, not urgent.
    assert top[0].priority == 29
    explain = json.loads(
        store.query("SELECT priority_explain FROM conversations ORDER BY id")[0][0]
    )
    assert [BREACH_RULE, 19] in explain
    alerts = store.triage.alerts(breached)
    assert {a.kind for a in alerts} == {AlertKind.NEW, AlertKind.BREACH}
    # replying late keeps the record but drops the boost
    store.ingest.messages(
        account.id, [make_message(key="late", text="sorry", direction=Direction.OUT, author="s")]
    )
    r = store.query("SELECT * FROM conversations WHERE snippet = 'late'")[0]
    assert (r["sla_breaches"], r["priority"], r["sla_due_at"]) == (1, 0, "9999")


def test_a_late_reply_without_a_sweep_still_counts_the_breach(
    store, account_info, make_message, clock
) -> None:
    account = store.add_account(account_info)
    store.ingest.messages(account.id, [make_message(key="t", text="hello")])
    clock.advance(minutes=90)
    store.ingest.messages(
        account.id, [make_message(key="t", text="sorry", direction=Direction.OUT, author="s")]
    )
    assert store.query("SELECT sla_breaches FROM conversations")[0][0] == 1


def test_team_policy_and_next_response_target(store, account_info, make_message, clock) -> None:
    account = store.add_account(account_info)
    team = store.teams.create(
        "VIP desk", SlaPolicy(first_response_minutes=15, next_response_minutes=30)
    )
    store.ingest.messages(account.id, [make_message(key="t", text="hello")])
    (conv,) = store.conversations.page(ColumnFilter())
    # The store writes what core.triage decides (the conversations.route operation's pair).
    store.triage.edit([conv.id], None, "team", policy.route(team.id), rescore=True)
    assert store.conversations.get(conv.id).sla_due_at == clock.now() + timedelta(minutes=15)
    store.ingest.messages(
        account.id, [make_message(key="t", text="hi", direction=Direction.OUT, author="s")]
    )
    clock.advance(minutes=5)
    store.ingest.messages(account.id, [make_message(key="t", text="one more thing")])
    assert store.conversations.get(conv.id).sla_due_at == clock.now() + timedelta(minutes=30)
    store.teams.set_policy(team.id, SlaPolicy(first_response_minutes=15, next_response_minutes=90))
    list(store.rules.reapply())
    assert store.conversations.get(conv.id).sla_due_at == clock.now() + timedelta(minutes=90)


def test_teams_members_and_the_current_member(store) -> None:
    team = store.teams.create("Sales")
    with pytest.raises(ConfigError):
        store.teams.create("Sales")
    ann = store.teams.add_member("Ann", Role.APPROVER, "ann@example.test", teams=(team.id,))
    assert store.teams.members(team.id) == [ann]
    assert ann.team_ids == (team.id,) and ann.role is Role.APPROVER
    store.teams.set_role(ann.id, Role.ADMIN)
    store.teams.leave(team.id, ann.id)
    assert store.teams.members(team.id) == []
    assert store.teams.current() is None
    store.teams.set_current(ann.id)
    assert store.teams.current().role is Role.ADMIN
    store.teams.set_member_settings(ann.id, {"notify": {"min_priority": 10}})
    assert store.teams.member_settings(ann.id)["notify"]["min_priority"] == 10
    assert [t.name for t in store.teams.list_teams()] == ["Sales"]
    assert store.teams.add("Sales") == team.id and store.teams.all() == {team.id: "Sales"}


def test_a_kind_keyword_conversation_can_be_ingested(store, account_info, make_message) -> None:
    account = store.add_account(account_info)
    store.ingest.messages(account.id, [make_message(kind=Kind.KEYWORD, text="tea")])
    assert store.conversations.count(ColumnFilter(kinds=(Kind.KEYWORD,))) == 1


def test_waiting_rules_rescore_as_time_passes_without_new_messages(
    store, account_info, make_message, clock
) -> None:
    account = store.add_account(account_info)
    store.ingest.messages(account.id, [make_message(key="t", text="hello")])
    assert store.triage.rescore_waiting().conversations == set()  # nothing crossed yet
    clock.advance(minutes=30)
    assert store.triage.rescore_waiting().conversations == set()
    clock.advance(minutes=31)
    assert len(store.triage.rescore_waiting().conversations) == 1
    explain = dict(json.loads(store.query("SELECT priority_explain FROM conversations")[0][0]))
    assert explain["Waiting over an hour"] == 10
    clock.advance(minutes=5)
    assert store.triage.rescore_waiting().conversations == set()  # crossed once only
    assert store.rules.waiting_thresholds() == {60.0}
