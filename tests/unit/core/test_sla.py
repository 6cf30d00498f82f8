"""SLA math: plain minutes, business hours, weekends, DST changes, states."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from inbox.core.errors import ConfigError
from inbox.core.sla import (
    BusinessHours,
    SlaPolicy,
    SlaState,
    add_minutes,
    countdown,
    due_for,
    state,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = BusinessHours("Europe/Berlin", time(9), time(17))


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)


def test_without_business_hours_minutes_are_plain_minutes() -> None:
    start = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    assert add_minutes(start, 60, None) == start + timedelta(hours=1)


def test_inside_business_hours_the_clock_runs() -> None:
    start = local(BERLIN, 2026, 3, 2, 10, 0)  # a Monday
    assert add_minutes(start, 60, OFFICE) == local(BERLIN, 2026, 3, 2, 11, 0)


def test_a_message_after_hours_is_timed_from_the_next_opening() -> None:
    start = local(BERLIN, 2026, 3, 2, 20, 0)
    assert add_minutes(start, 60, OFFICE) == local(BERLIN, 2026, 3, 3, 10, 0)


def test_remaining_minutes_carry_over_the_night() -> None:
    start = local(BERLIN, 2026, 3, 2, 16, 30)
    assert add_minutes(start, 60, OFFICE) == local(BERLIN, 2026, 3, 3, 9, 30)


def test_weekends_are_skipped() -> None:
    friday = local(BERLIN, 2026, 3, 6, 16, 45)
    assert add_minutes(friday, 30, OFFICE) == local(BERLIN, 2026, 3, 9, 9, 15)


def test_spring_forward_day_keeps_wall_clock_hours() -> None:
    # Europe/Berlin moves clocks from 02:00 to 03:00 on Sunday 29 March 2026.
    hours = BusinessHours("Europe/Berlin", time(0), time(12), weekdays=tuple(range(7)))
    start = local(BERLIN, 2026, 3, 29, 0, 0)
    due = add_minutes(start, 5 * 60, hours)
    # five hours of real time after midnight is 06:00 on the wall clock that day
    assert due == local(BERLIN, 2026, 3, 29, 6, 0)
    assert due - start.astimezone(UTC) == timedelta(hours=5)


def test_a_spring_forward_day_is_an_hour_shorter_when_counting_across_it() -> None:
    hours = BusinessHours("Europe/Berlin", time(0), time(12), weekdays=tuple(range(7)))
    start = local(BERLIN, 2026, 3, 29, 0, 0)  # that day has 11 open hours, not 12
    due = add_minutes(start, 12 * 60, hours)
    assert due == local(BERLIN, 2026, 3, 30, 1, 0)


def test_fall_back_day_counts_the_repeated_hour_once_in_real_time() -> None:
    # America/New_York repeats 01:00-02:00 on Sunday 1 November 2026.
    hours = BusinessHours("America/New_York", time(0), time(6), weekdays=tuple(range(7)))
    start = local(NEW_YORK, 2026, 11, 1, 0, 0)
    due = add_minutes(start, 6 * 60, hours)  # that day has 7 real open hours
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=6)
    assert due.astimezone(NEW_YORK).hour == 5


def test_nine_to_five_in_new_york_maps_to_different_utc_hours_across_dst() -> None:
    # US clocks spring forward on Sunday 8 March 2026.
    hours = BusinessHours("America/New_York", time(9), time(17))
    friday = add_minutes(local(NEW_YORK, 2026, 3, 6, 8, 0), 60, hours)  # 10:00 EST
    monday = add_minutes(local(NEW_YORK, 2026, 3, 6, 20, 0), 1, hours)  # 09:01 EDT
    assert friday.astimezone(UTC).hour == 15
    assert monday == local(NEW_YORK, 2026, 3, 9, 9, 1)
    assert (monday.astimezone(UTC).hour, monday.minute) == (13, 1)


def test_first_and_next_response_due() -> None:
    policy = SlaPolicy(first_response_minutes=60, next_response_minutes=240)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert due_for(start, False, policy) == start + timedelta(minutes=60)
    assert due_for(start, True, policy) == start + timedelta(minutes=240)
    assert due_for(start, True, SlaPolicy()) is None  # only the first response is timed
    assert due_for(start, False, SlaPolicy(enabled=False)) is None


def test_states_and_countdown() -> None:
    policy = SlaPolicy(amber_minutes=15)
    due = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert state(None, due, policy) is SlaState.NONE
    assert state(due, due - timedelta(minutes=16), policy) is SlaState.OK
    assert state(due, due - timedelta(minutes=15), policy) is SlaState.AMBER
    assert state(due, due, policy) is SlaState.BREACHED
    assert countdown(due, due - timedelta(minutes=12)) == "12m"
    assert countdown(due, due - timedelta(minutes=185)) == "3h 05m"
    assert countdown(due, due + timedelta(minutes=7)) == "-7m"
    assert countdown(due, due - timedelta(days=3)) == "3d"


def test_policy_round_trips_and_rejects_bad_input() -> None:
    policy = SlaPolicy(
        30, 120, 10, BusinessHours("Europe/Berlin", time(8), time(18), (0, 1)), False
    )
    assert SlaPolicy.from_json(policy.to_json()) == policy
    assert SlaPolicy.parse("{}") == SlaPolicy()
    with pytest.raises(ConfigError):
        SlaPolicy.from_json({"hours": {"tz": "Mars/Olympus"}})
    with pytest.raises(ConfigError):
        SlaPolicy.from_json({"hours": {"start": "18:00", "end": "08:00"}})
    with pytest.raises(ConfigError):
        SlaPolicy.from_json({"first_response_minutes": "soon"})
