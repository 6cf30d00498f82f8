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
from inbox.core.bulk import safe_cell
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


FIRST_YEAR, LAST_YEAR = 1970, 2999  # leaves room for the period before and the day after


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
        if not FIRST_YEAR <= days[-1].year <= LAST_YEAR:  # the period before, the day after
            raise ConfigError(f"{name} {text} is out of range: years {FIRST_YEAR} to {LAST_YEAR}")
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


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SENTIMENTS = ("positive", "neutral", "negative")


def hour_of_week_key(weekday: int, hour: int) -> str:
    """ "Mon 09": one hour of the week, local time."""
    return f"{WEEKDAYS[weekday]} {hour:02d}"


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of one local day with one UTC offset: most days are one segment, a DST day
    two (before and after the change). Within it the local wall clock is UTC + offset, so
    SQL can tell the local hour of a stored time with text and integer arithmetic only."""

    day: str  # YYYY-MM-DD, local
    weekday: int  # Monday is 0
    start: datetime  # UTC
    end: datetime  # UTC, exclusive
    offset_minutes: int


_QUARTER = timedelta(minutes=15)  # every zone's offset changes on a quarter hour


def segments(period: Period) -> list[Segment]:
    """The period's local days cut where the UTC offset changes, in order. SQL counts per
    (segment, local hour); days and hours of the week are sums of those (store.reports)."""
    zone = ZoneInfo(period.tz)
    out: list[Segment] = []
    for day, start, end in period.day_bounds():
        weekday = date.fromisoformat(day).weekday()
        offset = start.astimezone(zone).utcoffset()
        last = (end - timedelta(microseconds=1)).astimezone(zone).utcoffset()
        if offset == last and end - start == timedelta(days=1):
            out.append(Segment(day, weekday, start, end, _minutes(offset)))
            continue
        at = begin = start
        while at < end:  # a DST day: look at each quarter hour for the change
            now = at.astimezone(zone).utcoffset()
            if now != offset:
                out.append(Segment(day, weekday, begin, at, _minutes(offset)))
                begin, offset = at, now
            at += _QUARTER
        out.append(Segment(day, weekday, begin, end, _minutes(offset)))
    return out


def _minutes(offset: timedelta | None) -> int:
    return int((offset or timedelta()).total_seconds() // 60)


class Buckets:
    """Counts per (segment, local hour) from SQL folded into local days and hours of the week."""

    def __init__(self, period: Period) -> None:
        self.period = period
        self.segments = segments(period)
        self._days = [day for day, _, _ in period.day_bounds()]

    def days(self, counts: Iterable[tuple[int, int]]) -> dict[str, int]:
        """Per local day (every day listed) from (segment index, count)."""
        out = dict.fromkeys(self._days, 0)
        for i, count in counts:
            out[self.segments[i].day] += int(count)
        return out

    def hours_of_week(self, counts: Iterable[tuple[int, int, int]]) -> dict[str, int]:
        """Per local hour of the week (168 keys, "Mon 00" .. "Sun 23") from (segment index,
        local hour, count)."""
        out = {hour_of_week_key(d, h): 0 for d in range(7) for h in range(24)}
        for i, hour, count in counts:
            out[hour_of_week_key(self.segments[i].weekday, int(hour))] += int(count)
        return out

    def backlog(
        self,
        open_before: int,
        received: Iterable[tuple[int, int]],
        resolved: Iterable[tuple[int, int]],
    ) -> dict[str, int]:
        """Conversations open at the end of each local day: open_before (open when the
        period starts) plus those received, less those resolved, up to the day's end.
        received and resolved: (segment index, count)."""
        came, went = self.days(received), self.days(resolved)
        out = {}
        level = open_before
        for day, count in came.items():
            level += count - went[day]
            out[day] = level
        return out

    def sentiment(
        self, counts: Iterable[tuple[int, int, int, int, float]]
    ) -> dict[str, dict[str, Any]]:
        """Per local day: scored conversations that were positive, neutral, negative, and
        their mean VADER score (None on a day with none). counts: (segment index, positive,
        negative, scored, score sum); neutral is the rest of the scored."""
        out: dict[str, dict[str, Any]] = {day: dict.fromkeys(SENTIMENTS, 0) for day in self._days}
        sums = dict.fromkeys(out, 0.0)
        for i, positive, negative, scored, total in counts:
            row = out[self.segments[i].day]
            row["positive"] += int(positive)
            row["negative"] += int(negative)
            row["neutral"] += int(scored) - int(positive) - int(negative)
            sums[self.segments[i].day] += float(total or 0.0)
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
        self._np: tuple[Any, ...] | None = None
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

    # The same arithmetic over numpy arrays of epoch seconds, in the same order of
    # operations, so each element equals the scalar method's float exactly.

    def _arrays(self) -> tuple[Any, Any, Any, Any]:
        if self._np is None:
            np = _numpy()
            self._np = tuple(
                np.asarray(v, dtype=float)
                for v in (self._starts, self._ends, self._before, self._cum_end)
            )
        return self._np

    def open_until_many(self, at: Any) -> Any:
        np = _numpy()
        starts, ends, before, _ = self._arrays()
        i = np.searchsorted(starts, at, side="right") - 1
        j = np.maximum(i, 0)
        if not len(starts):
            return np.zeros_like(at)
        return np.where(i < 0, 0.0, before[j] + np.minimum(at, ends[j]) - starts[j])

    def minutes_many(self, start: Any, end: Any) -> Any:
        """minutes() of each (start, end) pair."""
        np = _numpy()
        if self.hours is None:
            spans = (end - start) / 60
        else:
            spans = (self.open_until_many(end) - self.open_until_many(start)) / 60
        return np.where(end <= start, 0.0, spans)

    def due_many(self, start: Any, minutes: float) -> Any:
        """due() of each start."""
        np = _numpy()
        if self.hours is None:
            return start + minutes * 60
        starts, ends, before, cum_end = self._arrays()
        target = self.open_until_many(start) + minutes * 60
        i = np.maximum(
            np.searchsorted(cum_end, target, side="left"),
            np.searchsorted(ends, start, side="right"),
        )
        past = i >= len(starts)
        j = np.minimum(i, max(len(starts) - 1, 0))
        if not len(starts):
            return np.full_like(start, math.inf)
        return np.where(past, math.inf, starts[j] + (target - before[j]))


def _numpy() -> Any:
    """numpy, imported when a report is first counted (not at start-up); it comes with
    pyqtgraph, the Reports window's charts."""
    import numpy

    return numpy


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


