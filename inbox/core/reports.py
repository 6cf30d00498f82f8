"""Reports: the period arithmetic, the business-hours figures and the comparison with the
period before, pure (the counts come from SQL grouped by UTC quarter hour)."""

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


# The periods the Reports window offers, by id: label. Each ends today (or at the end of the
# last whole week/month) in the report's time zone.
PRESETS = {
    "last_7_days": "Last 7 days",
    "last_week": "Last week (Mon–Sun)",
    "last_30_days": "Last 30 days",
    "this_month": "This month",
    "last_month": "Last month",
    "last_90_days": "Last 90 days",
}


def preset(name: str, today: date) -> tuple[date, date]:
    """(first, last) day of a preset period seen on the day today.

    Raises:
        ConfigError: not one of PRESETS.
    """
    if name == "last_7_days":
        return today - timedelta(days=6), today
    if name == "last_30_days":
        return today - timedelta(days=29), today
    if name == "last_90_days":
        return today - timedelta(days=89), today
    if name == "last_week":
        monday = today - timedelta(days=today.weekday() + 7)
        return monday, monday + timedelta(days=6)
    if name == "this_month":
        return today.replace(day=1), today
    if name == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    raise ConfigError(f"Unknown period {name!r}; choose one of {', '.join(PRESETS)}")


BUCKET_MINUTES = 15  # every zone's offset is a whole number of quarter hours


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SENTIMENTS = ("positive", "neutral", "negative")


def hour_of_week_key(weekday: int, hour: int) -> str:
    """ "Mon 09": one hour of the week, local time."""
    return f"{WEEKDAYS[weekday]} {hour:02d}"


class Quarters:
    """Where the UTC quarter hours SQL groups by fall in a period's time zone.

    A key is "YYYY-MM-DDTHH:" and the quarter's number 0-3 (store.reports._quarter). Its
    start decides its local day (so a 23- or 25-hour DST day counts right; every zone's
    offset is a whole number of quarter hours) and its local hour of the week (the wall
    clock). Each key is worked out once per report, however many counts use it.
    """

    def __init__(self, period: Period) -> None:
        self.period = period
        self._bounds = period.day_bounds()
        self._starts = [start for _, start, _ in self._bounds]
        self._zone = ZoneInfo(period.tz)
        self._memo: dict[str, tuple[str | None, str]] = {}

    def place(self, key: str) -> tuple[str | None, str]:
        """(local day or None outside the period, local hour of the week) of a key."""
        hit = self._memo.get(key)
        if hit is None:
            at = datetime(
                int(key[0:4]), int(key[5:7]), int(key[8:10]), int(key[11:13]),
                int(key[14:]) * BUCKET_MINUTES, tzinfo=UTC,
            )  # fmt: skip
            i = bisect.bisect_right(self._starts, at) - 1
            day = self._bounds[i][0] if i >= 0 and at < self._bounds[i][2] else None
            local = at.astimezone(self._zone)
            hit = self._memo[key] = (day, hour_of_week_key(local.weekday(), local.hour))
        return hit

    def days(self, buckets: Iterable[tuple[str, int]]) -> dict[str, int]:
        """Counts per local day of the period (every day listed) from counts per key."""
        out = {day: 0 for day, _, _ in self._bounds}
        for key, count in buckets:
            day = self.place(key)[0]
            if day is not None:
                out[day] += int(count)
        return out

    def hours_of_week(self, buckets: Iterable[tuple[str, int]]) -> dict[str, int]:
        """Counts per local hour of the week (168 keys, "Mon 00" .. "Sun 23")."""
        out = {hour_of_week_key(d, h): 0 for d in range(7) for h in range(24)}
        for key, count in buckets:
            out[self.place(key)[1]] += int(count)
        return out

    def backlog(
        self,
        open_before: int,
        received: Iterable[tuple[str, int]],
        resolved: Iterable[tuple[str, int]],
    ) -> dict[str, int]:
        """Conversations open at the end of each local day: open_before (open when the
        period starts) plus those received, less those resolved, up to the day's end."""
        came, went = self.days(received), self.days(resolved)
        out = {}
        level = open_before
        for day, count in came.items():
            level += count - went[day]
            out[day] = level
        return out

    def sentiment(
        self, buckets: Iterable[tuple[str, str, int, float]]
    ) -> dict[str, dict[str, Any]]:
        """Per local day: scored messages that were positive, neutral, negative, and their
        mean VADER score (None on a day with none). buckets: (key, label, count, score sum)."""
        out: dict[str, dict[str, Any]] = {
            day: dict.fromkeys(SENTIMENTS, 0) for day, _, _ in self._bounds
        }
        sums = dict.fromkeys(out, 0.0)
        for key, label, count, total in buckets:
            day = self.place(key)[0]
            if day is None or label not in SENTIMENTS:
                continue
            out[day][label] += int(count)
            sums[day] += float(total)
        for day, row in out.items():
            scored = sum(row[s] for s in SENTIMENTS)
            row["mean"] = round(sums[day] / scored, 3) if scored else None
        return out


