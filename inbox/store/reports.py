"""Reports: the figures of a period by SQL over conversations, audit, refs and posts.

Message rows are never listed: volume, breakdowns, backlog and sentiment are counts grouped
in SQL (by UTC quarter hour, by account/team/assignee); only two columns per conversation
(received and first response or resolution, as numbers) go to core.reports for the
business-hours medians, which need each team's calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from inbox.core import reports
from inbox.core.clock import to_iso
from inbox.core.errors import ConfigError
from inbox.core.models import Kind

if TYPE_CHECKING:
    from inbox.store.store import Store


# When a resolved conversation was resolved (store.triage writes resolved_at; migration 18
# took older ones from the audit log); one resolved without it (a rule resolved it as it
# came in) counts as resolved when it came in.
RESOLVED_AT = "coalesce(c.resolved_at, c.first_message_at)"
NO_TEAM = "(no team)"
UNASSIGNED = "(unassigned)"
# How far past the period (or now) a team calendar reaches: first-response due times.
_CALENDAR_MARGIN = timedelta(days=60)


def report_zone(store: Store, team_id: int | None) -> str:
    """The time zone days are counted in: the team's business hours (or the default's), else UTC.

    Raises:
        ConfigError: no team has that id.
    """
    policies = store.teams.policies()
    if team_id is not None and team_id not in policies:
        known = ", ".join(f"{i} ({n})" for i, n in store.teams.all().items()) or "none"
        raise ConfigError(f"There is no team {team_id}; teams: {known}")
    policy = policies[team_id]
    return policy.hours.tz if policy.hours is not None else "UTC"


def _names(store: Store) -> tuple[dict[int, tuple[str, str]], dict[int, str], dict[int, str]]:
    """Accounts (network, "handle (network)"), teams and members by id."""
    accounts = {
        int(r[0]): (str(r[1]), f"{r[2]} ({r[1]})")
        for r in store.query("SELECT id, network, handle FROM accounts")
    }
    teams = {int(r[0]): str(r[1]) for r in store.query("SELECT id, name FROM teams")}
    members = {int(r[0]): str(r[1]) for r in store.query("SELECT id, name FROM members")}
    return accounts, teams, members


def _add(into: dict[str, int], key: str, count: int) -> None:
    if count:
        into[key] = into.get(key, 0) + count


def period_report(
    store: Store, period: reports.Period, team_id: int | None, now: datetime
) -> reports.PeriodReport:
    """Every figure of period (conversations of team_id only, when given)."""
    start, end = period.bounds()
    lo, hi = to_iso(start), to_iso(end)
    team = "" if team_id is None else " AND c.team_id = ?"
    by_team: tuple[Any, ...] = () if team_id is None else (team_id,)
    params: tuple[Any, ...] = (lo, hi, *by_team)
    arrived = f"c.first_message_at >= ? AND c.first_message_at < ?{team}"
    # Monitoring items (found by a search column: nobody asked us) are counted apart and
    # never as received work (response times, SLA, backlog).
    received = f"{arrived} AND c.kind != '{Kind.MONITORING.value}'"
    out = reports.PeriodReport(period)
    for network, count in store.query(
        "SELECT a.network, count(*) FROM conversations c JOIN accounts a ON a.id = c.account_id"
        f" WHERE {arrived} AND c.kind = '{Kind.MONITORING.value}' GROUP BY 1",
        params,
    ):
        _add(out.monitoring_by_network, network, count)
        out.monitoring += count
    calendars = reports.Calendars(
        store.teams.policies(),
        start.timestamp(),
        (max(end, now) + _CALENDAR_MARGIN).timestamp(),
    )

    # Who and where: one scan grouped by account, team and assignee.
    accounts, teams, members = _names(store)
    for account, team_of, assignee, count, resolved in store.query(
        "SELECT c.account_id, c.team_id, c.assignee_id, count(*), sum(c.status = 'resolved')"
        f" FROM conversations c WHERE {received} GROUP BY 1, 2, 3",
        params,
    ):
        network, label = accounts.get(account, ("?", f"account {account}"))
        _add(out.by_network, network, count)
        _add(out.by_account, label, count)
        _add(out.by_team, teams.get(team_of, NO_TEAM) if team_of else NO_TEAM, count)
        who = members.get(assignee, UNASSIGNED) if assignee else UNASSIGNED
        _add(out.assigned_by_member, who, count)
        _add(out.resolved_by_member, who, int(resolved))
        out.received += count
        out.resolved += int(resolved)

    # When, how many shown, and the mood: one walk of the period's conversations, counted
    # per (segment of a local day with one UTC offset, local hour): no sort of the rows,
    # no Python per row. The mood is the VADER score of each conversation's newest inbound
    # message where the rules computed one (sentiment is lazy), kept on the conversation
    # as last_inbound_score (migration 22's triggers).
    buckets = reports.Buckets(period)
    cut = _segments_sql(buckets.segments)
    if all(seg.offset_minutes % 60 == 0 for seg in buckets.segments):
        # Whole-hour offsets (most zones): the UTC hour's digits are the key, the local
        # hour is worked out once per (segment, hour) below.
        hour = "substr(c.first_message_at, 12, 2)"
    else:
        hour = (
            "(CAST(substr(c.first_message_at, 12, 2) AS INTEGER) * 60"
            " + CAST(substr(c.first_message_at, 15, 2) AS INTEGER) + b.off) / 60 % 24"
        )
    hours = [
        (r[0], _local_hour(r[1], buckets.segments[r[0]].offset_minutes), *r[2:])
        for r in store.query(
            f"{cut.sql} SELECT b.i, {hour} AS h, count(*), sum(c.hidden = 0),"
            " sum(c.last_inbound_score >= 0.05), sum(c.last_inbound_score <= -0.05),"
            " count(c.last_inbound_score), sum(c.last_inbound_score)"
            " FROM b CROSS JOIN conversations c"
            " ON c.first_message_at >= b.lo AND c.first_message_at < b.hi"
            f" WHERE c.kind != '{Kind.MONITORING.value}'{team} GROUP BY b.i, h",
            (*cut.params, *by_team),
        )
    ]
    out.by_day = buckets.days((r[0], r[2]) for r in hours)
    out.by_hour_of_week = buckets.hours_of_week((r[0], r[1], r[2]) for r in hours)
    out.sentiment_by_day = buckets.sentiment(
        (r[0], r[4] or 0, r[5] or 0, r[6], r[7]) for r in hours
    )

    # How fast: first response (with and without a suggestion used before it) and
    # resolution in business hours: two times per conversation, each team's at once.
    used = (
        "CASE WHEN c.first_response_at IS NOT NULL AND EXISTS (SELECT 1 FROM suggestion_uses u"
        " WHERE u.conversation_id = c.id AND u.at <= c.first_response_at) THEN '1' ELSE '0' END"
    )
    # Each column as one string (space-separated, in the same row order), parsed by numpy:
    # 100,000 rows as Python tuples cost more than the counting.
    text = "substr({}, 1, 26)"
    timed = store.query(
        "SELECT count(*), group_concat(" + text.format("c.first_message_at") + ", ' '),"
        " group_concat(coalesce(" + text.format("c.first_response_at") + ", 'NaT'), ' '),"
        " group_concat(CASE WHEN c.status = 'resolved' THEN "
        + text.format(RESOLVED_AT)
        + " ELSE 'NaT' END, ' '),"
        " group_concat(CAST(coalesce(c.team_id, -1) AS TEXT), ' '),"
        f" group_concat({used}, ' ') FROM conversations c WHERE {received}",
        params,
    )[0]
    (
        out.responses,
        out.with_suggestion,
        out.without_suggestion,
        out.resolution,
    ) = reports.timing_figures(reports.Timing.parse(*timed), calendars, now.timestamp())
    out.suggestions_by_source = {
        str(r[0]): int(r[1])
        for r in store.query(
            "SELECT u.source, count(*) FROM suggestion_uses u"
            " LEFT JOIN conversations c ON c.id = u.conversation_id"
            f" WHERE u.at >= ? AND u.at < ?{team} GROUP BY u.source",
            params,
        )
    }

    # Backlog: open (not hidden as spam, not monitoring) at the end of each day: those open
    # when the period starts, plus the shown ones received, less those resolved per local
    # day (a range walk of the conversations_resolved index).
    work = f"c.hidden = 0 AND c.kind != '{Kind.MONITORING.value}'{team}"
    open_before = int(
        store.query(
            "SELECT count(*) FROM conversations c INDEXED BY conversations_received"
            f" WHERE c.first_message_at < ? AND {work}"
            f" AND (c.status != 'resolved' OR {RESOLVED_AT} >= ?)",
            (lo, *by_team, lo),
        )[0][0]
    )
    gone = store.query(
        f"{cut.sql} SELECT b.i, count(*) FROM b"
        " JOIN conversations c INDEXED BY conversations_resolved"
        f" ON {RESOLVED_AT} >= b.lo AND {RESOLVED_AT} < b.hi"
        f" WHERE c.status = 'resolved' AND c.first_message_at < ? AND {work} GROUP BY b.i",
        (*cut.params, hi, *by_team),
    )
    out.backlog_by_day = buckets.backlog(
        open_before, ((r[0], r[3]) for r in hours), ((r[0], r[1]) for r in gone)
    )

    # What we handed on and put out.
    refs: dict[str, int] = {
        r[0]: int(r[1])
        for r in store.query(
            "SELECT r.kind, count(*) FROM external_refs r"
            " JOIN conversations c ON c.id = r.conversation_id"
            f" WHERE r.created_at >= ? AND r.created_at < ?{team} GROUP BY r.kind",
            params,
        )
    }
    out.tickets_pushed = int(refs.get("ticket", 0))
    out.articles_published = int(refs.get("article", 0))
    published = "p.state = 'published' AND p.updated_at >= ? AND p.updated_at < ?" + (
        "" if team_id is None else " AND p.team_id = ?"
    )
    out.posts_published = int(
        store.query(f"SELECT count(*) FROM posts p WHERE {published}", params)[0][0]
    )
    # Replies to those posts: messages on the same account answering the remote id the
    # post got when it went out (its outbox row).
    out.post_replies = int(
        store.query(
            "SELECT count(*) FROM posts p JOIN post_targets t ON t.post_id = p.id"
            " JOIN outbox o ON o.id = t.outbox_id AND o.remote_id != ''"
            " JOIN messages m ON m.account_id = t.account_id AND m.in_reply_to = o.remote_id"
            f" WHERE {published}",
            params,
        )[0][0]
    )
    return out


def _local_hour(key: Any, offset_minutes: int) -> int:
    """The local hour of a (segment, hour) row: SQL's own, or a UTC hour's digits."""
    if isinstance(key, str):
        return (int(key) + offset_minutes // 60) % 24
    return int(key)


@dataclass(frozen=True, slots=True)
class _Cut:
    """A period's segments as SQL: the CTE `b` (i, lo, hi, off) and its parameters. The
    bounds travel as fixed-width text (one string each), so the statement is the same for
    every period and backend (no temporary table: the reader may be read-only)."""

    sql: str
    params: tuple[Any, ...]


_WIDTH = 27  # to_iso's fixed width: 2026-03-23T09:00:00.000000Z
# The UTC offset in minutes, +10000 so it is always five digits.
_CUT = (
    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?),"
    f" b AS (SELECT i, substr(CAST(? AS TEXT), {_WIDTH} * i + 1, {_WIDTH}) AS lo,"
    f" substr(CAST(? AS TEXT), {_WIDTH} * i + 1, {_WIDTH}) AS hi,"
    " CAST(substr(CAST(? AS TEXT), 5 * i + 1, 5) AS INTEGER) - 10000 + 1440 AS off FROM n)"
)


def _segments_sql(segments: list[reports.Segment]) -> _Cut:
    starts = [to_iso(s.start) for s in segments]
    ends = [to_iso(s.end) for s in segments]
    if any(len(t) != _WIDTH for t in (*starts, *ends)):  # years before 1000 or after 9999
        raise ConfigError("A report covers the years 1000 to 9999")
    offsets = "".join(f"{s.offset_minutes + 10000:05d}" for s in segments)
    return _Cut(_CUT, (len(segments), "".join(starts), "".join(ends), offsets))
