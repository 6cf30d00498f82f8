"""Posting time: wall-clock times in an IANA zone, queue slots, due and missed posts.

Times are stored in UTC next to the zone the user chose, so a post planned for
09:30 in Europe/Berlin stays at 09:30 local across a DST change.

DST rules (tested):

- A wall time that does not exist (02:30 on a spring-forward day) moves
  forward by the gap: 02:30 becomes 03:30 local. This is what RFC 5545 and
  most calendars do; the user sees the shifted time before saving.
- A wall time that happens twice (01:30 on a fall-back day) means the first
  one (the earlier UTC instant, fold=0).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from inbox.core.errors import ConfigError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def zone(name: str) -> ZoneInfo:
    """The IANA zone called name; raises ConfigError for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"Unknown time zone {name!r}") from exc


def system_zone() -> str:
    """This computer's IANA zone name (TZ, /etc/localtime, the registry…), else "UTC".

    Through tzlocal, imported on first use; a name zoneinfo does not know is "UTC".
    """
    import os

    tz = os.environ.get("TZ", "").lstrip(":")
    try:
        if tz and "/" in tz:  # TZ=Europe/Berlin, read each time (tzlocal caches its answer)
            zone(tz)
            return tz
        import tzlocal

        name = tzlocal.get_localzone_name() or "UTC"
        zone(name)
    except Exception:  # no zone configured, or one zoneinfo cannot load
        return "UTC"
    return name


def local_to_utc(wall: datetime, zone_name: str) -> datetime:
    """A naive wall-clock time in zone_name as a UTC instant, by the DST rules above."""
    if wall.tzinfo is not None:
        raise ValueError("local_to_utc takes a naive wall-clock time")
    # fold=0 picks the first of two repeated times; in a gap it applies the offset from
    # before the change, which lands the same distance past the gap (02:30 -> 03:30).
    return wall.replace(tzinfo=zone(zone_name), fold=0).astimezone(UTC)


def exists(wall: datetime, zone_name: str) -> bool:
    """False for a wall time skipped by a spring-forward change."""
    tz = zone(zone_name)
    back = wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return back == wall


def utc_to_local(instant: datetime, zone_name: str) -> datetime:
    """A UTC instant as an aware datetime in zone_name."""
    return instant.astimezone(zone(zone_name))


@dataclass(frozen=True, slots=True)
class Slot:
    """A weekly posting time: weekday 0 = Monday, at a wall-clock time."""

    weekday: int
    at: time


@dataclass(frozen=True, slots=True)
class PostingSchedule:
    """An account's queue: weekly slots in its zone."""

    zone: str
    slots: tuple[Slot, ...]

    @classmethod
    def parse(cls, zone_name: str, spec: str) -> PostingSchedule:
        """From text like "mon-fri 09:30,15:00; sat 11:00"."""
        zone(zone_name)
        slots: list[Slot] = []
        for part in filter(None, (p.strip() for p in spec.split(";"))):
            try:
                days_text, times_text = part.split(None, 1)
            except ValueError:
                raise ConfigError(
                    f"Slot {part!r} needs days and times, e.g. 'mon-fri 09:30'"
                ) from None
            days = _days(days_text.lower())
            for t in times_text.split(","):
                try:
                    at = time.fromisoformat(t.strip())
                except ValueError:
                    raise ConfigError(f"Bad time {t.strip()!r} in slot {part!r}") from None
                slots.extend(Slot(d, at) for d in days)
        return cls(zone_name, tuple(sorted(set(slots), key=lambda s: (s.weekday, s.at))))

    def format(self) -> str:
        by_day: dict[int, list[str]] = {}
        for s in self.slots:
            by_day.setdefault(s.weekday, []).append(s.at.strftime("%H:%M"))
        return "; ".join(f"{WEEKDAYS[d]} {','.join(ts)}" for d, ts in sorted(by_day.items()))

    def occurrences(self, after: datetime, days: int = 366) -> Iterable[datetime]:
        """Slot instants (UTC) strictly after `after`, in order, for the next `days` days."""
        if not self.slots:
            return
        start = utc_to_local(after, self.zone).date()
        for offset in range(days + 1):
            day = start + timedelta(days=offset)
            for slot in self.slots:
                if slot.weekday != day.weekday():
                    continue
                instant = local_to_utc(datetime.combine(day, slot.at), self.zone)
                if instant > after:
                    yield instant


def _days(text: str) -> list[int]:
    result: list[int] = []
    for piece in text.split(","):
        if "-" in piece:
            a, b = piece.split("-", 1)
            i, j = _day(a), _day(b)
            result.extend(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
        else:
            result.append(_day(piece))
    return result


def _day(text: str) -> int:
    key = text.strip()[:3]
    if key not in WEEKDAYS:
        raise ConfigError(f"Unknown weekday {text!r}; use mon, tue, … sun")
    return WEEKDAYS.index(key)


def next_free_slot(
    schedule: PostingSchedule, after: datetime, taken: Iterable[datetime]
) -> datetime:
    """The first slot after `after` that no scheduled post of the account occupies.

    Raises:
        ConfigError: the schedule has no slots, or none is free within a year.
    """
    busy = {t.astimezone(UTC) for t in taken}
    for instant in schedule.occurrences(after):
        if instant not in busy:
            return instant
    raise ConfigError("The account's posting schedule has no free slot in the next year.")


class MissedPolicy(StrEnum):
    """What happens to a post whose time passed while the app was closed."""

    PUBLISH = "publish"  # publish now, marked late
    ASK = "ask"  # hold it, flagged, until someone decides
    SKIP = "skip"  # do not publish; shown as skipped


DEFAULT_GRACE = timedelta(minutes=15)


def is_missed(due_at: datetime, now: datetime, grace: timedelta = DEFAULT_GRACE) -> bool:
    """Due longer ago than grace: the app was not running (or offline) at its time."""
    return now - due_at > grace


def parse_local(text: str, zone_name: str) -> datetime:
    """A user-typed time: ISO-8601 with an offset is taken as is; without one, as zone_name.

    Raises:
        ConfigError: text is not an ISO-8601 date-time.
    """
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"Not a date and time: {text!r} (use e.g. 2026-03-02T09:30)") from None
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    return local_to_utc(value, zone_name)


def week_start(day: date) -> date:
    """The Monday of day's week."""
    return day - timedelta(days=day.weekday())