class Calendar:
    """Open time of one set of business hours as a running total, for many look-ups: the
    windows of sla.open_windows (the same calendar as add_minutes) from start to end, in
    epoch seconds, with the open seconds before each. None hours: every second is open."""

    def __init__(self, hours: sla.BusinessHours | None, start: float, end: float) -> None:
        self.hours = hours
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._before: list[float] = []
        self._cum_end: list[float] = []
        if hours is None:
            return
        total = 0.0
        first = datetime.fromtimestamp(start, UTC) - timedelta(days=1)
        for begin, closes in sla.open_windows(first, hours):
            b, e = begin.timestamp(), closes.timestamp()
            if b > end:
                break
            self._starts.append(b)
            self._ends.append(e)
            self._before.append(total)
            total += e - b
            self._cum_end.append(total)

    def open_until(self, at: float) -> float:
        """Open seconds from the calendar's start up to at."""
        i = bisect.bisect_right(self._starts, at) - 1
        if i < 0:
            return 0.0
        return self._before[i] + min(at, self._ends[i]) - self._starts[i]

    def minutes(self, start: float, end: float) -> float:
        """Open minutes between start and end (0 when end is not after start)."""
        if end <= start:
            return 0.0
        if self.hours is None:
            return (end - start) / 60
        return (self.open_until(end) - self.open_until(start)) / 60

    def due(self, start: float, minutes: float) -> float:
        """start plus minutes of open time (sla.add_minutes); inf past the calendar's end."""
        if self.hours is None:
            return start + minutes * 60
        target = self.open_until(start) + minutes * 60
        i = bisect.bisect_left(self._cum_end, target)
        while i < len(self._ends) and self._ends[i] <= start:
            i += 1
        if i >= len(self._starts):
            return math.inf
        return self._starts[i] + (target - self._before[i])


class Calendars:
    """One Calendar per distinct business hours of the teams' policies, made when first asked."""

    def __init__(
        self, policies: Mapping[int | None, sla.SlaPolicy], start: float, end: float
    ) -> None:
        self._policies = policies
        self._span = (start, end)
        self._made: dict[sla.BusinessHours | None, Calendar] = {}
        self._teams: dict[int | None, tuple[Calendar, sla.SlaPolicy]] = {}

    def policy(self, team_id: int | None) -> sla.SlaPolicy:
        return self._policies.get(team_id, self._policies.get(None, sla.SlaPolicy()))

    def of(self, team_id: int | None) -> Calendar:
        return self.team(team_id)[0]

    def team(self, team_id: int | None) -> tuple[Calendar, sla.SlaPolicy]:
        """A team's calendar and policy (asked once per row: kept per team)."""
        found = self._teams.get(team_id)
        if found is None:
            policy = self.policy(team_id)
            made = self._made.get(policy.hours)
            if made is None:
                made = self._made[policy.hours] = Calendar(policy.hours, *self._span)
            found = self._teams[team_id] = (made, policy)
        return found


@dataclass(slots=True)
class ResponseFigures:
    """First-response times in business minutes, and the first-response SLA outcome."""

    answered: int = 0
    median_minutes: float | None = None
    p90_minutes: float | None = None
    sla_met: int = 0
    sla_breached: int = 0


@dataclass(slots=True)
class DurationFigures:
    """Times to resolution in business minutes."""

    count: int = 0
    median_minutes: float | None = None
    p90_minutes: float | None = None


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least share of them at or below."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def _median_p90(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    values.sort()
    return float(statistics.median(values)), values[max(1, math.ceil(0.9 * len(values))) - 1]


