"""Notifications: thresholds, grouping, do-not-disturb hours across midnight."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from inbox.core.errors import ConfigError
from inbox.core.notify import Alert, AlertKind, NotifyPrefs, plan, quiet

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def new(cid: int, priority: int, assignee: int | None = None) -> Alert:
    return Alert(AlertKind.NEW, cid, priority, f"conv {cid}", assignee)


def test_one_alert_names_its_conversation() -> None:
    (note,) = plan([new(1, 50)], NotifyPrefs(), NOON)
    assert note.title == "New high-priority conversation"
    assert note.body == "conv 1" and note.conversation_ids == (1,)


def test_several_alerts_are_grouped_and_the_click_opens_the_highest() -> None:
    alerts = [new(1, 45), new(2, 90), new(3, 10), new(2, 90)]
    (note,) = plan(alerts, NotifyPrefs(min_priority=40), NOON)
    assert note.title == "2 new high-priority conversations"
    assert note.conversation_ids == (2, 1)


def test_breaches_are_their_own_group_and_can_be_turned_off() -> None:
    alerts = [new(1, 50), Alert(AlertKind.BREACH, 5, 0, "late")]
    kinds = [n.kind for n in plan(alerts, NotifyPrefs(), NOON)]
    assert kinds == [AlertKind.BREACH, AlertKind.NEW]
    assert [n.kind for n in plan(alerts, NotifyPrefs(breaches=False), NOON)] == [AlertKind.NEW]


def test_only_mine_keeps_mine_and_unassigned() -> None:
    alerts = [new(1, 50, assignee=7), new(2, 50, assignee=8), new(3, 50)]
    (note,) = plan(alerts, NotifyPrefs(only_mine=True), NOON, me=7)
    assert note.conversation_ids == (1, 3)


def test_disabled_shows_nothing() -> None:
    assert plan([new(1, 99)], NotifyPrefs(enabled=False), NOON) == []


@pytest.mark.parametrize(
    ("hour", "silent"), [(21, False), (22, True), (23, True), (3, True), (7, False), (12, False)]
)
def test_do_not_disturb_wraps_midnight_in_the_members_zone(hour, silent) -> None:
    prefs = NotifyPrefs(dnd_start=time(22), dnd_end=time(7), tz="Europe/Berlin")
    # Berlin is UTC+1 in March before the change
    when = datetime(2026, 3, 2, (hour - 1) % 24, 0, tzinfo=UTC)
    assert quiet(when, prefs) is silent
    assert (plan([new(1, 99)], prefs, when) == []) is silent


def test_daytime_quiet_hours() -> None:
    prefs = NotifyPrefs(dnd_start=time(12), dnd_end=time(13))
    assert quiet(NOON, prefs)
    assert not quiet(NOON.replace(hour=13), prefs)


def test_prefs_round_trip() -> None:
    prefs = NotifyPrefs(False, 10, False, True, time(22), time(6, 30), "Europe/Paris")
    assert NotifyPrefs.from_json(prefs.to_json()) == prefs
    with pytest.raises(ConfigError):
        NotifyPrefs.from_json({"tz": "Nowhere/Town"})
