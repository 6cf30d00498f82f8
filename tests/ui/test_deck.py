"""The deck: demo columns, keyboard navigation, live updates from the engine."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from inbox.ui.column_model import ID_ROLE
from tests.ui.conftest import Opener, ingest, message


def test_demo_deck_shows_its_stored_columns_with_rows(tmp_path: Path, open_profile: Opener) -> None:
    session = open_profile(tmp_path / "demo", demo=True)
    deck = session.window.deck
    stored = [c.name for c in session.store.columns.for_team(deck.shown_team())]
    shown = session.window.deck.columns()
    assert stored and [v.name for v in shown] == stored
    assert shown[0].model.rowCount() > 0
    assert not shown[0].empty.isVisible()
    assert shown[0].count.text().endswith("unread")


def test_j_k_and_enter_open_the_conversation_under_the_cursor(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    window = session.window
    column = window.deck.columns()[0]
    qtbot.keyClick(window, Qt.Key.Key_1)
    assert column.list.hasFocus()
    qtbot.keyClick(column.list, Qt.Key.Key_J)
    qtbot.keyClick(column.list, Qt.Key.Key_J)
    qtbot.keyClick(column.list, Qt.Key.Key_K)
    expected = column.model.index(1).data(ID_ROLE)
    with qtbot.waitSignal(window.pane.conversation_changed) as opened:
        qtbot.keyClick(column.list, Qt.Key.Key_Return)
    assert opened.args == [expected]
    assert "Loving the jasmine blend" in window.pane.browser.toPlainText()
    assert window.pane.name_label.text() == "User1"
    # Opening marks it read, through the engine: the row's unread mark goes.
    qtbot.waitUntil(lambda: not column.model.summary(1).unread)
    qtbot.keyClick(column.list, Qt.Key.Key_Escape)
    assert window.pane.conversation_id == 0


def test_a_new_message_from_the_engine_updates_and_moves_its_row(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    column = session.window.deck.columns()[0]
    assert column.model.summary(4).snippet == "Do you ship to Norway"
    oldest = column.model.summary(4).id
    newer = message(session.engine, "m9", "Also, to Iceland", key="m4", author="user4")
    ingest(session.engine, [newer])
    # Same priority, so the newest message moves its conversation to the top.
    qtbot.waitUntil(lambda: column.model.summary(0).id == oldest)
    assert column.model.summary(0).snippet == "Also, to Iceland"
    assert column.model.rowCount() == 5


def test_a_new_conversation_appears_only_in_the_columns_it_matches(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    from inbox.core.models import Kind

    session = open_profile(workspace)
    everything, dms = session.window.deck.columns()
    assert dms.is_empty and dms.empty.isVisibleTo(dms)
    ingest(session.engine, [message(session.engine, "d1", "Refund please", kind=Kind.DM)])
    qtbot.waitUntil(lambda: dms.model.rowCount() == 1)
    assert everything.model.rowCount() == 6
    assert not dms.is_empty
    assert dms.count.text() == "1 unread"


def test_a_long_column_loads_fifty_rows_at_a_time(
    tmp_path: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    from tests.ui.conftest import build_workspace

    folder = tmp_path / "big"
    build_workspace(
        folder,
        lambda e: [
            message(e, f"b{n}", f"note {n}", author=f"u{n}", minutes_ago=n) for n in range(120)
        ],
    )
    session = open_profile(folder)
    column = session.window.deck.columns()[0]
    assert column.model.rowCount() == 50
    assert column.model.canFetchMore()
    column.list.scrollToBottom()  # the view asks for the next page itself
    qtbot.waitUntil(lambda: column.model.rowCount() == 100)
    column.list.scrollToBottom()
    qtbot.waitUntil(lambda: column.model.rowCount() == 120)
    qtbot.waitUntil(lambda: column.model.exhausted)
    snippets = [r.snippet for r in column.model.rows()]
    assert snippets == [f"note {n}" for n in range(120)]  # no gap, no double
    assert column.count.text() == "120 unread"


def test_stale_search_results_never_replace_newer_ones(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    deck = open_profile(workspace).window.deck
    for text in ("p", "pa", "par", "parc", "parcel", "jasmine"):
        deck.show_search(text)  # as fast as a typist with no debounce at all
    view = deck.search_view
    assert view is not None
    qtbot.waitUntil(lambda: view.model.loaded)
    assert [r.snippet for r in view.model.rows()] == ["Loving the jasmine blend"]
    assert view.name == "Search: jasmine"


def test_a_click_opens_a_conversation(workspace: Path, open_profile: Opener, qtbot: QtBot) -> None:
    window = open_profile(workspace).window
    column = window.deck.columns()[0]
    rect = column.list.visualRect(column.model.index(2))
    with qtbot.waitSignal(window.pane.conversation_changed) as opened:
        qtbot.mouseClick(column.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [column.model.index(2).data(ID_ROLE)]
    assert "Shop page is slow today" in window.pane.browser.toPlainText()


def test_an_empty_deck_offers_the_usual_columns(
    tmp_path: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    from tests.ui.conftest import build_workspace

    folder = tmp_path / "bare"
    build_workspace(folder, lambda e: [message(e, "x1", "Hello")], columns=False)
    deck = open_profile(folder).window.deck
    assert deck.columns() == [] and deck.empty_card.isVisibleTo(deck)
    with qtbot.waitSignal(deck.layout_changed):
        deck.empty_card.usual_button.click()
    assert [v.name for v in deck.columns()] == ["Priority", "Direct messages", "Mentions"]
    assert not deck.empty_card.isVisibleTo(deck)
    qtbot.waitUntil(deck.loaded)
    assert deck.columns()[0].model.rowCount() == 1
