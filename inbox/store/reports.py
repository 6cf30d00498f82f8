"""Reports: the counts of a period by SQL over conversations, external refs and posts.

Message rows are never read: volume and response times come from the conversation
rows (first_message_at, first_response_at), grouped in SQL; only the per-conversation
(received, first response, team) pairs go to core.reports for the business-hours median.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from inbox.core import reports
from inbox.core.clock import from_iso, to_iso
from inbox.core.errors import ConfigError

if TYPE_CHECKING:
    from inbox.store.store import Store

# The UTC quarter hour a stored time falls in: "YYYY-MM-DDTHH:" and 00, 15, 30 or 45.
_QUARTER = (
    "substr(c.first_message_at, 1, 14) ||"
    " printf('%02d', (CAST(substr(c.first_message_at, 15, 2) AS INTEGER) / 15) * 15)"
)


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


def period_report(
    store: Store, period: reports.Period, team_id: int | None, now: datetime
) -> reports.PeriodReport:
    """Every figure of period (conversations of team_id only, when given)."""
    lo, hi = (to_iso(t) for t in period.bounds())
    team = "" if team_id is None else " AND c.team_id = ?"
    params: tuple[Any, ...] = (lo, hi) if team_id is None else (lo, hi, team_id)
    received = f"c.first_message_at >= ? AND c.first_message_at < ?{team}"
    out = reports.PeriodReport(period)
    out.by_network = {
        r[0]: int(r[1])
        for r in store.query(
            "SELECT a.network, count(*) FROM conversations c"
            f" JOIN accounts a ON a.id = c.account_id WHERE {received} GROUP BY a.network",
            params,
        )
    }
    out.received = sum(out.by_network.values())
    buckets = store.query(
        f"SELECT {_QUARTER} AS quarter, count(*) FROM conversations c WHERE {received}"
        " GROUP BY quarter",
        params,
    )
    out.by_day = reports.days_from_buckets(period, ((r[0], r[1]) for r in buckets))
    out.resolved = int(
        store.query(
            f"SELECT count(*) FROM conversations c WHERE {received} AND c.status = 'resolved'",
            params,
        )[0][0]
    )
    pairs = store.query(
        f"SELECT c.first_message_at, c.first_response_at, c.team_id FROM conversations c"
        f" WHERE {received}",
        params,
    )
    out.responses = reports.response_figures(
        (reports.Response(from_iso(r[0]), from_iso(r[1]) if r[1] else None, r[2]) for r in pairs),
        store.teams.policies(),
        now,
    )
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
    post_team = "" if team_id is None else " AND team_id = ?"
    out.posts_published = int(
        store.query(
            "SELECT count(*) FROM posts WHERE state = 'published'"
            f" AND updated_at >= ? AND updated_at < ?{post_team}",
            params,
        )[0][0]
    )
    return out
