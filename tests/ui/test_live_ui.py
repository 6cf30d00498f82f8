"""Live between laptops: a change made by another process on the same database reaches
the open deck. Alex's window is open; Sam, at the command line of another process (its
own engine and writer), notes and resolves the conversation Alex is looking at. The
window shows the note and drops the resolved conversation from its column, without any
action in the window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from inbox.cli.main import main
from inbox.ui.triage_panel import TriagePanel
from tests.ui.conftest import Opener
from tests.ui.test_reply_loop_ui import profile, server  # noqa: F401 (fixtures)


def test_a_note_and_a_resolve_from_another_process_reach_the_open_deck(
    profile: Path,  # noqa: F811
    open_profile: Opener,
    qtbot: QtBot,
    monkeypatch,
) -> None:
    session = open_profile(profile)
    window = session.window
    column = window.deck.columns()[0]
    with qtbot.waitSignal(window.pane.conversation_changed) as opened:
        column.focus_list()
        qtbot.keyClick(column.list, Qt.Key.Key_Return)
    cid = int(opened.args[0])
    ids = lambda: [s.id for s in column.model.rows()]  # noqa: E731
    assert cid in ids()
    panel = window.findChild(TriagePanel)

    # Sam's process: the CLI, its own engine on the same database file.
    code = main(["--profile", str(profile), "conversations", "note", str(cid), "--text",
                 "Sam: called the customer"])  # fmt: skip
    assert code == 0
    qtbot.waitUntil(lambda: "added an internal note" in panel.view.toPlainText(), timeout=10_000)
    shown = window.pane.browser.toPlainText() + panel.view.toPlainText()
    assert "Sam: called the customer" in shown

    assert main(["--profile", str(profile), "conversations", "resolve", str(cid)]) == 0
    qtbot.waitUntil(lambda: cid not in ids(), timeout=10_000)
