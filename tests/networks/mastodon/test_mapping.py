"""mapping: recorded statuses and notifications into core models; bad items never raise more."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inbox.core.errors import BadPayload
from inbox.core.models import Direction, Kind
from inbox.networks.mastodon import mapping
from inbox.networks.mastodon.mapping import Me
from tests.networks.mastodon.fake import HOST, load

ME = Me(HOST, "110000000000000001", "teashop")


def notification(notification_id: str) -> dict:
    return next(n for n in load("notifications.json") if n["id"] == notification_id)


def test_a_mention_becomes_an_inbound_message_keyed_by_its_thread_root() -> None:
    item = mapping.mention_item(notification("2004"), ME)
    [message], rejected = mapping.thread_messages(item, [], ME)
    assert rejected == []
    assert message.remote_id == "1100"
    assert message.kind is Kind.MENTION
    assert message.conversation_key == "thread:1100"
    assert message.direction is Direction.IN
    assert message.author.handle == f"alice@{HOST}"  # local accounts get the instance
    assert message.text == "@teashop is the shop open on Sunday?"
    assert message.mentions == ()


def test_html_is_sanitized_and_media_cw_poll_and_emoji_survive_as_text() -> None:
    item = mapping.mention_item(notification("2007"), ME)
    [message], _ = mapping.thread_messages(item, [], ME)
    assert "<script" not in message.html and "steal()" not in message.html
    assert "<img" not in message.html and "tracker.example" not in message.html
    assert "javascript:" not in message.html and "onclick" not in message.html
    assert 'href="https://shop.test/x"' in message.html
    assert ":blobcat:" in message.text
    assert message.spoiler_text == "food pics"
    assert message.media[0].description == "A cup of green tea on a wooden table"
    assert message.media[0].kind == "image"
    assert "Poll:\n○ Green (3)\n○ Black (1)" in message.text


def test_a_dm_thread_keeps_ancestors_and_marks_ours_as_outgoing() -> None:
    contexts = load("contexts.json")
    item = mapping.mention_item(notification("2003"), ME)
    messages, _ = mapping.thread_messages(item, contexts["1092"]["ancestors"], ME)
    assert [m.remote_id for m in messages] == ["1092", "1090", "1091"]
    assert {m.conversation_key for m in messages} == {"dm:1090"}
    assert {m.kind for m in messages} == {Kind.DM}
    assert [m.direction for m in messages] == [Direction.IN, Direction.IN, Direction.OUT]
    assert messages[0].mentions == (f"teashop@{HOST}", "carol@other.example")


def test_a_reply_to_us_and_a_quote_get_their_kinds() -> None:
    reply = mapping.mention_item(notification("2005"), ME)
    quote = mapping.mention_item(notification("2006"), ME)
    assert reply.kind is Kind.REPLY
    assert quote.kind is Kind.QUOTE


def test_verify_credentials_maps_to_account_info() -> None:
    info = mapping.account_info(load("verify_credentials.json"), HOST)
    assert (info.remote_id, info.handle, info.display_name) == (
        "110000000000000001",
        f"teashop@{HOST}",
        "The Tea Shop",
    )
    assert info.avatar_url.endswith(".png")


@pytest.mark.parametrize(
    "broken",
    [
        None,
        [],
        {"id": "1", "type": "mention"},
        {"id": "1", "type": "mention", "status": {"id": 5}},
        {"id": "1", "type": "mention", "status": {"id": "5", "account": "x"}},
    ],
)
def test_malformed_notifications_raise_bad_payload_only(broken) -> None:
    with pytest.raises(BadPayload):
        mapping.mention_item(broken, ME)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
STATUS_KEYS = list(load("notifications.json")[0]["status"].keys())


@st.composite
def mangled_notification(draw):
    """A recorded notification with random fields replaced by random JSON."""
    n = json.loads(json.dumps(draw(st.sampled_from(load("notifications.json")))))
    for key in draw(st.lists(st.sampled_from(STATUS_KEYS), max_size=5)):
        n["status"][key] = draw(json_values)
    for key in draw(st.lists(st.sampled_from(["id", "type", "created_at", "status"]), max_size=2)):
        n[key] = draw(json_values)
    return n


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(mangled_notification(), st.lists(json_values | mangled_notification(), max_size=3))
def test_fuzz_mapping_never_crashes(n, ancestors) -> None:
    try:
        item = mapping.mention_item(n, ME)
        messages, rejected = mapping.thread_messages(item, ancestors, ME)
    except BadPayload:
        return
    assert messages[0].remote_id == item.status_id
    assert len(messages) + len(rejected) >= 1
    for reason, raw in rejected:
        assert reason and isinstance(raw, str)


@pytest.mark.parametrize(
    ("instance", "url"),
    [
        ("mastodon.social", "https://mastodon.social"),
        ("https://mastodon.social/", "https://mastodon.social"),
        ("127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://dev.test", "http://dev.test"),
    ],
)
def test_instance_names_become_base_urls(instance: str, url: str) -> None:
    from inbox.networks.mastodon.api import base_url

    assert base_url(instance) == url
