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


def _marked_pixels(view) -> int:  # type: ignore[no-untyped-def]
    """Pixels of the search marker's yellow in what the column shows."""
    from PySide6.QtGui import QColor

    from inbox.ui.delegate import MARK_BG

    image = view.list.viewport().grab().toImage()
    yellow = QColor(MARK_BG).rgb()
    return sum(
        image.pixel(x, y) == yellow for y in range(image.height()) for x in range(image.width())
    )


def test_the_searched_word_is_marked_in_the_result_cards_and_the_thread(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    window = open_profile(workspace).window
    deck = window.deck
    qtbot.keyClick(window, Qt.Key.Key_Slash)
    qtbot.keyClicks(window.search_field, "jasmine")
    qtbot.keyClick(window.search_field, Qt.Key.Key_Return)
    view = deck.search_view
    assert view is not None
    qtbot.waitUntil(lambda: view.model.loaded and view.model.rowCount() == 1)
    qtbot.waitUntil(lambda: _marked_pixels(view) > 100)  # the word "jasmine" on yellow
    assert _marked_pixels(deck.columns()[1]) == 0  # a stored column marks nothing
    qtbot.keyClick(view.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "jasmine" in window.pane.browser.toHtml())
    assert "#ffe066" in window.pane.browser.toHtml()
    # A new search marks its own words, not the old ones.
    window.search_field.setFocus()
    window.search_field.clear()
    qtbot.keyClicks(window.search_field, "zanzibar")
    qtbot.keyClick(window.search_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.model.loaded and view.model.rowCount() == 0)
    assert view.list.itemDelegate().highlight == ("zanzibar",)
