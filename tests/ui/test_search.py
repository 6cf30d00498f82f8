"""Search: / focuses the field, results show in a temporary column that Esc closes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.ui.conftest import Opener, ingest, message


def test_search_shows_matches_in_a_temporary_column(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    window = session.window
    deck = window.deck
    qtbot.keyClick(window, Qt.Key.Key_1)
    qtbot.keyClick(deck.columns()[0].list, Qt.Key.Key_Slash)
    assert window.search_field.hasFocus()
    qtbot.keyClicks(window.search_field, "jasm")
    qtbot.waitUntil(lambda: deck.search_view is not None and deck.search_view.model.loaded)
    results = deck.search_view
    assert results is not None
    assert deck.columns()[0] is results
    assert results.name == "Search: jasm"
    assert [r.snippet for r in results.model.rows()] == ["Loving the jasmine blend"]
    assert len(deck.stored_columns()) == 2  # temporary: never written

    # New matching mail shows up in the open search, like any column.
    ingest(session.engine, [message(session.engine, "j2", "More jasmine please", author="bo")])
    qtbot.waitUntil(lambda: results.model.rowCount() == 2)

    qtbot.keyClick(window.search_field, Qt.Key.Key_Escape)
    assert deck.search_view is None
    assert window.search_field.text() == ""
    assert [v.name for v in deck.columns()] == ["Everything", "DMs"]


def test_a_search_with_no_match_says_so(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    window = open_profile(workspace).window
    qtbot.keyClick(window, Qt.Key.Key_Slash)
    qtbot.keyClicks(window.search_field, "zanzibar")
    qtbot.keyClick(window.search_field, Qt.Key.Key_Return)
    view = window.deck.search_view
    assert view is not None
    qtbot.waitUntil(lambda: view.model.loaded)
    assert view.is_empty
    assert view.empty.isVisibleTo(view)
    assert "No conversation matches" in view.empty.text()
