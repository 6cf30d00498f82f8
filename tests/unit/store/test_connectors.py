"""Connector config without secrets, refs (one per conversation and connector), transcripts."""

from __future__ import annotations

import pytest

from inbox.core.errors import ConfigError
from inbox.core.handoff import EntryKind, ExternalRef, Priority, RefKind


def test_add_get_update_remove(store) -> None:
    store.connectors.add("desk", "rt", {"url": "https://rt.example"})
    with pytest.raises(ConfigError, match="already a connector named 'desk'"):
        store.connectors.add("desk", "rt", {})
    store.connectors.update("desk", {"url": "https://rt2.example"})
    assert store.connectors.get("desk").config == {"url": "https://rt2.example"}
    assert [c.name for c in store.connectors.all()] == ["desk"]
    store.connectors.remove("desk")
    with pytest.raises(ConfigError, match="No connector named 'desk'"):
        store.connectors.get("desk")


def test_the_first_ref_wins_so_a_conversation_has_one_ticket_per_connector(
    store, conversation
) -> None:
    store.connectors.save_ref(conversation, ExternalRef("desk", "7", "https://rt/7"), 2)
    store.connectors.save_ref(conversation, ExternalRef("desk", "8", "https://rt/8"), 2)
    store.connectors.save_ref(conversation, ExternalRef("kb", "P", "https://kb/P", RefKind.ARTICLE))
    assert store.connectors.refs(conversation) == [
        ExternalRef("desk", "7", "https://rt/7"),
        ExternalRef("kb", "P", "https://kb/P", RefKind.ARTICLE),
    ]
    assert store.connectors.ticket_fields(conversation) == {
        "ticket.id": "7",
        "ticket.url": "https://rt/7",
    }


def test_transcript_has_contact_times_links_and_tags(store, conversation) -> None:
    t = store.connectors.transcript(conversation)
    assert t.marker == store.connectors.marker(conversation)
    assert t.marker.startswith("si-") and t.marker == store.connectors.marker(conversation)
    assert t.contact.handle == "bob@fosstodon.org"
    assert t.contact.profile_url == "https://fosstodon.org/@bob"
    assert [e.kind for e in t.entries] == [EntryKind.IN, EntryKind.OUT]
    assert t.entries[0].author == "@bob@fosstodon.org (Bob Smith)"
    assert t.entries[0].url == "https://social.example/@x/101"
    assert t.level is Priority.NORMAL  # 10 points: "Asks a question"
    assert t.labels == ("social-inbox", "mastodon", "account-teashop")
    assert t.requester == "Bob Smith (@bob@fosstodon.org on mastodon) https://fosstodon.org/@bob"
