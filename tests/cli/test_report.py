"""`social-inbox report`: exact figures on a hand-built profile, across business-hour
boundaries and the Europe/Berlin DST change (Sunday 29 March 2026), in text, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from inbox.cli.main import main
from inbox.core import reports, sla, triage
from inbox.core.clock import FakeClock
from inbox.core.models import AccountInfo, Status
from inbox.profile import Profile
from inbox.store import Store

BERLIN = sla.SlaPolicy(
    first_response_minutes=60, hours=sla.BusinessHours(tz="Europe/Berlin")
)  # Mon-Fri 09:00-17:00 local


def _conv(
    store: Store,
    account: int,
    key: str,
    received: str,
    answered: str | None,
    team: int | None,
    status: str = "open",
    assignee: int | None = None,
    sentiment: float | None = None,
    kind: str = "mention",
) -> int:
    row = store.conn.execute(
        "INSERT INTO conversations (account_id, key, kind, status, team_id, assignee_id,"
        " first_message_at, last_message_at, first_response_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (account, key, kind, status, team, assignee, received, answered or received, answered),
    ).fetchone()
    conv = int(row[0])
    message = _message(store, account, conv, f"in-{key}", received, sentiment=sentiment)
    store.conn.execute("UPDATE conversations SET last_inbound_id = ? WHERE id = ?", (message, conv))
    return conv


def _message(
    store: Store,
    account: int,
    conv: int,
    remote: str,
    at: str,
    sentiment: float | None = None,
    in_reply_to: str | None = None,
) -> int:
    row = store.conn.execute(
        "INSERT INTO messages (account_id, conversation_id, remote_id, kind, text, created_at,"
        " sentiment_score, in_reply_to) VALUES (?, ?, ?, 'mention', 'hi', ?, ?, ?) RETURNING id",
        (account, conv, remote, at, sentiment, in_reply_to),
    ).fetchone()
    return int(row[0])


def _status_changes(store: Store, clock: FakeClock, changes: list[tuple[int, str, str]]) -> None:
    """Resolve and reopen through the triage store (what the window and CLI call), each at
    its time on the store's clock."""
    for conv, status, at in changes:
        clock.set(datetime.fromisoformat(at))
        new = Status(status)
        edit = triage.status(new, store.now())  # what the conversations.set_status op runs
        store.triage.edit([conv], None, "status", edit, rescore=True, status=new.value)


