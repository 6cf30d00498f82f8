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
from inbox.core import reports, sla
from inbox.core.models import AccountInfo
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
) -> int:
    row = store.conn.execute(
        "INSERT INTO conversations (account_id, key, kind, status, team_id, first_message_at,"
        " last_message_at, first_response_at) VALUES (?, ?, 'mention', ?, ?, ?, ?, ?)"
        " RETURNING id",
        (account, key, status, team, received, answered or received, answered),
    ).fetchone()
    return int(row[0])


@pytest.fixture
def profile(tmp_path: Path) -> tuple[Path, int]:
    """The profile folder and the Berlin team's id."""
    folder = tmp_path / "profile"
    store = Store(Profile.resolve(folder).db_path)
    try:
        masto = store.add_account(AccountInfo("mastodon", "social.test", "1", "shop")).id
        sky = store.add_account(AccountInfo("bluesky", "bsky.test", "2", "shop")).id
        team = store.teams.create("Berlin", BERLIN).id
        with store.transaction():
            # Current period, Mon 23 .. Sun 29 March 2026 in Berlin (CET = UTC+1 until the
            # 29th at 02:00, CEST = UTC+2 after).
            # Mon 10:00 -> 10:20: 20 business minutes, met.
            c1 = _conv(
                store,
                masto,
                "c1",
                "2026-03-23T09:00:00.000000Z",
                "2026-03-23T09:20:00.000000Z",
                team,
            )
            # Tue 16:30 -> Wed 09:30: 30 + 30 = 60 across closing time; due exactly then, met.
            _conv(
                store,
                masto,
                "c2",
                "2026-03-24T15:30:00.000000Z",
                "2026-03-25T08:30:00.000000Z",
                team,
            )
            # Fri 16:30 CET -> Mon 30th 09:30 CEST (07:30Z): 30 + 30 = 60 across the weekend
            # and the DST change (a fixed +1 offset would make it 30, wall time says 64 h).
            _conv(
                store, sky, "c3", "2026-03-27T15:30:00.000000Z", "2026-03-30T07:30:00.000000Z", team
            )
            # Wed 11:00 -> 14:00: 180, breached; resolved.
            c4 = _conv(
                store,
                sky,
                "c4",
                "2026-03-25T10:00:00.000000Z",
                "2026-03-25T13:00:00.000000Z",
                team,
                status="resolved",
            )
            # Sun 29th 00:30 CET (Sat 23:30Z): a local Sunday; never answered, breached.
            _conv(store, masto, "c5", "2026-03-28T23:30:00.000000Z", None, team)
            # Mon 30th 00:30 CEST (Sun 22:30Z): the day after the period in Berlin.
            _conv(store, masto, "c6", "2026-03-29T22:30:00.000000Z", None, team)
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
            for state, at in (
                ("published", "2026-03-25T12:00:00.000000Z"),
                ("draft", "2026-03-25T12:00:00.000000Z"),
                ("published", "2026-04-02T12:00:00.000000Z"),
            ):
                store.conn.execute(
                    "INSERT INTO posts (team_id, state, text, created_at, updated_at)"
                    " VALUES (?, ?, 'hello', ?, ?)",
                    (team, state, at, at),
                )
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
    assert now["resolved"] == 1
    assert (now["tickets_pushed"], now["articles_published"]) == (1, 1)
    assert now["posts_published"] == 1
    before = data["previous"]
    assert (before["from"], before["to"]) == ("2026-03-16", "2026-03-22")
    assert before["received"] == 2
    assert before["first_response_median_business_minutes"] == 112.5  # of 45 and 180
    assert (before["sla_met"], before["sla_breached"]) == (1, 1)
    assert (before["tickets_pushed"], before["posts_published"]) == (1, 0)
    assert data["empty"] is False


def test_without_team_counts_every_conversation_in_utc_days(profile, capsys) -> None:
    folder, _ = profile
    code, out, _ = _run(capsys, folder, *WEEK, "--format", "json")
    assert code == 0
    now = json.loads(out)["period"]
    assert now["time_zone"] == "UTC"
    assert now["received"] == 7  # c6 falls on Sunday in UTC, and c7 has no team
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


def test_text_compares_with_the_period_before(profile, capsys) -> None:
    folder, team = profile
    code, out, _ = _run(capsys, folder, *WEEK, "--team", str(team))
    assert code == 0
    assert "2026-03-23 .. 2026-03-29 (Europe/Berlin), against 2026-03-16 .. 2026-03-22" in out
    assert "1h 00m" in out and "(before: 1h 52m)" in out  # median 60 vs 112.5


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
