"""Reports: the figures of a period by SQL over conversations, audit, refs and posts.

Message rows are never listed: volume, breakdowns, backlog and sentiment are counts grouped
in SQL (by UTC quarter hour, by account/team/assignee); only two columns per conversation
(received and first response or resolution, as numbers) go to core.reports for the
business-hours medians, which need each team's calendar.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from inbox.core import reports
from inbox.core.clock import to_iso
from inbox.core.errors import ConfigError
from inbox.core.models import Kind

if TYPE_CHECKING:
    from inbox.store.store import Store


def _quarter(column: str) -> str:
    """SQL for the UTC quarter hour a stored time falls in: "YYYY-MM-DDTHH:" and 0..3 (the
    quarter's number, which core.reports.Quarters reads). Text and integer arithmetic only: it is
    computed once per conversation of the period."""
    return f"substr({column}, 1, 14) || (CAST(substr({column}, 15, 2) AS INTEGER) / 15)"


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

    # When: per UTC quarter hour, folded into local days and hours of the week.
    buckets = store.query(
        f"SELECT {_quarter('c.first_message_at')} AS quarter, count(*), sum(c.hidden = 0)"
        f" FROM conversations c WHERE {received} GROUP BY quarter",
        params,
    )
    quarters = reports.Quarters(period)
    came = [(r[0], int(r[1])) for r in buckets]
    out.by_day = quarters.days(came)
    out.by_hour_of_week = quarters.hours_of_week(came)

    # How fast: first response and resolution in business hours.
    out.responses = reports.response_figures(
        ((r[0], r[1], r[2]) for r in _timed(store, "c.first_response_at", received, params)),
        calendars,
        now.timestamp(),
    )
    # Suggested answers: used before the first response, or not (store.suggest records uses).
    used = (
        "EXISTS (SELECT 1 FROM suggestion_uses u WHERE u.conversation_id = c.id"
        " AND u.at <= c.first_response_at)"
    )
    answered = f"{received} AND c.first_response_at IS NOT NULL"
    for suggested in (True, False):
        figures = reports.response_figures(
            (
                (r[0], r[1], r[2])
                for r in _timed(
                    store,
                    "c.first_response_at",
                    f"{answered} AND {'' if suggested else 'NOT '}{used}",
                    params,
                )
            ),
            calendars,
            now.timestamp(),
        )
        if suggested:
            out.with_suggestion = figures
        else:
            out.without_suggestion = figures
    out.suggestions_by_source = {
        str(r[0]): int(r[1])
        for r in store.query(
            "SELECT u.source, count(*) FROM suggestion_uses u"
            " LEFT JOIN conversations c ON c.id = u.conversation_id"
            f" WHERE u.at >= ? AND u.at < ?{team} GROUP BY u.source",
            params,
        )
    }
    out.resolution = reports.resolution_figures(
        (
            (r[0], r[1], r[2])
            for r in _timed(store, RESOLVED_AT, f"{received} AND c.status = 'resolved'", params)
        ),
        calendars,
    )

    # Backlog: open (not hidden as spam, not monitoring) at the end of each day.
    open_before = 0
    gone: list[tuple[str, int]] = []
    # MATERIALIZED: the resolution time is looked up once per conversation, not once per
    # mention of r below (SQLite would otherwise copy the subquery into each).
    for key, before, count in store.query(
        "WITH t AS MATERIALIZED (SELECT c.first_message_at AS f,"
        f" CASE WHEN c.status = 'resolved' THEN {RESOLVED_AT} END AS r"
        f" FROM conversations c WHERE c.first_message_at < ? AND c.hidden = 0"
        f" AND c.kind != '{Kind.MONITORING.value}'{team})"
        " SELECT CASE WHEN r >= ? AND r < ? THEN " + _quarter("r") + " ELSE '' END AS k,"
        " sum(f < ? AND (r IS NULL OR r >= ?)), count(*) FROM t GROUP BY k",
        (hi, *by_team, lo, hi, lo, lo),
    ):
        open_before += int(before)
        if key:
            gone.append((key, int(count)))
    shown = [(r[0], int(r[2])) for r in buckets]  # not hidden as spam
    out.backlog_by_day = quarters.backlog(open_before, shown, gone)

    # Mood: the VADER score of each conversation's newest inbound message, where the rules
    # computed one (sentiment is lazy), by the day the conversation came in.
    out.sentiment_by_day = quarters.sentiment(
        (
            (r[0], r[1], int(r[2]), float(r[3]))
            for r in store.query(
                f"SELECT {_quarter('c.first_message_at')} AS quarter,"
                " CASE WHEN m.sentiment_score >= 0.05 THEN 'positive'"
                " WHEN m.sentiment_score <= -0.05 THEN 'negative' ELSE 'neutral' END AS label,"
                " count(*), sum(m.sentiment_score)"
                " FROM conversations c"
                " JOIN messages m INDEXED BY messages_scored ON m.id = c.last_inbound_id"
                f" WHERE {received} AND m.sentiment_score IS NOT NULL GROUP BY quarter, label",
                params,
            )
        ),
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


def _seconds(column: str) -> str:
    """SQL for a stored time as epoch seconds, to the millisecond (NULL stays NULL)."""
    return f"round((julianday({column}) - 2440587.5) * 86400.0, 3)"


def _timed(store: Store, then: str, where: str, params: tuple[Any, ...]) -> list[Any]:
    """(received, then, team) of each conversation, times as epoch seconds."""
    return store.query(
        f"SELECT {_seconds('c.first_message_at')}, {_seconds(then)}, c.team_id"
        f" FROM conversations c WHERE {where}",
        params,
    )