@pytest.fixture
def profile(tmp_path: Path) -> tuple[Path, int]:
    """The profile folder and the Berlin team's id."""
    folder = tmp_path / "profile"
    clock = FakeClock()
    store = Store(Profile.resolve(folder).db_path, clock=clock)
    changes: list[tuple[int, str, str]] = []
    try:
        masto = store.add_account(AccountInfo("mastodon", "social.test", "1", "shop")).id
        sky = store.add_account(AccountInfo("bluesky", "bsky.test", "2", "shop")).id
        team = store.teams.create("Berlin", BERLIN).id
        alex = store.teams.add_member("Alex").id
        sam = store.teams.add_member("Sam").id
        with store.transaction():
            # Current period, Mon 23 .. Sun 29 March 2026 in Berlin (CET = UTC+1 until the
            # 29th at 02:00, CEST = UTC+2 after).
            # Mon 10:00 -> 10:20: 20 business minutes, met. Resolved Mon 30th 10:00 CEST
            # (08:00Z): 420 + 4 x 480 + 60 = 2400 business minutes across the DST change.
            c1 = _conv(
                store,
                masto,
                "c1",
                "2026-03-23T09:00:00.000000Z",
                "2026-03-23T09:20:00.000000Z",
                team,
                assignee=alex,
                sentiment=0.6,
            )
            changes.append((c1, "resolved", "2026-03-30T08:00:00.000000Z"))
            # Tue 16:30 -> Wed 09:30: 30 + 30 = 60 across closing time; due exactly then, met.
            _conv(
                store,
                masto,
                "c2",
                "2026-03-24T15:30:00.000000Z",
                "2026-03-25T08:30:00.000000Z",
                team,
                assignee=alex,
                sentiment=-0.7,
            )
            # Fri 16:30 CET -> Mon 30th 09:30 CEST (07:30Z): 30 + 30 = 60 across the weekend
            # and the DST change (a fixed +1 offset would make it 30, wall time says 64 h).
            _conv(
                store,
                sky,
                "c3",
                "2026-03-27T15:30:00.000000Z",
                "2026-03-30T07:30:00.000000Z",
                team,
                sentiment=0.0,
            )
            # Wed 11:00 -> 14:00: 180, breached. Resolved, reopened, resolved again Thu
            # 10:00 CET: the last resolution counts, 360 + 60 = 420 business minutes.
            c4 = _conv(
                store,
                sky,
                "c4",
                "2026-03-25T10:00:00.000000Z",
                "2026-03-25T13:00:00.000000Z",
                team,
                assignee=sam,
                sentiment=-0.3,
            )
            changes += [
                (c4, "resolved", "2026-03-25T14:00:00.000000Z"),
                (c4, "open", "2026-03-25T15:00:00.000000Z"),
                (c4, "resolved", "2026-03-26T09:00:00.000000Z"),
            ]
            # Sun 29th 00:30 CET (Sat 23:30Z): a local Sunday; never answered, breached; its
            # message was never scored (sentiment is lazy).
            _conv(store, masto, "c5", "2026-03-28T23:30:00.000000Z", None, team)
            # Mon 30th 00:30 CEST (Sun 22:30Z): the day after the period in Berlin.
            c6 = _conv(store, masto, "c6", "2026-03-29T22:30:00.000000Z", None, team)
            # Found by a search column (monitoring): never work, so never in the backlog.
            _conv(store, masto, "m1", "2026-03-20T10:00:00.000000Z", None, team, kind="monitoring")
            # Another team's (none): only in the report without --team.
            _conv(store, masto, "c7", "2026-03-24T12:00:00.000000Z", None, None)
            # Previous period, Mon 16 .. Sun 22 March: 45 (met) and 180 (breached).
            p1 = _conv(
                store,
                masto,
                "p1",
                "2026-03-16T09:00:00.000000Z",
                "2026-03-16T09:45:00.000000Z",
                team,
            )
            _conv(
                store,
                masto,
                "p2",
                "2026-03-19T08:00:00.000000Z",
                "2026-03-19T11:00:00.000000Z",
                team,
            )
            for conv, kind, at in (
                (c1, "ticket", "2026-03-24T10:00:00.000000Z"),
                (c4, "article", "2026-03-26T10:00:00.000000Z"),
                (p1, "ticket", "2026-03-17T10:00:00.000000Z"),
            ):
                store.conn.execute(
                    "INSERT INTO external_refs (conversation_id, connector, kind, remote_id,"
                    " created_at) VALUES (?, 'desk', ?, ?, ?)",
                    (conv, kind, f"{kind}-{conv}", at),
                )
            for n, (state, at) in enumerate(
                (
                    ("published", "2026-03-25T12:00:00.000000Z"),
                    ("draft", "2026-03-25T12:00:00.000000Z"),
                    ("published", "2026-04-02T12:00:00.000000Z"),
                )
            ):
                post = store.conn.execute(
                    "INSERT INTO posts (team_id, state, text, created_at, updated_at)"
                    " VALUES (?, ?, 'hello', ?, ?) RETURNING id",
                    (team, state, at, at),
                ).fetchone()[0]
                outbox = store.conn.execute(
                    "INSERT INTO outbox (kind, idempotency_key, account_id, payload_json, status,"
                    " due_at, remote_id, created_at, updated_at)"
                    " VALUES ('post', ?, ?, '{}', 'done', ?, ?, ?, ?) RETURNING id",
                    (f"post-{post}", masto, at, f"status-{n}", at, at),
                ).fetchone()[0]
                store.conn.execute(
                    "INSERT INTO post_targets (post_id, account_id, outbox_id) VALUES (?, ?, ?)",
                    (post, masto, outbox),
                )
            # Replies to the first published post (status-0) on its account count; the same
            # remote id on another account, and a reply to something else, do not.
            for remote, account, parent in (
                ("r1", masto, "status-0"),
                ("r2", masto, "status-0"),
                ("r3", sky, "status-0"),
                ("r4", masto, "elsewhere"),
                ("r5", masto, "status-2"),  # the post published after the period
            ):
                _message(
                    store, account, c6, remote, "2026-03-26T12:00:00.000000Z", in_reply_to=parent
                )
        _status_changes(store, clock, changes)
    finally:
        store.close()
    return folder, team


