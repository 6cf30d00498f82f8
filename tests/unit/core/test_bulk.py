"""Bulk CSV preview (every row's problems) and CSV / iCalendar export parsed back."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import icalendar

from inbox.core import bulk
from inbox.core.posts import Target
from inbox.networks import registry

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ACCOUNTS = [Target(1, "mastodon", "@shop"), Target(2, "bluesky", "shop.bsky.social")]
BERLIN = "Europe/Berlin"


def _preview(data: str, default: tuple[int, ...] = (1,)) -> list[bulk.Row]:
    return bulk.preview(
        data, accounts=ACCOUNTS, default_accounts=default, zone_name=BERLIN, now=NOW,
        counter=registry.counter,
    )  # fmt: skip


def test_headerless_bulk_composer_layout() -> None:
    rows = _preview('10/03/2026 09:30,"Hello, world",https://ex.com/a\n')
    assert len(rows) == 1
    row = rows[0]
    assert row.problems == ()
    assert row.scheduled_at == datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
    assert row.message == "Hello, world" and row.link == "https://ex.com/a"
    assert row.account_ids == (1,)


def test_header_with_account_column_and_iso_dates() -> None:
    data = (
        "Date,Message,Account,Image,Alt text\n2026-03-10 09:30,Hi,shop.bsky.social,/a.png,A cat\n"
    )
    (row,) = _preview(data, default=())
    assert row.problems == () and row.account_ids == (2,) and row.image == "/a.png"


def test_every_problem_is_listed_per_row() -> None:
    data = (
        "date,message,account\n"
        "01/03/2026 09:00,past,@shop\n"  # line 2: past
        "31/02/2026 09:00,bad date,@shop\n"  # line 3
        "10/03/2026 09:00,nobody,@ghost\n"  # line 4: missing account
        f"10/03/2026 09:00,{'a' * 301},shop.bsky.social\n"  # line 5: too long for Bluesky
        "10/03/2026 09:00,fine,@shop\n"  # line 6
    )
    rows = _preview(data)
    assert [r.line for r in rows] == [2, 3, 4, 5, 6]
    assert rows[0].problems == ("01/03/2026 09:00 is in the past.",)
    assert rows[1].problems == ("Bad date '31/02/2026 09:00'.",)
    assert rows[2].problems == ("No account @ghost.",)
    assert rows[3].problems == ("shop.bsky.social: 1 over the 300 limit of bluesky.",)
    assert rows[4].problems == ()
    assert bulk.summary(rows) == {"rows": 5, "ok": 1, "with_problems": 4}


def test_image_without_alt_text_is_a_problem_by_default() -> None:
    (row,) = _preview("10/03/2026 09:30,pic,,https://ex.com/cat.png\n")
    assert row.problems == ("Add alt text to cat.png.",)


def test_no_default_account() -> None:
    (row,) = _preview("10/03/2026 09:30,hi\n", default=())
    assert "No account" in row.problems[0]


def test_mdy_order() -> None:
    rows = bulk.preview(
        "03/10/2026 09:30,hi\n",
        accounts=ACCOUNTS,
        default_accounts=(1,),
        zone_name="America/New_York",
        now=NOW,
        date_order="mdy",
    )
    assert rows[0].scheduled_at == datetime(2026, 3, 10, 13, 30, tzinfo=UTC)


def test_dst_gap_in_bulk_file_follows_the_gap_rule() -> None:
    (row,) = _preview("29/03/2026 02:30,gap\n")
    assert row.scheduled_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_garbage_does_not_crash() -> None:
    rows = _preview('\x00,"unterminated\n')
    assert rows and rows[0].problems


ENTRIES = [
    bulk.Entry(
        1,
        1,
        "@shop",
        "mastodon",
        "scheduled",
        datetime(2026, 3, 10, 8, 30, tzinfo=UTC),
        "Spring sale; 20% off, all week\nSecond line",
        zone=BERLIN,
        link="https://ex.com",
    ),
    bulk.Entry(
        2,
        2,
        "shop.bsky.social",
        "bluesky",
        "published",
        datetime(2026, 3, 11, 8, 30, tzinfo=UTC),
        "Ünïcödé " * 30,
        url="https://bsky.app/x",
    ),
]


def test_csv_export_round_trips_into_the_importer() -> None:
    text = bulk.to_csv(ENTRIES)
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed[0]["message"] == ENTRIES[0].text
    assert parsed[1]["url"] == "https://bsky.app/x"
    rows = _preview(text)
    assert rows[0].scheduled_at == ENTRIES[0].at and rows[0].account_ids == (1,)


def test_ics_export_parses_back_with_icalendar() -> None:
    text = bulk.to_ics(ENTRIES, stamp=NOW)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    cal = icalendar.Calendar.from_ical(text)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 2
    first = events[0]
    assert first.decoded("DTSTART") == ENTRIES[0].at
    assert str(first["UID"]) == "post-1-1@social-inbox.invalid"
    assert str(first["DESCRIPTION"]) == ENTRIES[0].text + "\nhttps://ex.com"
    assert str(first["SUMMARY"]) == "@shop: Spring sale; 20% off, all week"
    assert str(events[1]["DESCRIPTION"]) == ENTRIES[1].text
    assert str(events[1]["URL"]) == "https://bsky.app/x"


def test_bare_carriage_returns_are_line_ends() -> None:
    rows = _preview("10/03/2026 09:30,one\r10/03/2026 10:30,two\r")
    assert [r.message for r in rows] == ["one", "two"]
    assert all(not r.problems for r in rows)
