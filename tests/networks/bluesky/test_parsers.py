"""Facets, TIDs, image metadata, and hypothesis fuzzing of every Bluesky parser.

A parser either returns models or raises BadPayload (the item is quarantined);
nothing else escapes, whatever the JSON.
"""

from __future__ import annotations

import contextlib
import json
import struct
import zlib
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inbox.core.errors import AuthExpired, BadPayload
from inbox.networks.bluesky import linkcard, mapping, records, richtext
from inbox.networks.bluesky.identity import normalize_handle, pds_of, service_url
from inbox.networks.bluesky.mapping import Me
from inbox.networks.bluesky.xrpc import Session

ME = Me("did:plc:shop", "teashop.test")


def test_facets_use_utf8_byte_offsets_the_api_notes_example() -> None:
    text = "Héllo @alice.test, see https://example.com/x #help"
    found = richtext.facets(text, {"alice.test": "did:plc:alice"})
    spans = [(f["index"]["byteStart"], f["index"]["byteEnd"], f["features"][0]) for f in found]
    assert spans == [
        (7, 18, {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:alice"}),
        (24, 45, {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/x"}),
        (46, 51, {"$type": "app.bsky.richtext.facet#tag", "tag": "help"}),
    ]


def test_an_unresolved_mention_stays_plain_text() -> None:
    assert richtext.facets("hi @nobody.test", {}) == []


def test_render_uses_facets_not_patterns() -> None:
    text = "🍵 @bob.test and www.example.com"
    data = text.encode()
    start = data.index(b"@")
    facets = [
        {
            "index": {"byteStart": start, "byteEnd": start + 9},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:bob"}],
        },
        {"index": {"byteStart": 1, "byteEnd": 2}, "features": [{"$type": "x#link", "uri": "b"}]},
    ]
    plain, html, mentions = richtext.render(text, facets)
    assert plain == text and mentions == ("bob.test",)
    assert 'href="https://bsky.app/profile/did:plc:bob"' in html
    assert "www.example.com</a>" not in html  # no facet, no link


def test_tids_are_stable_per_key_and_valid() -> None:
    a, b = records.rkey_for("row-1"), records.rkey_for("row-2")
    assert a == records.rkey_for("row-1") and a != b
    assert records.is_tid(a) and records.is_tid(b)
    assert records.rkey_for(a) == a  # a key that already is a TID is kept


def test_an_rkey_is_a_tid_of_the_moment_the_user_sent_it() -> None:
    """A TID is µs since 1970 << 10 | clock id, base32-sortable: decode it back."""
    sent = datetime(2026, 11, 30, 9, 15, 42, 123000, tzinfo=UTC)
    key = records.rkey_for("c0ffee" * 5, sent)
    assert records.is_tid(key) and key == records.rkey_for("c0ffee" * 5, sent)  # every retry
    value = 0
    for char in key:
        value = value * 32 + records.S32.index(char)
    micros = value >> 10
    assert sent.timestamp() * 1e6 <= micros < sent.timestamp() * 1e6 + 1000
    # Two rows queued in the same millisecond get different keys; later rows sort later.
    assert records.rkey_for("other-row", sent) != key
    assert records.rkey_for("c0ffee" * 5, sent.replace(second=43)) > key


def _png_with_text() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    ihdr = struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"eXIf", b"MM\x00*GPS")
        + chunk(b"IDAT", zlib.compress(b"\x00" + b"\x00" * 6))
        + chunk(b"IEND", b"")
    )


def test_metadata_is_stripped_from_png_and_jpeg() -> None:
    png = records.strip_metadata(_png_with_text())
    assert b"eXIf" not in png and b"IDAT" in png and records.image_size(png) == (2, 1)
    exif = b"\xff\xe1" + struct.pack(">H", 10) + b"Exif\x00\x00GP"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 3, 4, 1) + b"\x00\x00\x00"
    jpeg = b"\xff\xd8" + exif + sof + b"\xff\xda\x00\x02DATA\xff\xd9"
    out = records.strip_metadata(jpeg)
    assert b"Exif" not in out and out.endswith(b"DATA\xff\xd9")
    assert records.image_size(out) == (4, 3)


def test_service_urls_keep_scheme_host_and_port() -> None:
    assert service_url("http://127.0.0.1:2583/") == "http://127.0.0.1:2583"
    assert service_url("pds.example.org") == "https://pds.example.org"
    assert normalize_handle(" @Alice.BSKY.social ") == "alice.bsky.social"
    doc = {"service": [{"id": "#atproto_pds", "serviceEndpoint": "https://pds.example:8443/"}]}
    assert pds_of(doc) == "https://pds.example:8443"


def test_an_unreadable_saved_session_needs_sign_in() -> None:
    with pytest.raises(AuthExpired):
        Session.loads("not json")


# -- fuzzing ---------------------------------------------------------------------------

KEYS = [
    "uri",
    "cid",
    "author",
    "record",
    "reason",
    "indexedAt",
    "did",
    "handle",
    "text",
    "facets",
    "index",
    "byteStart",
    "byteEnd",
    "features",
    "$type",
    "embed",
    "images",
    "reply",
    "root",
    "parent",
    "post",
    "createdAt",
    "id",
    "sender",
    "sentAt",
    "members",
    "notFound",
    "blocked",
    "replies",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(KEYS),
            children,
            max_size=6,
        )
    ),
    max_leaves=25,
)

FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(json_values)
def test_notifications_and_threads_never_crash(value: Any) -> None:
    try:
        note = mapping.notification(value)
    except BadPayload:
        return
    try:
        messages, _ = mapping.thread_messages(note, value, ME)
    except BadPayload:
        return
    for m in messages:
        json.loads(m.raw) if m.raw.startswith(("{", "[")) else None


@FUZZ
@given(json_values, json_values)
def test_thread_parents_and_embeds_never_crash(thread: Any, embed: Any) -> None:
    note = mapping.notification(
        {
            "uri": "at://did:plc:a/app.bsky.feed.post/1",
            "cid": "c",
            "reason": "mention",
            "author": {"did": "did:plc:a"},
            "record": {"text": "hi", "createdAt": "2026-03-02T08:00:00Z"},
            "indexedAt": "2026-03-02T08:00:01Z",
        }
    )
    with contextlib.suppress(BadPayload):
        mapping.thread_messages(note, thread, ME)
    mapping.embed_parts(embed)


@FUZZ
@given(st.text(), json_values)
def test_render_never_crashes_and_keeps_the_text(text: str, facets: Any) -> None:
    plain, html, _ = richtext.render(text, facets)
    assert plain == text.encode("utf-8", "replace").decode("utf-8")
    assert isinstance(html, str)


@FUZZ
@given(st.text())
def test_outbound_facets_are_on_character_boundaries(text: str) -> None:
    data = text.encode("utf-8", "replace")
    text = data.decode()
    for facet in richtext.facets(text, {h: "did:plc:x" for h in richtext.mention_handles(text)}):
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        assert 0 <= start < end <= len(data)
        data[start:end].decode("utf-8")


@FUZZ
@given(json_values, json_values)
def test_chat_parsers_never_crash(convo: Any, message: Any) -> None:
    try:
        people = mapping.members(convo)
    except BadPayload:
        people = {}
    with contextlib.suppress(BadPayload):
        mapping.chat_message(message, "c1", people, ME)


@FUZZ
@given(st.binary(max_size=300))
def test_image_stripping_never_crashes(data: bytes) -> None:
    from inbox.core.errors import RemoteRejected

    try:
        records.strip_metadata(b"\xff\xd8\xff" + data)
        records.strip_metadata(b"\x89PNG\r\n\x1a\n" + data)
    except RemoteRejected:
        pass
    records.image_size(b"\xff\xd8\xff" + data)


def test_a_link_card_reads_open_graph_then_the_plain_tags() -> None:
    page = (
        '<head><title> Tea   shop </title><meta name="description" content="Plain words">'
        '<meta property="og:image" content="../img/a.png"></head>'
    )
    card = linkcard.parse(page, "https://tea.example/blog/post")
    assert card == linkcard.Card(
        "https://tea.example/blog/post", "Tea shop", "Plain words", "https://tea.example/img/a.png"
    )
    hostile = (
        '<meta property="og:title" content="X"><meta property="og:image" content="javascript:x">'
    )
    assert linkcard.parse(hostile, "https://a.example/").image == ""  # type: ignore[union-attr]
    assert linkcard.parse("<p>no head at all</p>", "https://a.example/") is None


@FUZZ
@given(st.text(max_size=400), st.sampled_from(["https://a.example/x", "http://127.0.0.1:9/"]))
def test_link_card_parsing_never_crashes(html: str, uri: str) -> None:
    card = linkcard.parse(html, uri)
    if card is not None:
        assert card.uri == uri and len(card.title) <= 300 and len(card.description) <= 1000
        assert card.image == "" or card.image.startswith(("http://", "https://"))


@FUZZ
@given(json_values, json_values)
def test_every_stream_and_the_search_take_any_items_without_crashing(item: Any, other: Any) -> None:
    """Whatever the PDS puts in its lists, a fetch returns a page (bad items set aside) or
    raises one of the app's own errors: never anything else."""
    import asyncio

    import httpx

    from inbox.core.errors import InboxError
    from inbox.core.models import AccountInfo
    from inbox.core.monitoring import SearchSpec
    from inbox.networks.base import DMS, MENTIONS, OWN
    from inbox.networks.bluesky.adapter import BlueskyAdapter

    body = {
        key: [item, other]
        for key in ("notifications", "records", "posts", "convos", "messages", "logs")
    }
    body["thread"] = item
    body["convo"] = other
    raw = json.dumps(body).encode()  # Infinity too: a server may send what Python reads
    JSON = {"Content-Type": "application/json"}

    async def no_sleep(_: float) -> None:
        return None

    async def go() -> None:
        http = httpx.AsyncClient(
            transport=httpx.MockTransport(lambda r: httpx.Response(200, content=raw, headers=JSON))
        )
        session = Session("did:plc:shop", "teashop.test", "http://127.0.0.1:9", "a", "r").dumps()
        info = AccountInfo("bluesky", "http://127.0.0.1:9", "did:plc:shop", "teashop.test")
        adapter = BlueskyAdapter(info, session, http=http, sleep=no_sleep, window_days=36500)
        for stream in (MENTIONS, DMS, OWN):
            try:
                page = await adapter.fetch(stream, None)
            except InboxError:
                continue
            for message in page.items:
                assert message.remote_id and message.conversation_key
        with contextlib.suppress(InboxError):
            await adapter.search(SearchSpec(("tea",)), None)
        await http.aclose()

    asyncio.run(go())