def _median_p90_sorted(values: Any) -> tuple[float | None, float | None]:
    """_median_p90 of a sorted numpy array: statistics.median's arithmetic, nearest-rank p90."""
    n = len(values)
    if not n:
        return None, None
    half = n // 2
    median = float(values[half]) if n % 2 else (float(values[half - 1]) + float(values[half])) / 2
    return median, float(values[max(1, math.ceil(0.9 * n)) - 1])


@dataclass(slots=True)
class Timing:
    """The per-conversation times of a period as numpy arrays (epoch seconds; NaN: not
    yet), one element per conversation received: what the business-hours figures need."""

    received: Any
    answered: Any
    resolved: Any  # NaN unless the conversation is resolved now
    team: Any  # -1: no team
    suggested: Any  # bool: a suggestion was used before the first response

    @classmethod
    def parse(
        cls, count: int, received: str | None, answered: str | None, resolved: str | None,
        team: str | None, suggested: str | None,
    ) -> Timing:  # fmt: skip
        """From SQL's space-separated columns: times as stored without the Z ('NaT': none),
        team ids (-1: none), 0/1. Times become epoch seconds rounded to the millisecond the
        way SQLite's julianday() rounds them."""
        np = _numpy()
        if not count:
            empty = np.zeros(0)
            return cls(empty, empty, empty, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool))

        def seconds(text: str | None) -> Any:
            us = np.array((text or "").split(" "), dtype="datetime64[us]")
            gone = np.isnat(us)
            ms = (us.astype(np.int64) + 500) // 1000
            return np.where(gone, np.nan, ms / 1000.0)

        def numbers(text: str | None) -> Any:
            return np.array((text or "").split(" "), dtype=np.int64)

        return cls(
            seconds(received), seconds(answered), seconds(resolved), numbers(team),
            numbers(suggested) > 0,
        )  # fmt: skip


def timing_figures(
    times: Timing, calendars: Calendars, now: float
) -> tuple[ResponseFigures, ResponseFigures, ResponseFigures, DurationFigures]:
    """First response (all, with a suggestion, without), resolution: the same figures as
    response_figures and resolution_figures, each team's rows at once (numpy)."""
    np = _numpy()
    answered_ok = ~np.isnan(times.answered)
    resolved_ok = ~np.isnan(times.resolved)
    response = np.full(len(times.received), np.nan)
    resolution = np.full(len(times.received), np.nan)
    met = np.zeros(len(times.received), dtype=bool)
    breached = np.zeros(len(times.received), dtype=bool)
    for team in np.unique(times.team):
        rows = times.team == team
        calendar, policy = calendars.team(None if team < 0 else int(team))
        got = rows & answered_ok
        response[got] = calendar.minutes_many(times.received[got], times.answered[got])
        done = rows & resolved_ok
        resolution[done] = calendar.minutes_many(times.received[done], times.resolved[done])
        if not policy.enabled:
            continue
        due = calendar.due_many(times.received[rows], policy.first_response_minutes)
        answered = times.answered[rows]
        late = np.where(np.isnan(answered), now >= due, answered > due)
        met[rows] = ~np.isnan(answered) & (answered <= due)
        breached[rows] = late

    def figures(keep: Any) -> ResponseFigures:
        values = np.sort(response[keep & answered_ok])
        out = ResponseFigures(len(values), *_median_p90_sorted(values))
        out.sla_met = int(np.count_nonzero(met & keep))
        out.sla_breached = int(np.count_nonzero(breached & keep))
        return out

    everyone = np.ones(len(times.received), dtype=bool)
    resolved = np.sort(resolution[resolved_ok])
    duration = DurationFigures(len(resolved), *_median_p90_sorted(resolved))
    return (
        figures(everyone),
        figures(answered_ok & times.suggested),
        figures(answered_ok & ~times.suggested),
        duration,
    )


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
            # keys are team, member and account names: a spreadsheet must not run them
            out.append([name, first, last, metric, safe_cell(key), safe_cell(value)])
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
