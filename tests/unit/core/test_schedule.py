"""Wall-clock times across DST, queue slots, missed posts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from inbox.core import schedule as s
from inbox.core.errors import ConfigError

BERLIN = "Europe/Berlin"
NY = "America/New_York"


def test_spring_forward_gap_moves_forward_by_the_gap() -> None:
    # 2026-03-29: Berlin jumps from 02:00 CET to 03:00 CEST; 02:30 does not exist.
    wall = datetime(2026, 3, 29, 2, 30)
    assert not s.exists(wall, BERLIN)
    got = s.local_to_utc(wall, BERLIN)
    assert got == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert s.utc_to_local(got, BERLIN).strftime("%H:%M %Z") == "03:30 CEST"


def test_new_york_spring_forward() -> None:
    # 2026-03-08 02:30 does not exist in New York: 03:30 EDT = 07:30 UTC.
    assert s.local_to_utc(datetime(2026, 3, 8, 2, 30), NY) == datetime(
        2026, 3, 8, 7, 30, tzinfo=UTC
    )


def test_fall_back_ambiguous_time_is_the_first() -> None:
    # 2026-10-25 02:30 happens twice in Berlin: first at CEST (00:30 UTC).
    assert s.local_to_utc(datetime(2026, 10, 25, 2, 30), BERLIN) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


def test_summer_and_winter_keep_wall_time() -> None:
    assert s.local_to_utc(datetime(2026, 7, 1, 9, 30), BERLIN).hour == 7
    assert s.local_to_utc(datetime(2026, 1, 5, 9, 30), BERLIN).hour == 8


def test_naive_required_and_unknown_zone() -> None:
    with pytest.raises(ValueError):
        s.local_to_utc(datetime(2026, 1, 1, tzinfo=UTC), BERLIN)
    with pytest.raises(ConfigError):
        s.local_to_utc(datetime(2026, 1, 1), "Mars/Olympus")


def test_parse_schedule_spec() -> None:
    sched = s.PostingSchedule.parse(BERLIN, "mon-fri 09:30,15:00; sat 11:00")
    assert len(sched.slots) == 11
    assert sched.slots[0] == s.Slot(0, time(9, 30))
    assert sched.format() == (
        "mon 09:30,15:00; tue 09:30,15:00; wed 09:30,15:00; thu 09:30,15:00; "
        "fri 09:30,15:00; sat 11:00"
    )
    assert s.PostingSchedule.parse(BERLIN, "fri-mon 10:00").format() == (
        "mon 10:00; fri 10:00; sat 10:00; sun 10:00"
    )


@pytest.mark.parametrize("spec", ["mon", "xyz 09:00", "mon 25:00"])
def test_bad_schedule_spec(spec: str) -> None:
    with pytest.raises(ConfigError):
        s.PostingSchedule.parse(BERLIN, spec)


def test_next_free_slot_fills_in_order() -> None:
    sched = s.PostingSchedule.parse(BERLIN, "mon-fri 09:30,15:00")
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 10:00 Berlin: 09:30 has passed
    first = s.next_free_slot(sched, now, [])
    assert s.utc_to_local(first, BERLIN).strftime("%a %H:%M") == "Mon 15:00"
    second = s.next_free_slot(sched, now, [first])
    assert s.utc_to_local(second, BERLIN).strftime("%a %H:%M") == "Tue 09:30"


def test_friday_afternoon_rolls_to_monday() -> None:
    sched = s.PostingSchedule.parse(BERLIN, "mon-fri 09:30,15:00")
    fri_evening = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
    got = s.next_free_slot(sched, fri_evening, [])
    assert s.utc_to_local(got, BERLIN).strftime("%a %d %H:%M") == "Mon 09 09:30"


def test_queue_slots_keep_local_time_across_dst() -> None:
    sched = s.PostingSchedule.parse(BERLIN, "mon-sun 09:30")
    before = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    taken: list[datetime] = []
    for _ in range(4):
        taken.append(s.next_free_slot(sched, before, taken))
    assert [s.utc_to_local(t, BERLIN).strftime("%d %H:%M") for t in taken] == [
        "28 09:30",
        "29 09:30",
        "30 09:30",
        "31 09:30",
    ]
    assert taken[1] - taken[0] == timedelta(hours=23)  # the short day


def test_slot_in_the_gap_follows_the_gap_rule() -> None:
    sched = s.PostingSchedule.parse(BERLIN, "sun 02:30")
    got = s.next_free_slot(sched, datetime(2026, 3, 28, tzinfo=UTC), [])
    assert got == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_no_slots_is_an_error() -> None:
    with pytest.raises(ConfigError):
        s.next_free_slot(s.PostingSchedule(BERLIN, ()), datetime(2026, 1, 1, tzinfo=UTC), [])


def test_missed() -> None:
    due = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert not s.is_missed(due, due + timedelta(minutes=5))
    assert s.is_missed(due, due + timedelta(hours=2))


def test_parse_local() -> None:
    assert s.parse_local("2026-03-02T10:30", BERLIN) == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert s.parse_local("2026-03-02T10:30Z", BERLIN) == datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    with pytest.raises(ConfigError):
        s.parse_local("tomorrow", BERLIN)
