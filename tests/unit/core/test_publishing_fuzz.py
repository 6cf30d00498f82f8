"""Arbitrary input never crashes the publishing core: CSV preview, templates, counting."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from inbox.core import bulk, templates, text
from inbox.core.posts import Target
from inbox.networks import registry

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ACCOUNTS = [Target(1, "mastodon", "@shop"), Target(2, "x", "shop")]


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_csv_preview_never_raises(data: str) -> None:
    rows = bulk.preview(data, accounts=ACCOUNTS, default_accounts=[1], zone_name="UTC", now=NOW)
    for row in rows:
        assert row.problems or row.scheduled_at is not None


@settings(max_examples=100, deadline=None)
@given(
    st.text(),
    st.dictionaries(
        st.from_regex(r"[a-z]{1,5}(\.[a-z]{1,5})?", fullmatch=True), st.text(max_size=10)
    ),
)
def test_render_never_raises_and_only_substitutes(body: str, values: dict[str, str]) -> None:
    rendered = templates.render(body, values)
    if rendered.ok:
        assert not templates.placeholders(body) or all(
            p in values for p in templates.placeholders(body)
        )


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_counts_are_sane(value: str) -> None:
    for network in ("mastodon", "bluesky", "x"):
        c = registry.count(network, value)
        assert c is not None and c.length >= 0
    assert getattr(registry.count("bluesky", value), "length", -1) == text.graphemes(value)
    for span in registry.spans("mastodon", value) + registry.spans("x", value):
        assert 0 <= span.start < span.end <= len(value)
