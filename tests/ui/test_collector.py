"""The open window's process runs no full garbage collection while a sync's changes land
(one froze the window for 60-70 ms with the interpreter lock held); it collects in full
once the deck is quiet, and garbage in a cycle is freed then."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from pytestqt.qtbot import QtBot

from inbox.ui import collector
from inbox.ui.app import Session
from inbox.ui.collector import QuietCollector
from tests.ui.conftest import Opener, ingest, message


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def generations_collected_while(make_work: int) -> set[int]:
    """The generations CPython collects by itself while `make_work` objects that survive
    are created (what a sync's rows, events and cards amount to)."""
    seen: set[int] = set()

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.add(info["generation"])

    gc.callbacks.append(watch)
    try:
        kept = [[n] for n in range(make_work)]
        del kept
    finally:
        gc.callbacks.remove(watch)
    return seen


def test_no_full_collection_while_changes_land_one_when_the_deck_is_quiet(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    assert session.collector is not None  # the window's start-up installed it
    session.collector.stop()
    now = [1000.0]
    quiet = QuietCollector(session.bridge, session.window, clock=lambda: now[0])
    try:
        # Garbage in a cycle that has aged into the oldest generation.
        node = Node()
        gone = weakref.ref(node)
        gc.collect(1)
        gc.collect(1)
        del node

        # A sync lands: the deck shows it, and the collections meanwhile are young ones.
        ingest(session.engine, [message(session.engine, "late", "Is my order lost?")])
        qtbot.waitUntil(lambda: "Is my order lost?" in window_texts(session))
        assert generations_collected_while(300_000) <= {0, 1}
        assert quiet.tick() is False  # the change just landed: not now
        assert gone() is not None

        now[0] += collector.IDLE_S + 1  # nothing changed for a while
        assert quiet.tick() is True
        assert gone() is None
        assert quiet.tick() is False  # nothing aged since
    finally:
        quiet.stop()

    # Without it CPython collects in full on its own in the middle of the same work.
    assert 2 in generations_collected_while(300_000)


def window_texts(session: Session) -> str:
    views = session.window.deck.columns()
    return " ".join(row.snippet for view in views for row in view.model.rows())
