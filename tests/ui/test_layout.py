"""The deck fills the window; the pane opens beside it when wide, over it when narrow."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from inbox.ui.column_view import WIDTHS
from inbox.ui.main_window import WIDE_WINDOW
from tests.ui.conftest import Opener


def _inside_window(window, widget) -> bool:  # type: ignore[no-untyped-def]
    top_left = widget.mapTo(window, QPoint(0, 0))
    return (
        widget.isVisible()
        and top_left.x() >= 0
        and top_left.y() >= 0
        and top_left.x() + widget.width() <= window.width()
        and top_left.y() + widget.height() <= window.height()
    )


def test_wide_window_opens_the_pane_beside_the_deck(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    window = open_profile(workspace).window
    window.resize(1600, 900)
    qtbot.waitUntil(lambda: window.deck.width() >= window.centralWidget().width() - 2)
    assert not window.pane.isVisible()  # nothing open: the deck has the whole window
    column = window.deck.columns()[0]
    window.deck.focus_column(0)
    qtbot.keyClick(column.list, Qt.Key.Key_Return)
    qtbot.waitUntil(window.pane.isVisible)
    assert window.pane_mode == "beside"
    deck_right = window.deck.mapTo(window, QPoint(window.deck.width(), 0)).x()
    pane_left = window.pane.mapTo(window, QPoint(0, 0)).x()
    assert deck_right <= pane_left  # beside, not over
    assert 380 <= window.pane.width() <= 700
    qtbot.keyClick(column.list, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.pane.isVisible())


def test_narrow_window_opens_the_pane_over_the_deck_with_the_note_box_in_sight(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    window = open_profile(workspace).window
    window.resize(1024, 700)
    assert window.width() < WIDE_WINDOW
    column = window.deck.columns()[0]
    window.deck.focus_column(0)
    qtbot.keyClick(column.list, Qt.Key.Key_Return)
    qtbot.waitUntil(window.pane.isVisible)
    assert window.pane_mode == "over"
    assert window.deck.width() >= window.centralWidget().width() - 2  # the deck keeps its room
    assert _inside_window(window, window.pane)
    note = window.triage.panel.note_box
    qtbot.keyClick(column.list, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(note.hasFocus)
    QApplication.processEvents()
    assert _inside_window(window, note)
    top = note.mapTo(window.pane, QPoint(0, 0)).y()
    assert top >= 0 and top + note.height() <= window.pane.height()
    # Growing the window moves the open pane beside the deck.
    window.resize(1500, 800)
    qtbot.waitUntil(lambda: window.pane_mode == "beside")
    assert window.pane.isVisible()


def test_column_width_is_chosen_per_column_and_kept(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    window = session.window
    first, second = window.deck.columns()[:2]
    window.deck.focus_column(1)
    window.bound()["width_wide"].trigger()
    assert second.width_name == "wide" and first.width_name == "medium"
    assert second.minimumWidth() == WIDTHS["wide"]
    narrow = first.menu.actions()
    width_menu = next(a.menu() for a in narrow if a.text() == "Width")
    next(a for a in width_menu.actions() if a.text() == "Narrow").trigger()
    assert first.width_name == "narrow"
    qtbot.waitUntil(
        lambda: (
            session.store.setting("deck.column_widths")
            == {str(first.column_id): "narrow", str(second.column_id): "wide"}
        )
    )
    session.close()
    again = open_profile(workspace).window
    assert [v.width_name for v in again.deck.columns()[:2]] == ["narrow", "wide"]


def test_few_columns_fill_a_wide_window(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    window = open_profile(workspace).window
    window.resize(1400, 800)
    QApplication.processEvents()
    cols = window.deck.columns()
    qtbot.waitUntil(lambda: all(v.width() > WIDTHS["medium"] for v in cols))
    right = cols[-1].mapTo(window.deck, QPoint(cols[-1].width(), 0)).x()
    assert window.deck.width() - right < 60  # no wide empty band after the columns


def _in_sight(pane, widget) -> bool:  # type: ignore[no-untyped-def]
    """Wholly inside the pane's visible part (not scrolled away below the actions area)."""
    viewport = pane._actions_scroll.viewport()
    top = widget.mapTo(viewport, QPoint(0, 0)).y()
    return widget.isVisible() and top >= 0 and top + widget.height() <= viewport.height()


def test_a_short_thread_leaves_the_reply_and_note_boxes_in_sight_on_a_1024x640_window(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    from inbox.ui.features.reply import ReplyBox

    window = open_profile(workspace).window
    window.resize(1024, 640)  # a small laptop's screen, less the panel
    column = window.deck.columns()[0]
    window.deck.focus_column(0)
    qtbot.keyClick(column.list, Qt.Key.Key_Return)
    qtbot.waitUntil(window.pane.isVisible)
    box = window.pane.findChild(ReplyBox)
    note = window.triage.panel.note_box
    # No key, no scrolling: opening a one-message conversation shows where to answer.
    qtbot.waitUntil(lambda: _in_sight(window.pane, box.editor) and _in_sight(window.pane, note))
    assert window.pane._actions_scroll.verticalScrollBar().value() == 0
    assert window.pane.browser.height() >= 100  # the customer's message keeps its room
    assert "Where is my parcel" in window.pane.browser.toPlainText()
    # A split the reader drags stays theirs when another conversation opens.
    window.pane.thread_split.splitterMoved.emit(300, 1)
    window.pane.thread_split.setSizes([300, 100])
    dragged = window.pane.thread_split.sizes()
    qtbot.keyClick(column.list, Qt.Key.Key_J)
    qtbot.keyClick(column.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Where is my parcel" not in window.pane.browser.toPlainText())
    assert window.pane.thread_split.sizes() == dragged


def test_the_pane_beside_three_columns_at_1600_px_cuts_none_in_two(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    from inbox.core.models import ColumnFilter
    from inbox.ui.main_window import PANE_MIN

    window = open_profile(workspace).window
    window.resize(1600, 900)
    window.deck.add_column("Newest", ColumnFilter(sort="newest"))
    qtbot.waitUntil(lambda: len(window.deck.columns()) == 3)
    column = window.deck.columns()[0]
    window.deck.focus_column(0)
    qtbot.keyClick(column.list, Qt.Key.Key_Return)
    qtbot.waitUntil(window.pane.isVisible)
    assert window.pane_mode == "beside"
    viewport = window.deck.viewport()

    def whole(view) -> bool:  # type: ignore[no-untyped-def]
        left = view.mapTo(viewport, QPoint(0, 0)).x()
        return left >= 0 and left + view.width() <= viewport.width()

    qtbot.waitUntil(lambda: all(whole(v) for v in window.deck.columns()))
    assert PANE_MIN <= window.pane.width() < 520  # narrowed for the third column, readable