def _run(capsys, folder: Path, *args: str) -> tuple[int, str, str]:
    code = main(["report", "--profile", str(folder), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


WEEK = ("--from", "2026-03-23", "--to", "2026-03-29")


def test_json_has_exact_business_hour_figures_across_dst(profile, capsys) -> None:
    folder, team = profile
    code, out, _ = _run(capsys, folder, *WEEK, "--team", str(team), "--format", "json")
    assert code == 0
    data = json.loads(out)
    now = data["period"]
    assert now["time_zone"] == "Europe/Berlin"
    assert now["received"] == 5
    assert now["received_by_network"] == {"bluesky": 2, "mastodon": 3}
    assert now["received_by_day"] == {
        "2026-03-23": 1,
        "2026-03-24": 1,
        "2026-03-25": 1,
        "2026-03-26": 0,
        "2026-03-27": 1,
        "2026-03-28": 0,
        "2026-03-29": 1,
    }
    assert now["answered"] == 4
    assert now["first_response_median_business_minutes"] == 60.0  # of 20, 60, 60, 180
    assert now["first_response_p90_business_minutes"] == 180.0
    assert (now["sla_met"], now["sla_breached"]) == (3, 2)
    assert now["resolved"] == 2
    assert now["resolution_median_business_minutes"] == 1410.0  # of 420 and 2400 (DST)
    assert now["resolution_p90_business_minutes"] == 2400.0
    assert (now["tickets_pushed"], now["articles_published"]) == (1, 1)
    assert (now["posts_published"], now["post_replies"]) == (1, 2)
    assert now["received_by_account"] == {"shop (bluesky)": 2, "shop (mastodon)": 3}
    assert now["received_by_team"] == {"Berlin": 5}
    assert now["assigned_by_member"] == {"(unassigned)": 2, "Alex": 2, "Sam": 1}
    assert now["resolved_by_member"] == {"Alex": 1, "Sam": 1}
    # Local wall-clock hours; c5 is Sunday 00:30 in Berlin though Saturday in UTC.
    week = now["received_by_hour_of_week"]
    assert len(week) == 168
    assert {k: v for k, v in week.items() if v} == {
        "Mon 10": 1,
        "Tue 16": 1,
        "Wed 11": 1,
        "Fri 16": 1,
        "Sun 00": 1,
    }
    # Open at each day's end: p1 and p2 from before, + received, - c4 on Thursday (c1 is
    # resolved only after the period).
    assert now["backlog_by_day"] == {
        "2026-03-23": 3,
        "2026-03-24": 4,
        "2026-03-25": 5,
        "2026-03-26": 4,
        "2026-03-27": 5,
        "2026-03-28": 5,
        "2026-03-29": 6,
    }
    mood = now["sentiment_by_day"]
    assert mood["2026-03-23"] == {"positive": 1, "neutral": 0, "negative": 0, "mean": 0.6}
    assert mood["2026-03-24"] == {"positive": 0, "neutral": 0, "negative": 1, "mean": -0.7}
    assert mood["2026-03-27"] == {"positive": 0, "neutral": 1, "negative": 0, "mean": 0.0}
    assert mood["2026-03-29"] == {"positive": 0, "neutral": 0, "negative": 0, "mean": None}
    before = data["previous"]
    assert (before["from"], before["to"]) == ("2026-03-16", "2026-03-22")
    assert before["received"] == 2
    assert before["first_response_median_business_minutes"] == 112.5  # of 45 and 180
    assert (before["sla_met"], before["sla_breached"]) == (1, 1)
    assert (before["tickets_pushed"], before["posts_published"]) == (1, 0)
    assert before["resolution_median_business_minutes"] is None
    assert before["backlog_by_day"]["2026-03-22"] == 2
    change = data["change"]
    assert change["received"] == {"now": 5, "before": 2, "change": 3, "percent": 150.0}
    assert change["first_response_median_business_minutes"] == {
        "now": 60.0,
        "before": 112.5,
        "change": -52.5,
        "percent": -46.7,
    }
    assert change["resolution_median_business_minutes"]["percent"] is None
    assert data["empty"] is False


def test_without_team_counts_every_conversation_in_utc_days(profile, capsys) -> None:
    folder, _ = profile
    code, out, _ = _run(capsys, folder, *WEEK, "--format", "json")
    assert code == 0
    now = json.loads(out)["period"]
    assert now["time_zone"] == "UTC"
    assert now["received"] == 7  # c6 falls on Sunday in UTC, and c7 has no team
    assert now["received_by_team"] == {"(no team)": 1, "Berlin": 6}
    assert now["received_by_hour_of_week"]["Sat 23"] == 1  # c5 in UTC
    assert now["received_by_day"]["2026-03-28"] == 1 and now["received_by_day"]["2026-03-29"] == 1


def test_csv_parses_back(profile, capsys) -> None:
    folder, team = profile
    code, out, _ = _run(capsys, folder, *WEEK, "--team", str(team), "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert set(rows[0]) == {"period", "from", "to", "metric", "key", "value"}
    cell = {(r["period"], r["metric"], r["key"]): r["value"] for r in rows}
    assert cell[("current", "received", "")] == "5"
    assert cell[("previous", "received", "")] == "2"
    assert cell[("current", "received_by_network", "bluesky")] == "2"
    assert cell[("current", "received_by_day", "2026-03-29")] == "1"
    assert cell[("current", "first_response_median_business_minutes", "")] == "60.0"
    assert cell[("previous", "first_response_p90_business_minutes", "")] == "180.0"
    assert cell[("current", "sla_breached", "")] == "2"
    assert {r["from"] for r in rows if r["period"] == "previous"} == {"2026-03-16"}
    assert cell[("current", "resolution_p90_business_minutes", "")] == "2400.0"
    assert cell[("current", "received_by_hour_of_week", "Sun 00")] == "1"
    assert cell[("current", "backlog_by_day", "2026-03-26")] == "4"
    assert cell[("current", "sentiment_negative_by_day", "2026-03-25")] == "1"
    assert cell[("current", "sentiment_mean_by_day", "2026-03-29")] == ""
    assert cell[("current", "assigned_by_member", "Alex")] == "2"
    assert cell[("change", "received", "")] == "3"
    assert cell[("change_percent", "received", "")] == "150.0"
    assert cell[("change", "post_replies", "")] == "2"
    assert cell[("change_percent", "post_replies", "")] == ""  # nothing before


def test_text_compares_with_the_period_before(profile, capsys) -> None:
    folder, team = profile
    code, out, _ = _run(capsys, folder, *WEEK, "--team", str(team))
    assert code == 0
    assert "2026-03-23 .. 2026-03-29 (Europe/Berlin), against 2026-03-16 .. 2026-03-22" in out
    assert "1h 00m" in out and "(before: 1h 52m)" in out  # median 60 vs 112.5
    assert "Resolution, median (bus. hrs)" in out and "23h 30m" in out  # 1410 minutes
    assert "Alex" in out and "Busiest hours:" in out


def test_empty_period_says_so(profile, capsys) -> None:
    folder, _ = profile
    code, out, _ = _run(capsys, folder, "--from", "2025-01-01", "--to", "2025-01-31")
    assert code == 0
    assert "Nothing in 2025-01-01 .. 2025-01-31: no conversations received" in out
    code, out, err = _run(
        capsys, folder, "--from", "2025-01-01", "--to", "2025-01-31", "--format", "json"
    )
    assert code == 0 and json.loads(out)["empty"] is True
    assert "Nothing in 2025-01-01" in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--from", "2026-02-30", "--to", "2026-03-01"), "--from '2026-02-30' is not a date"),
        (("--from", "23/03/2026", "--to", "2026-03-29"), "YYYY-MM-DD"),
        (("--from", "2026-03-29", "--to", "2026-03-23"), "is before --from"),
        ((*WEEK, "--team", "99"), "There is no team 99"),
    ],
)
def test_bad_input_is_a_clear_error(profile, capsys, args, words) -> None:
    folder, _ = profile
    code, out, err = _run(capsys, folder, *args)
    assert code == 2
    assert words in err and "Traceback" not in err
    assert out == ""


def test_business_minutes_agrees_with_add_minutes_across_dst() -> None:
    hours = BERLIN.hours
    start = datetime(2026, 3, 27, 15, 30, tzinfo=UTC)
    for minutes in (0, 15, 30, 45, 60, 480, 1000):
        end = sla.add_minutes(start, minutes, hours)
        assert sla.business_minutes(start, end, hours) == pytest.approx(minutes)
    assert reports.percentile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.9) == 9.0


