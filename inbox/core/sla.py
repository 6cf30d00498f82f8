"""Service levels: per-team response targets, business hours across DST, due times and states."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from inbox.core.errors import ConfigError

NO_DUE = "9999"  # what the store keeps in sla_due_at when no SLA runs
_MAX_DAYS = 3660  # a target so long it would need ten years of business days is a mistake


class SlaState(StrEnum):
    NONE = "none"  # nothing is due: answered, resolved, or no policy
    OK = "ok"
    AMBER = "amber"  # nearing the due time
    BREACHED = "breached"


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """Opening hours in one time zone; the clock runs only while open."""

    tz: str = "UTC"
    start: time = time(9)
    end: time = time(17)
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday is 0

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"Unknown time zone {self.tz!r} in business hours") from exc


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """A team's targets, in (business) minutes."""

    first_response_minutes: int = 60
    next_response_minutes: int | None = None  # None: only the first response is timed
    amber_minutes: int = 15
    hours: BusinessHours | None = None
    enabled: bool = True  # False: nothing is timed for this team

    def to_json(self) -> dict[str, Any]:
        hours = None
        if self.hours is not None:
            hours = {
                "tz": self.hours.tz,
                "start": self.hours.start.strftime("%H:%M"),
                "end": self.hours.end.strftime("%H:%M"),
                "weekdays": list(self.hours.weekdays),
            }
        return {
            "first_response_minutes": self.first_response_minutes,
            "next_response_minutes": self.next_response_minutes,
            "amber_minutes": self.amber_minutes,
            "hours": hours,
            "enabled": self.enabled,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> SlaPolicy:
        """Parse a stored policy; missing keys take defaults, bad values raise ConfigError."""
        if not data:
            return cls()
        try:
            raw = data.get("hours")
            hours = None
            if raw:
                hours = BusinessHours(
                    tz=str(raw.get("tz", "UTC")),
                    start=time.fromisoformat(raw.get("start", "09:00")),
                    end=time.fromisoformat(raw.get("end", "17:00")),
                    weekdays=tuple(int(d) for d in raw.get("weekdays", (0, 1, 2, 3, 4))),
                )
            nxt = data.get("next_response_minutes")
            policy = cls(
                first_response_minutes=int(data.get("first_response_minutes", 60)),
                next_response_minutes=None if nxt is None else int(nxt),
                amber_minutes=int(data.get("amber_minutes", 15)),
                hours=hours,
                enabled=bool(data.get("enabled", True)),
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"A team's SLA policy is not valid: {exc}") from exc
        policy.validate()
        return policy

    @classmethod
    def parse(cls, text: str) -> SlaPolicy:
        """The policy inside a team's settings JSON (key "sla")."""
        try:
            settings = json.loads(text or "{}")
        except ValueError as exc:
            raise ConfigError(f"A team's settings are not valid JSON: {exc}") from exc
        return cls.from_json(settings.get("sla") if isinstance(settings, dict) else None)

    def validate(self) -> None:
        if self.first_response_minutes < 0 or (self.next_response_minutes or 0) < 0:
            raise ConfigError("SLA targets cannot be negative")
        if self.hours is not None:
            self.hours.zone()
            if self.hours.end <= self.hours.start:
                raise ConfigError("Business hours must end after they start on the same day")
            if not self.hours.weekdays or not set(self.hours.weekdays) <= set(range(7)):
                raise ConfigError("Business hours need at least one weekday (0-6)")


def open_windows(start: datetime, hours: BusinessHours) -> Iterator[tuple[datetime, datetime]]:
    """The open (begin, close) windows in UTC from start on, at most _MAX_DAYS days of them.

    Windows are built from local wall-clock times in the zone and compared in UTC,
    so a day that springs forward is an hour shorter and one that falls back is
    not counted twice.
    """
    zone = hours.zone()
    day: date = start.astimezone(zone).date()
    for _ in range(_MAX_DAYS):
        if day.weekday() in hours.weekdays:
            opens = datetime.combine(day, hours.start, tzinfo=zone).astimezone(UTC)
            closes = datetime.combine(day, hours.end, tzinfo=zone).astimezone(UTC)
            begin = max(opens, start)
            if begin < closes:
                yield begin, closes
        day += timedelta(days=1)


def add_minutes(start: datetime, minutes: float, hours: BusinessHours | None) -> datetime:
    """start plus minutes of open time (plain minutes without business hours), in UTC."""
    start = start.astimezone(UTC)
    remaining = timedelta(minutes=minutes)
    if hours is None:
        return start + remaining
    for begin, closes in open_windows(start, hours):
        open_for = closes - begin
        if remaining <= open_for:
            return begin + remaining
        remaining -= open_for
    raise ConfigError(f"An SLA target of {minutes:.0f} minutes never falls due")


def business_minutes(start: datetime, end: datetime, hours: BusinessHours | None) -> float:
    """Minutes of open time between start and end (plain minutes without business hours).

    The same calendar as add_minutes: add_minutes(start, business_minutes(start, end)) is
    end whenever end falls inside open time. end before start counts 0.
    """
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return 0.0
    if hours is None:
        return (end - start).total_seconds() / 60
    total = timedelta()
    for begin, closes in open_windows(start, hours):
        if begin >= end:
            break
        total += min(closes, end) - begin
    return total.total_seconds() / 60


def first_response_due(first_inbound: datetime, policy: SlaPolicy) -> datetime:
    return add_minutes(first_inbound, policy.first_response_minutes, policy.hours)


def next_response_due(inbound: datetime, policy: SlaPolicy) -> datetime | None:
    """When the reply to a customer's follow-up is due; None when the policy times none."""
    if policy.next_response_minutes is None:
        return None
    return add_minutes(inbound, policy.next_response_minutes, policy.hours)


def state(due: datetime | None, now: datetime, policy: SlaPolicy) -> SlaState:
    if due is None:
        return SlaState.NONE
    if now >= due:
        return SlaState.BREACHED
    if due - now <= timedelta(minutes=policy.amber_minutes):
        return SlaState.AMBER
    return SlaState.OK


def countdown(due: datetime, now: datetime) -> str:
    """ "12m", "3h 05m", or "-7m" once breached: what the badge shows."""
    seconds = int((due - now).total_seconds())
    sign = "-" if seconds < 0 else ""
    minutes = abs(seconds) // 60
    if minutes < 60:
        return f"{sign}{minutes}m"
    if minutes < 48 * 60:
        return f"{sign}{minutes // 60}h {minutes % 60:02d}m"
    return f"{sign}{minutes // 1440}d"


def due_for(waiting_since: datetime, answered_before: bool, policy: SlaPolicy) -> datetime | None:
    """When the reply to a customer waiting since waiting_since is due (None: not timed)."""
    if not policy.enabled:
        return None
    if answered_before:
        return next_response_due(waiting_since, policy)
    return first_response_due(waiting_since, policy)
