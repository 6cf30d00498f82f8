"""Stored times: fixed-width UTC text that sorts as time does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from inbox.core.clock import from_iso, to_iso


@pytest.mark.parametrize(
    "when",
    [
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(2026, 3, 1, 12, 3, 4, 5678, tzinfo=UTC),
        datetime(2026, 3, 1, 1, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
    ],
)
def test_to_iso_is_the_fixed_width_utc_text(when: datetime) -> None:
    assert to_iso(when) == when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if when.year >= 1000:
        assert from_iso(to_iso(when)) == when


def test_to_iso_refuses_naive_times() -> None:
    with pytest.raises(ValueError):
        to_iso(datetime(2026, 3, 1))
