"""Replaying normalized recordings: parsing, paging, and quarantining bad items."""

from __future__ import annotations

from datetime import timedelta

import pytest

from inbox.core.models import Direction, Kind
from inbox.networks.base import MENTIONS
from inbox.networks.replay import FORMAT, ReplayAdapter, parse_recording

ITEM = {
    "id": "1",
    "conversation": "1",
    "kind": "mention",
    "author": {"id": "u1", "handle": "mia", "name": "Mia", "followers": 12},
    "text": "Is the site down?",
    "created_at": "2026-03-02T08:00:00.000000Z",
}


def recording(*items):
    return {
        "format": FORMAT,
        "recorded_at": "2026-03-02T09:00:00.000000Z",
        "account": {
            "network": "mastodon",
            "instance": "m.demo",
            "remote_id": "9",
            "handle": "shop",
        },
        "streams": {MENTIONS: list(items)},
    }


def test_items_become_messages_with_times_shifted() -> None:
    rec = parse_recording(recording(ITEM), shift=timedelta(hours=1))
    (msg,) = rec.streams[MENTIONS]
    assert msg.kind is Kind.MENTION and msg.direction is Direction.IN
    assert msg.author.network == "mastodon" and msg.author.followers_count == 12
    assert msg.created_at.hour == 9


async def test_bad_items_come_back_as_rejected_on_the_first_page_only() -> None:
    rec = parse_recording(recording(ITEM, {"id": "2", "kind": "nonsense"}))
    adapter = ReplayAdapter.from_recording(rec, page_size=1)
    first = await adapter.fetch(MENTIONS, None)
    assert [m.remote_id for m in first.items] == ["1"]
    assert len(first.rejected) == 1 and '"nonsense"' in first.rejected[0][1]
    assert (await adapter.fetch(MENTIONS, first.next_cursor)).rejected == ()


def test_a_file_that_is_not_a_recording_is_refused() -> None:
    with pytest.raises(ValueError, match="recording"):
        parse_recording({"format": "something else"})


async def test_limits_are_the_replayed_networks_own() -> None:
    from inbox.core.models import AccountInfo
    from inbox.networks.replay import ReplayAdapter

    x = ReplayAdapter(AccountInfo("x", "x.demo", "3", "shop"), {})
    bsky = ReplayAdapter(AccountInfo("bluesky", "bsky.demo", "2", "shop"), {})
    assert (await x.limits()).max_chars == 280
    assert (await bsky.limits()).max_chars == 300
