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
