"""`social-inbox report --from --to [--team] [--format]`: a period against the one before."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any

from inbox.cli.demo import add_profile_options, reader
from inbox.core import reports
from inbox.store import reports as report_store


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "report",
        help="volume, response and resolution times, SLA of a period, against the period before",
        description="Conversations received (by network, account, team, day and hour of the "
        "week), first-response and resolution median and p90 in business hours, SLA "
        "met/breached, assigned and resolved per member, backlog and sentiment per day, "
        "tickets pushed, articles and posts published and the replies the posts got, for "
        "whole days --from..--to (in the team's business-hours time zone, else UTC), for the "
        "period of the same length before it, and the change.",
    )
    parser.add_argument("--from", dest="first", metavar="YYYY-MM-DD", required=True)
    parser.add_argument("--to", dest="last", metavar="YYYY-MM-DD", required=True)
    parser.add_argument("--team", type=_team_id, metavar="ID", help="only this team's work")
    parser.add_argument("--format", choices=("text", "csv", "json"), default="text")
    add_profile_options(parser, demo=True)
    parser.set_defaults(func=run)


def _team_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a team id is a number, not {text!r}") from None


def run(args: argparse.Namespace) -> int:
    args.demo = getattr(args, "demo", False)
    reports.parse_period(args.first, args.last)  # a bad date fails before the profile opens
    with reader(args) as store:
        zone = report_store.report_zone(store, args.team)
        period = reports.parse_period(args.first, args.last, zone)
        now = store.clock.now()
        current = report_store.period_report(store, period, args.team, now)
        previous = report_store.period_report(store, period.previous(), args.team, now)
    if args.format == "json":
        print(
            json.dumps(
                {
                    "team": args.team,
                    "empty": current.empty,
                    "period": current.to_json(),
                    "previous": previous.to_json(),
                    "change": reports.compare(current, previous),
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    elif args.format == "csv":
        write_csv(current, previous)
    else:
        print(text(current, previous))
    if current.empty and args.format != "text":
        print(_nothing(current.period), file=sys.stderr)
    return 0


def write_csv(current: reports.PeriodReport, previous: reports.PeriodReport) -> None:
    """Long format: period,from,to,metric,key,value (see reports.csv_rows)."""
    csv.writer(sys.stdout, lineterminator="\n").writerows(reports.csv_rows(current, previous))


def _nothing(period: reports.Period) -> str:
    return (
        f"Nothing in {period.first} .. {period.last}: no conversations received, "
        "no tickets, articles or posts."
    )


def text(current: reports.PeriodReport, previous: reports.PeriodReport) -> str:
    p, q = current.period, previous.period
    lines = [f"Report {p.first} .. {p.last} ({p.tz}), against {q.first} .. {q.last}"]
    if current.empty:
        lines.append(_nothing(p))
        if previous.empty:
            return "\n".join(lines)
    a, b = current.responses, previous.responses

    def line(label: str, now: object, before: object) -> None:
        lines.append(f"  {label:<34} {now!s:>10}   (before: {before})")

    line("Conversations received", current.received, previous.received)
    for network in sorted(set(current.by_network) | set(previous.by_network)):
        line(
            f"  on {network}",
            current.by_network.get(network, 0),
            previous.by_network.get(network, 0),
        )
    line("Found by search columns", current.monitoring, previous.monitoring)
    line(
        "First response, median (bus. hrs)",
        reports.duration(a.median_minutes),
        reports.duration(b.median_minutes),
    )
    line(
        "First response, p90 (bus. hrs)",
        reports.duration(a.p90_minutes),
        reports.duration(b.p90_minutes),
    )
    line("Answered", a.answered, b.answered)
    line("SLA met", a.sla_met, b.sla_met)
    line("SLA breached", a.sla_breached, b.sla_breached)
    line("Suggested answers used", current.suggestions_used, previous.suggestions_used)
    for label, now_, before_ in (
        ("with", current.with_suggestion, previous.with_suggestion),
        ("without", current.without_suggestion, previous.without_suggestion),
    ):
        line(
            f"  first response {label} one, median",
            f"{reports.duration(now_.median_minutes)} ({now_.answered})",
            f"{reports.duration(before_.median_minutes)} ({before_.answered})",
        )
    line("Resolved", current.resolved, previous.resolved)
    c, d = current.resolution, previous.resolution
    line(
        "Resolution, median (bus. hrs)",
        reports.duration(c.median_minutes),
        reports.duration(d.median_minutes),
    )
    line(
        "Resolution, p90 (bus. hrs)",
        reports.duration(c.p90_minutes),
        reports.duration(d.p90_minutes),
    )
    line("Tickets pushed", current.tickets_pushed, previous.tickets_pushed)
    line("Articles published", current.articles_published, previous.articles_published)
    line("Posts published", current.posts_published, previous.posts_published)
    line("  replies they got", current.post_replies, previous.post_replies)
    for title, now_by, before_by in (
        ("By account:", current.by_account, previous.by_account),
        ("By team:", current.by_team, previous.by_team),
        ("Assigned per member:", current.assigned_by_member, previous.assigned_by_member),
        ("Resolved per member:", current.resolved_by_member, previous.resolved_by_member),
    ):
        if now_by or before_by:
            lines.append(f"  {title}")
            for key in sorted(set(now_by) | set(before_by)):
                line(f"  {key}", now_by.get(key, 0), before_by.get(key, 0))
    lines.append("  By day:                received  backlog  sentiment (+ / = / -)")
    for day, count in current.by_day.items():
        mood = current.sentiment_by_day.get(day, {})
        lines.append(
            f"    {day}  {count:>10}  {current.backlog_by_day.get(day, 0):>7}"
            f"  {mood.get('positive', 0)} / {mood.get('neutral', 0)} / {mood.get('negative', 0)}"
        )
    busiest = sorted(current.by_hour_of_week.items(), key=lambda kv: -kv[1])[:3]
    if busiest and busiest[0][1]:
        lines.append("  Busiest hours: " + ", ".join(f"{k}:00 ({v})" for k, v in busiest if v))
    return "\n".join(lines)