# One conversation: received, first response or resolution (None: not yet), team; epoch s.
Times = tuple[float, float | None, int | None]


def response_figures(rows: Iterable[Times], calendars: Calendars, now: float) -> ResponseFigures:
    """Median and p90 first-response time counted in each team's business hours; SLA met
    (answered by the due time) and breached (answered late, or unanswered past due).
    Conversations whose team times nothing count for the times but not for the SLA."""
    out = ResponseFigures()
    minutes: list[float] = []
    for received, answered, team_id in rows:
        calendar, policy = calendars.team(team_id)
        if answered is not None:
            minutes.append(calendar.minutes(received, answered))
        if not policy.enabled:
            continue
        due = calendar.due(received, policy.first_response_minutes)
        if answered is not None:
            if answered <= due:
                out.sla_met += 1
            else:
                out.sla_breached += 1
        elif now >= due:
            out.sla_breached += 1
    out.answered = len(minutes)
    out.median_minutes, out.p90_minutes = _median_p90(minutes)
    return out


def resolution_figures(rows: Iterable[Times], calendars: Calendars) -> DurationFigures:
    """Median and p90 of received -> resolved, in each team's business hours."""
    minutes = [
        calendars.of(team_id).minutes(received, resolved)
        for received, resolved, team_id in rows
        if resolved is not None
    ]
    out = DurationFigures(len(minutes))
    out.median_minutes, out.p90_minutes = _median_p90(minutes)
    return out


