"""Time as an injected dependency, so due posts, SLAs and backoff test without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **kwargs: float) -> None:
        self._now += timedelta(**kwargs)

    def set(self, when: datetime) -> None:
        self._now = when


def to_iso(when: datetime) -> str:
    """UTC ISO-8601 with fixed width, so stored times sort as text."""
    if when.tzinfo is None:
        raise ValueError("naive datetime: every time in the app is timezone-aware")
    utc = when.astimezone(UTC)
    if utc.year < 1000:  # strftime("%Y") does not pad those years; isoformat would
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # the same text as the strftime above, ~2x faster (ingest and the rules call it a lot)
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_iso(text: str) -> datetime:
    """Parse what to_iso wrote (and any ISO-8601 with an offset or Z)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
