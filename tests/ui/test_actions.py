"""Actions declared once: menus, `?` help and the README come from inbox.ui.actions."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from inbox.ui import actions
from inbox.ui.composer import Composer
from tests.ui.conftest import Opener

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_key_table_is_the_generated_one() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index(actions.README_START) + len(actions.README_START)
    end = text.index(actions.README_END)
    assert text[start:end].strip() == actions.markdown_table(), (
        "README key table is stale: paste the output of `python -m inbox.ui.actions`"
    )


def test_an_undeclared_action_cannot_be_bound(workspace: Path, open_profile: Opener) -> None:
    window = open_profile(workspace).window
    with pytest.raises(KeyError, match="undeclared action"):
        window.bind("frobnicate", lambda: None)


def test_every_declared_action_is_in_its_menu_with_its_shortcut(
    workspace: Path, open_profile: Opener
) -> None:
    window = open_profile(workspace).window
    assert set(window.bound()) == {s.id for s in actions.ACTIONS}
    for spec in actions.ACTIONS:
        entries = [
            a
            for a in window.menu(spec.menu).actions()
            if not a.isSeparator() and a.property("actionId") == spec.id
        ]
        assert entries, f"{spec.id} missing from the {spec.menu} menu"
        if spec.shortcuts:
            assert entries[0].shortcut().toString() == spec.shortcuts[0]
            assert entries[0].text() == spec.label
    # Nothing in the menus that was not declared.
    for name in actions.MENU_ORDER:
        for a in window.menu(name).actions():
            assert a.isSeparator() or a.property("actionId") in actions.BY_ID, a.text()
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles == list(actions.MENU_ORDER)
    conversation = [a.text() for a in window.menu("Conversation").actions() if a.text()]
    assert {"Reply", "Push to desk", "Write article…"} <= set(conversation)


def test_question_mark_lists_every_action_and_key_with_a_whole_title(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    window = open_profile(workspace).window
    window.deck.focus_column(0)
    qtbot.keyClicks(window.deck.columns()[0].list, "?")
    qtbot.waitUntil(lambda: window.findChild(QLabel, "keysText") is not None)
    dialog = window.findChild(QLabel, "keysText")
    shown = dialog.text()
    for spec in actions.ACTIONS:
        assert spec.description.replace("'", "&#x27;") in shown, spec.id
        for key in spec.shortcuts:
            assert actions.SPOKEN.get(key, key) in shown, key
    for key in ("a", "e", "s", "l", "n", "r"):  # the letters the old list forgot
        assert any(key.upper() in s.shortcuts for s in actions.ACTIONS)
    box = dialog.window()
    assert box.windowTitle() == "Keyboard shortcuts"
    title_width = QFontMetrics(QApplication.font()).horizontalAdvance(box.windowTitle())
    assert box.width() > title_width + 120  # room for the title and the frame's buttons
    box.close()


def test_r_focuses_the_reply_box_and_enter_opens_the_selection(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    window = open_profile(workspace).window
    column = window.deck.columns()[0]
    window.deck.focus_column(0)
    qtbot.keyClick(column.list, Qt.Key.Key_J)
    second = column.model.summary(1).id
    assert window.current_conversation_id() == 0  # j only moves
    qtbot.keyClick(column.list, Qt.Key.Key_Return)
    assert window.current_conversation_id() == second
    qtbot.keyClick(column.list, Qt.Key.Key_R)
    focused = QApplication.focusWidget()
    assert focused is not None and focused.parent().objectName() == "replyBox"
    # Letters typed there are text, not shortcuts.
    qtbot.keyClicks(focused, "je ")
    assert focused.toPlainText() == "je " and window.current_conversation_id() == second


def test_n_opens_a_new_post(workspace: Path, open_profile: Opener, qtbot: QtBot) -> None:
    window = open_profile(workspace).window
    window.deck.focus_column(0)
    qtbot.keyClick(window.deck.columns()[0].list, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: window.findChild(Composer) is not None)
    composer = window.findChild(Composer)
    assert composer.isVisible()
    composer.close()


def test_resolve_moves_on_to_the_next_conversation(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    window = session.window
    column = window.deck.columns()[0]
    first, second = column.model.summary(0).id, column.model.summary(1).id
    window.deck.focus_column(0)
    qtbot.keyClick(column.list, Qt.Key.Key_Return)
    assert window.current_conversation_id() == first
    qtbot.keyClick(column.list, Qt.Key.Key_E)
    qtbot.waitUntil(lambda: column.model.row_of(first) < 0)
    qtbot.waitUntil(lambda: window.current_conversation_id() == second)
    assert column.current_id() == second
    assert window.pane.summary is not None and window.pane.summary.id == second