def test_resolving_from_the_cli_counts_its_resolution_time(profile, capsys) -> None:
    """`conversations resolve` (the window's operation) records when; the report reads it."""
    folder, team = profile
    store = Store(Profile.resolve(folder).db_path, readonly=True)
    try:
        c2 = int(store.query("SELECT id FROM conversations WHERE key = 'c2'")[0][0])
    finally:
        store.close()
    assert main(["conversations", "resolve", str(c2), "--profile", str(folder)]) == 0
    capsys.readouterr()
    code, out, _ = _run(capsys, folder, *WEEK, "--team", str(team), "--format", "json")
    assert code == 0
    now = json.loads(out)["period"]
    assert now["resolved"] == 3
    # Resolved today, months after it came in: the slowest of the three.
    assert now["resolution_p90_business_minutes"] > 2400
    store = Store(Profile.resolve(folder).db_path, readonly=True)
    try:
        (at,) = store.query("SELECT resolved_at FROM conversations WHERE id = ?", (c2,))[0]
    finally:
        store.close()
    assert at is not None and at > "2026-04"


def test_csv_names_that_a_spreadsheet_would_run_are_neutralised(profile, capsys) -> None:
    """A member or team name is typed by people (a colleague, an imported team list): in
    the CSV export "=HYPERLINK(…)" must stay text when the file opens in a spreadsheet."""
    folder, _ = profile
    store = Store(Profile.resolve(folder).db_path)
    try:
        store.conn.execute("UPDATE members SET name = '=HYPERLINK(\"http://x.test\",\"Alex\")'"
                           " WHERE name = 'Alex'")  # fmt: skip
        store.conn.execute("UPDATE teams SET name = '@SUM(1+1)' WHERE name = 'Berlin'")
        store.conn.commit()
    finally:
        store.close()
    code, out, _ = _run(capsys, folder, *WEEK, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    keys = {r["key"] for r in rows}
    assert '\'=HYPERLINK("http://x.test","Alex")' in keys and "'@SUM(1+1)" in keys
    assert not any(k.startswith(("=", "+", "-", "@")) for k in keys)
    cell = {(r["period"], r["metric"], r["key"]): r["value"] for r in rows}
    assert cell[("change", "received", "")] == "5"  # numbers stay numbers
    assert any(r["value"].startswith("-") for r in rows)  # a negative change too
