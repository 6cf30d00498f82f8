"""Hypothesis: X's parsers turn any JSON into a Message, None or BadPayload, never a crash."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from inbox.core.errors import BadPayload
from inbox.networks.x import mapping
from inbox.networks.x.api import Tokens
from tests.networks.x.fake import load

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)
TWEET = load("mentions_page1.json")["data"][0]
EVENT = load("dm_events.json")["data"][0]


def _mutations(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The recorded item with some fields replaced by arbitrary JSON or removed."""
    keys = st.sampled_from(sorted(base))
    return st.dictionaries(keys, JSON | st.just(...), max_size=len(base)).map(
        lambda changes: {
            k: changes.get(k, v) for k, v in base.items() if changes.get(k, v) is not ...
        }
    )


@settings(max_examples=200, deadline=None)
@given(st.one_of(JSON, _mutations(TWEET)), JSON)
def test_tweet_parser_never_crashes(tweet: Any, body: Any) -> None:
    includes = mapping.Includes.of(body)
    try:
        message = mapping.tweet_message(tweet, includes, "1580000000000000001")
    except BadPayload:
        return
    assert message.remote_id and message.conversation_key
    json.loads(message.raw)


@settings(max_examples=200, deadline=None)
@given(st.one_of(JSON, _mutations(EVENT)), JSON)
def test_dm_parser_never_crashes(event: Any, body: Any) -> None:
    try:
        message = mapping.dm_message(event, mapping.Includes.of(body), "1580000000000000001")
    except BadPayload:
        return
    assert message is None or message.conversation_key.startswith("dm:")


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        JSON.map(json.dumps),
        st.builds(
            lambda a, e: json.dumps({"access_token": a, "expires_at": e}),
            st.text(max_size=8),
            st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)),
        ),
    )
)
def test_token_bundle_parser_never_crashes(raw: str) -> None:
    try:
        tokens = Tokens.loads(raw)
    except ValueError:
        return
    assert Tokens.loads(tokens.dumps()) == tokens
