"""X moderation on the documented endpoints: mute (POST /2/users/:id/muting), unmute (DELETE
…/muting/:target), hide and show a reply (PUT /2/tweets/:id/hidden); blocking and reports are
refused in words (blocking is Enterprise-only in X's API, reports are not in it)."""

from __future__ import annotations

import asyncio
import json

import pytest

from inbox.core.errors import NotSupported, RemoteRejected
from inbox.core.models import Contact, Kind, Message
from inbox.networks import registry
from inbox.networks.base import Moderation
from tests.networks.x.fake import ME
from tests.networks.x.test_x import fake, make, saved  # noqa: F401  (fixtures)

SAM = "2200000000000000002"


def reply(tweet_id: str = "1860000000000000105") -> Message:
    from datetime import UTC, datetime

    return Message(
        remote_id=tweet_id,
        conversation_key="thread:1860000000000000101",
        kind=Kind.REPLY,
        author=Contact("x", SAM, "samortega"),
        text="still no tracking number",
        created_at=datetime(2026, 11, 28, 9, 40, tzinfo=UTC),
    )


def ask(action: str, **kw) -> Moderation:
    return Moderation(action, SAM, "samortega", "k", post=kw.pop("post", reply()), **kw)


def test_mute_then_unmute(fake, make) -> None:  # noqa: F811
    x = make()
    asyncio.run(x.moderate(ask("mute")))
    [call] = fake.to(f"/2/users/{ME}/muting")
    assert json.loads(call.content) == {"target_user_id": SAM}
    assert fake.muted == {SAM}
    asyncio.run(x.moderate(ask("unmute")))
    assert fake.to(f"/2/users/{ME}/muting/{SAM}")[0].method == "DELETE"
    assert fake.muted == set()


def test_hide_and_show_a_reply(fake, make) -> None:  # noqa: F811
    x = make()
    asyncio.run(x.moderate(ask("hide_reply")))
    [call] = fake.to("/2/tweets/1860000000000000105/hidden")
    assert call.method == "PUT" and json.loads(call.content) == {"hidden": True}
    assert fake.hidden == {"1860000000000000105"}
    asyncio.run(x.moderate(ask("unhide_reply")))
    assert fake.hidden == set()


def test_hiding_a_reply_outside_our_conversations_says_xs_words(fake, make) -> None:  # noqa: F811
    with pytest.raises(RemoteRejected, match="you cannot hide"):
        asyncio.run(make().moderate(ask("hide_reply", post=reply("999"))))


def test_blocking_and_reports_are_refused_in_words(fake, make) -> None:  # noqa: F811
    caps = registry.capabilities("x")
    assert "Enterprise" in caps.moderation_refusal("block")
    assert "no API for reports" in caps.moderation_refusal("report")
    assert caps.moderation_refusal("mute") == ""
    with pytest.raises(NotSupported):
        asyncio.run(make().moderate(ask("block")))
    assert fake.requests == []
