"""Fixtures for recorded-response connector tests."""

from __future__ import annotations

import pytest

from inbox.core.article import draft_article
from inbox.core.handoff import Article, Entry, EntryKind, Transcript


@pytest.fixture
def transcript(store, conversation) -> Transcript:
    from dataclasses import replace

    return replace(store.connectors.transcript(conversation), marker="si-test-1")


@pytest.fixture
def article(transcript) -> Article:
    return draft_article(transcript, labels=("orders",))


@pytest.fixture
def note(clock) -> Entry:
    return Entry(EntryKind.NOTE, "Ann", "VIP, refund if late", clock.now(), key="note-1")