@dataclass(slots=True)
class PeriodReport:
    """Every figure of one period."""

    period: Period
    received: int = 0
    by_network: dict[str, int] = field(default_factory=dict)
    by_account: dict[str, int] = field(default_factory=dict)
    by_team: dict[str, int] = field(default_factory=dict)
    by_day: dict[str, int] = field(default_factory=dict)
    by_hour_of_week: dict[str, int] = field(default_factory=dict)
    assigned_by_member: dict[str, int] = field(default_factory=dict)
    resolved_by_member: dict[str, int] = field(default_factory=dict)
    responses: ResponseFigures = field(default_factory=ResponseFigures)
    resolution: DurationFigures = field(default_factory=DurationFigures)
    resolved: int = 0
    backlog_by_day: dict[str, int] = field(default_factory=dict)
    sentiment_by_day: dict[str, dict[str, Any]] = field(default_factory=dict)
    tickets_pushed: int = 0
    articles_published: int = 0
    posts_published: int = 0
    post_replies: int = 0
    # Found by search columns (nobody asked us): counted apart from what was received.
    monitoring: int = 0
    monitoring_by_network: dict[str, int] = field(default_factory=dict)
    # Suggested answers: uses in the period by source, and first responses of the
    # conversations received in it, with a suggestion used before the response or without.
    suggestions_by_source: dict[str, int] = field(default_factory=dict)
    with_suggestion: ResponseFigures = field(default_factory=ResponseFigures)
    without_suggestion: ResponseFigures = field(default_factory=ResponseFigures)

    @property
    def suggestions_used(self) -> int:
        return sum(self.suggestions_by_source.values())

    @property
    def empty(self) -> bool:
        return not (
            self.received
            or self.monitoring
            or self.tickets_pushed
            or self.articles_published
            or self.posts_published
        )

    def to_json(self) -> dict[str, Any]:
        r, d = self.responses, self.resolution
        return {
            "from": self.period.first.isoformat(),
            "to": self.period.last.isoformat(),
            "time_zone": self.period.tz,
            "received": self.received,
            "received_by_network": dict(sorted(self.by_network.items())),
            "received_by_account": dict(sorted(self.by_account.items())),
            "received_by_team": dict(sorted(self.by_team.items())),
            "received_by_day": self.by_day,
            "received_by_hour_of_week": self.by_hour_of_week,
            "answered": r.answered,
            "first_response_median_business_minutes": _round(r.median_minutes),
            "first_response_p90_business_minutes": _round(r.p90_minutes),
            "sla_met": r.sla_met,
            "sla_breached": r.sla_breached,
            "resolved": self.resolved,
            "resolution_median_business_minutes": _round(d.median_minutes),
            "resolution_p90_business_minutes": _round(d.p90_minutes),
            "assigned_by_member": dict(sorted(self.assigned_by_member.items())),
            "resolved_by_member": dict(sorted(self.resolved_by_member.items())),
            "backlog_by_day": self.backlog_by_day,
            "sentiment_by_day": self.sentiment_by_day,
            "tickets_pushed": self.tickets_pushed,
            "articles_published": self.articles_published,
            "posts_published": self.posts_published,
            "post_replies": self.post_replies,
            "monitoring": self.monitoring,
            "monitoring_by_network": dict(sorted(self.monitoring_by_network.items())),
            "suggestions_used": self.suggestions_used,
            "suggestions_used_by_source": dict(sorted(self.suggestions_by_source.items())),
            "answered_with_suggestion": self.with_suggestion.answered,
            "first_response_median_with_suggestion_business_minutes": _round(
                self.with_suggestion.median_minutes
            ),
            "answered_without_suggestion": self.without_suggestion.answered,
            "first_response_median_without_suggestion_business_minutes": _round(
                self.without_suggestion.median_minutes
            ),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# The single-number figures, in the order they are printed and compared.
SCALARS = (
    "received",
    "answered",
    "first_response_median_business_minutes",
    "first_response_p90_business_minutes",
    "sla_met",
    "sla_breached",
    "resolved",
    "resolution_median_business_minutes",
    "resolution_p90_business_minutes",
    "tickets_pushed",
    "articles_published",
    "posts_published",
    "post_replies",
    "monitoring",
    "suggestions_used",
    "answered_with_suggestion",
    "first_response_median_with_suggestion_business_minutes",
    "answered_without_suggestion",
    "first_response_median_without_suggestion_business_minutes",
)
BREAKDOWNS = (
    "received_by_network",
    "received_by_account",
    "received_by_team",
    "received_by_day",
    "received_by_hour_of_week",
    "assigned_by_member",
    "resolved_by_member",
    "backlog_by_day",
    "monitoring_by_network",
    "suggestions_used_by_source",
)


def rows(report: PeriodReport) -> list[tuple[str, str, Any]]:
    """(metric, key, value) rows of a period, in a stable order: what CSV and text print."""
    data = report.to_json()
    out: list[tuple[str, str, Any]] = [(name, "", data[name]) for name in SCALARS]
    for name in BREAKDOWNS:
        out += [(name, k, v) for k, v in data[name].items()]
    for day, row in data["sentiment_by_day"].items():
        out += [(f"sentiment_{label}_by_day", day, row[label]) for label in (*SENTIMENTS, "mean")]
    return out


CSV_HEADER = ("period", "from", "to", "metric", "key", "value")


def csv_rows(current: PeriodReport, previous: PeriodReport) -> list[list[Any]]:
    """The long CSV: a header, then one row per figure of the period ("current") and of the
    one before ("previous"), then each single-number figure's "change" and "change_percent"."""
    out: list[list[Any]] = [list(CSV_HEADER)]
    for name, report in (("current", current), ("previous", previous)):
        first, last = report.period.first.isoformat(), report.period.last.isoformat()
        for metric, key, value in rows(report):
            out.append([name, first, last, metric, key, "" if value is None else value])
    first, last = current.period.first.isoformat(), current.period.last.isoformat()
    for metric, figures in compare(current, previous).items():
        for name in ("change", "percent"):
            value = figures[name]
            period = "change" if name == "change" else "change_percent"
            out.append([period, first, last, metric, "", "" if value is None else value])
    return out


def compare(current: PeriodReport, previous: PeriodReport) -> dict[str, dict[str, Any]]:
    """Each single-number figure now, before, the change and the change in percent (None
    when there is nothing to compare with)."""
    now, before = current.to_json(), previous.to_json()
    out = {}
    for name in SCALARS:
        a, b = now[name], before[name]
        change = None if a is None or b is None else round(a - b, 1)
        percent = None if change is None or not b else round(100 * change / b, 1)
        out[name] = {"now": a, "before": b, "change": change, "percent": percent}
    return out


def duration(minutes: float | None) -> str:
    """ "—", "42m", "3h 05m": a business-minutes figure for people."""
    if minutes is None:
        return "—"
    whole = round(minutes)
    if whole < 60:
        return f"{whole}m"
    return f"{whole // 60}h {whole % 60:02d}m"
