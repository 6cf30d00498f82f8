"""Teams, members, notification settings and SLA targets as operations: audited with the
acting member, undone where cheap, bad input refused in words with nothing changed."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from inbox.core.errors import ConfigError, NotFound
from inbox.core.models import ColumnFilter, Kind, Role
from inbox.core.notify import NotifyPrefs
from inbox.core.sla import SlaPolicy
from inbox.engine import Engine, ops, triage


@pytest.fixture
def engine(tmp_path: Path, clock):
    e = Engine(tmp_path / "inbox.db", clock=clock)
    e.start()
    yield e
    e.stop()


def _audit(engine: Engine) -> list[tuple[str, str, dict]]:
    rows = engine.call(
        lambda e: e.store.query("SELECT actor, action, detail_json FROM audit_log ORDER BY id")
    )
    return [(r[0], r[1], json.loads(r[2])) for r in rows]


def test_adding_a_team_and_a_member_is_audited_with_who_did_it_and_undone(engine) -> None:
    ann = engine.call(lambda e: triage.add_member(e, "Ann", Role.ADMIN))
    engine.call(lambda e: triage.set_current_member(e, ann.id))
    team = engine.call(lambda e: triage.add_team(e, "Billing"))
    cy = engine.call(lambda e: triage.add_member(e, "Cy", Role.CONTRIBUTOR, (team.id,)))
    assert engine.call(lambda e: e.store.teams.member(cy.id)).team_ids == (team.id,)
    assert [(a, x) for a, x, _ in _audit(engine)] == [
        ("local", "members.add"),  # nobody was at the keyboard yet
        ("member:1", "members.set_current"),
        ("member:1", "teams.add"),
        ("member:1", "members.add"),
    ]
    assert engine.call(ops.undo_label) == "Undo add member"
    engine.call(ops.undo)
    with pytest.raises(NotFound):
        engine.call(lambda e: e.store.teams.member(cy.id))
    engine.call(ops.undo)  # the team
    assert engine.call(lambda e: e.store.teams.all()) == {}
    assert [x for _, x, _ in _audit(engine)][-2:] == ["members.remove", "teams.remove"]


def test_bad_team_and_member_input_is_refused_and_changes_nothing(engine) -> None:
    engine.call(lambda e: triage.add_team(e, "Billing"))
    with pytest.raises(ConfigError, match="already a team called 'Billing'"):
        engine.call(lambda e: ops.run(e, "teams.add", name="Billing"))
    with pytest.raises(ConfigError, match="role is one of admin"):
        engine.call(lambda e: ops.run(e, "members.add", name="Bo", role="boss"))
    with pytest.raises(ConfigError, match="SLA policy is not valid"):
        engine.call(lambda e: ops.run(e, "teams.add", name="X", sla={"amber_minutes": "soon"}))
    with pytest.raises(NotFound):
        engine.call(lambda e: ops.run(e, "members.set_notify_prefs", member_id=9, prefs={}))
    assert engine.call(lambda e: e.store.teams.all()) == {1: "Billing"}
    assert engine.call(lambda e: e.store.teams.members()) == []
    assert [x for _, x, _ in _audit(engine)] == ["teams.add"]


def test_notification_settings_change_and_undo_back(engine) -> None:
    ann = engine.call(lambda e: triage.add_member(e, "Ann", Role.ADMIN))
    quiet = NotifyPrefs(min_priority=80, tz="Europe/Berlin")
    engine.call(lambda e: triage.set_notify_prefs(e, ann.id, quiet))

    def prefs(e: Engine) -> NotifyPrefs:
        return NotifyPrefs.from_json(e.store.teams.member_settings(ann.id).get("notify"))

    assert engine.call(prefs) == quiet
    with pytest.raises(ConfigError, match="Notification settings are not valid"):
        engine.call(
            lambda e: ops.run(
                e, "members.set_notify_prefs", member_id=ann.id, prefs={"tz": "Mars/Base"}
            )
        )
    assert engine.call(prefs) == quiet  # the bad one changed nothing
    engine.call(ops.undo)
    assert engine.call(prefs) == NotifyPrefs()


def test_new_sla_targets_retime_the_team_and_undo_puts_them_back(
    engine, clock, account_info, make_message
) -> None:
    def seed(e: Engine) -> tuple[int, list[int]]:
        account = e.store.add_account(account_info)
        e.store.ingest.messages(
            account.id, [make_message(key=f"k{i}", text="hi", kind=Kind.DM) for i in range(3)]
        )
        team = triage.add_team(e, "Fast")
        ids = [c.id for c in e.store.conversations.page(ColumnFilter(), limit=10)]
        triage.set_team(e, ids[:1], team.id)
        return team.id, ids

    team_id, ids = engine.call(seed)

    def due(e: Engine) -> list:
        return [e.store.conversations.get(i).sla_due_at for i in ids]

    before = engine.call(due)
    engine.call(lambda e: triage.set_policy(e, team_id, SlaPolicy(first_response_minutes=5)))
    after = engine.call(due)
    assert after[0] == clock.now() + timedelta(minutes=5)
    assert after[1:] == before[1:]  # the other conversations have no team: not re-timed
    assert ("teams.set_sla_policy", team_id) in [
        (x, d.get("team_id")) for _, x, d in _audit(engine)
    ]
    assert engine.call(ops.undo_label) == "Undo change SLA targets"

    async def undo(e: Engine) -> None:
        ops.undo(e)
        await triage.reapply_settled(e)

    engine.call(undo)
    assert engine.call(due) == before
