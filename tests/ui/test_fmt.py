"""What a row says: relative times, initials, short account handles, stable avatar colours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inbox.ui import fmt

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_relative_times_stay_short() -> None:
    ago = [timedelta(seconds=20), timedelta(minutes=5), timedelta(hours=2), timedelta(days=3)]
    assert [fmt.relative_time(NOW - d, NOW) for d in ago] == ["now", "5m", "2h", "3d"]
    assert fmt.relative_time(NOW - timedelta(days=20), NOW) == "10 Feb"


def test_time_ago_reads_as_words() -> None:
    ago = [timedelta(seconds=5), timedelta(minutes=5), timedelta(days=3), timedelta(days=20)]
    assert [fmt.time_ago(NOW - d, NOW) for d in ago] == [
        "just now",
        "5m ago",
        "3d ago",
        "on 10 Feb",
    ]
    assert fmt.relative_time(datetime(2025, 12, 24, tzinfo=UTC), NOW) == "24 Dec 2025"


def test_initials_and_handles() -> None:
    assert fmt.initials("Sven Patel", "svenpatel") == "SP"
    assert fmt.initials("", "@ben_green44") == "BE"
    assert fmt.initials("🌿", "") == "?"
    assert fmt.short_handle("leafandkettle.bsky.social") == "leafandkettle"
    assert fmt.short_handle("teashop@mastodon.demo") == "teashop"
    assert fmt.short_handle("LeafKettleTea") == "LeafKettleTea"


def test_avatar_colour_is_stable_per_handle() -> None:
    assert fmt.avatar_colour("Sven") == fmt.avatar_colour("sven")
    assert fmt.avatar_colour("sven") in fmt.AVATAR_COLOURS
