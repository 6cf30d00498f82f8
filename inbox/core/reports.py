"""Reports: the period arithmetic and first-response figures, pure (the counts come from SQL)."""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from inbox.core import sla
from inbox.core.errors import ConfigError

MAX_DAYS = 3660  # a report over more than ten years is a typo


@dataclass(frozen=True, slots=True)
class Period:
    """Whole local days first..last (inclusive) in a time zone; bounds in UTC."""

    first: date
    last: date
    tz: str = "UTC"

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        last = self.first - timedelta(days=1)
        return Period(last - timedelta(days=self.days - 1), last, self.tz)

    def day_bounds(self) -> list[tuple[str, datetime, datetime]]:
        """(YYYY-MM-DD, start, end) of each local day, in UTC: a DST day is 23 or 25 h long."""
        zone = ZoneInfo(self.tz)
        out = []
        for n in range(self.days):
            day = self.first + timedelta(days=n)
            start = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
            end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
            out.append((day.isoformat(), start, end))
        return out

    def bounds(self) -> tuple[datetime, datetime]:
        days = self.day_bounds()
        return days[0][1], days[-1][2]


def parse_period(first: str, last: str, tz: str = "UTC") -> Period:
    """--from and --to as a Period; a bad date raises ConfigError in the user's words."""
    days = []
    for name, text in (("--from", first), ("--to", last)):
        try:
            days.append(date.fromisoformat(text))
        except (TypeError, ValueError):
            raise ConfigError(
                f"{name} {text!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-03-23"
            ) from None
    if days[1] < days[0]:
        raise ConfigError(f"--to {last} is before --from {first}")
    if (days[1] - days[0]).days >= MAX_DAYS:
        raise ConfigError("A report covers at most ten years")
    return Period(days[0], days[1], tz)


BUCKET_MINUTES = 15  # every zone's offset is a whole number of quarter hours


def days_from_buckets(period: Period, buckets: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Counts per local day of the period from counts per UTC quarter hour.

    buckets: ("YYYY-MM-DDTHH:MM", count) with MM a multiple of 15, as SQL groups them; the
    quarter hour's start decides its local day, so a DST day (23 or 25 h) is counted right.
    """
    bounds = period.day_bounds()
    out = {day: 0 for day, _, _ in bounds}
    starts = [start for _, start, _ in bounds]
    for key, count in buckets:
        at = datetime.fromisoformat(key).replace(tzinfo=UTC)
        index = bisect.bisect_right(starts, at) - 1
        if index >= 0 and at < bounds[index][2]:
            out[bounds[index][0]] += int(count)
    return out


@dataclass(frozen=True, slots=True)
class Response:
    """One conversation received in the period: when, its first reply (if any), its team."""

    received: datetime
    first_response: datetime | None
    team_id: int | None


@dataclass(slots=True)
class ResponseFigures:
    """First-response times in business minutes, and the first-response SLA outcome."""

    answered: int = 0
    median_minutes: float | None = None
    p90_minutes: float | None = None
    sla_met: int = 0
    sla_breached: int = 0
    minutes: list[float] = field(default_factory=list, repr=False)


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least share of them at or below."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def response_figures(
    rows: Iterable[Response], policies: Mapping[int | None, sla.SlaPolicy], now: datetime
) -> ResponseFigures:
    """Median and p90 first-response time counted in each team's business hours; SLA met
    (answered by the due time) and breached (answered late, or unanswered past due).
    Conversations whose team times nothing count for the times but not for the SLA."""
    out = ResponseFigures()
    for row in rows:
        policy = policies.get(row.team_id, policies.get(None, sla.SlaPolicy()))
        if row.first_response is not None:
            out.minutes.append(sla.business_minutes(row.received, row.first_response, policy.hours))
        if not policy.enabled:
            continue
        due = sla.first_response_due(row.received, policy)
        if row.first_response is not None:
            if row.first_response <= due:
                out.sla_met += 1
            else:
                out.sla_breached += 1
        elif now >= due:
            out.sla_breached += 1
    out.answered = len(out.minutes)
    if out.minutes:
        out.median_minutes = float(statistics.median(out.minutes))
        out.p90_minutes = percentile(out.minutes, 0.9)
    return out


@dataclass(slots=True)
class PeriodReport:
    """Every figure of one period."""

    period: Period
    received: int = 0
    by_network: dict[str, int] = field(default_factory=dict)
    by_day: dict[str, int] = field(default_factory=dict)
    responses: ResponseFigures = field(default_factory=ResponseFigures)
    resolved: int = 0
    tickets_pushed: int = 0
    articles_published: int = 0
    posts_published: int = 0

    @property
    def empty(self) -> bool:
        return not (
            self.received or self.tickets_pushed or self.articles_published or self.posts_published
        )

    def to_json(self) -> dict[str, Any]:
        r = self.responses
        return {
            "from": self.period.first.isoformat(),
            "to": self.period.last.isoformat(),
            "time_zone": self.period.tz,
            "received": self.received,
            "received_by_network": dict(sorted(self.by_network.items())),
            "received_by_day": self.by_day,
            "answered": r.answered,
            "first_response_median_business_minutes": _round(r.median_minutes),
            "first_response_p90_business_minutes": _round(r.p90_minutes),
            "sla_met": r.sla_met,
            "sla_breached": r.sla_breached,
            "resolved": self.resolved,
            "tickets_pushed": self.tickets_pushed,
            "articles_published": self.articles_published,
            "posts_published": self.posts_published,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def rows(report: PeriodReport) -> list[tuple[str, str, Any]]:
    """(metric, key, value) rows of a period, in a stable order: what CSV and text print."""
    data = report.to_json()
    out: list[tuple[str, str, Any]] = [("received", "", data["received"])]
    out += [("received_by_network", k, v) for k, v in data["received_by_network"].items()]
    out += [("received_by_day", k, v) for k, v in data["received_by_day"].items()]
    for name in (
        "answered",
        "first_response_median_business_minutes",
        "first_response_p90_business_minutes",
        "sla_met",
        "sla_breached",
        "resolved",
        "tickets_pushed",
        "articles_published",
        "posts_published",
    ):
        out.append((name, "", data[name]))
    return out


def duration(minutes: float | None) -> str:
    """ "—", "42m", "3h 05m": a business-minutes figure for people."""
    if minutes is None:
        return "—"
    whole = round(minutes)
    if whole < 60:
        return f"{whole}m"
    return f"{whole // 60}h {whole % 60:02d}m"
