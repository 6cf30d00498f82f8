"""The reply box says when a reply to a crowded DM cannot mention everyone, in the same
words as `social-inbox reply` (engine.replies.crowd_note), and keys: opening the DM with
the keyboard shows the notice, choosing "Public" hides it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from inbox.core.models import Kind
from inbox.engine import Engine
from inbox.ui.features.reply import ReplyBox
from tests.ui.conftest import Opener, build_workspace, message


def test_a_crowded_dm_says_the_reply_mentions_only_twenty(
    tmp_path: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    folder = tmp_path / "profile"

    def messages(engine: Engine):
        crowd = message(engine, "dm-1", "Group question", author="host", kind=Kind.DM)
        people = tuple(f"p{n}@crowd.example" for n in range(300))
        calm = message(engine, "dm-2", "Just us", author="solo", kind=Kind.DM, minutes_ago=60)
        return [
            replace(crowd, visibility="direct", mentions=people),
            replace(calm, visibility="direct", mentions=("friend@crowd.example",)),
        ]

    build_workspace(folder, messages)
    session = open_profile(folder)
    window = session.window
    box = window.pane.findChild(ReplyBox)
    assert box is not None
    column = window.deck.columns()[0]
    column.focus_list()
    with qtbot.waitSignal(window.pane.conversation_changed):
        qtbot.keyClick(column.list, Qt.Key.Key_Return)  # the newest: the crowded DM
    qtbot.waitUntil(box.isEnabled)
    assert box.crowd.isVisible()
    assert box.crowd.text() == (
        "This direct message has 301 participants; the reply mentions only 20 of them "
        "(the author first), so the others will not see it."
    )
    box.visibility.setCurrentIndex(box.visibility.findData("public"))
    assert not box.crowd.isVisible()  # a public reply is not a DM
    box.visibility.setCurrentIndex(0)
    assert box.crowd.isVisible()
    with qtbot.waitSignal(window.pane.conversation_changed):
        qtbot.keyClick(column.list, Qt.Key.Key_Down)
        qtbot.keyClick(column.list, Qt.Key.Key_Return)  # two people: nothing to say
    assert not box.crowd.isVisible() and box.crowd.text() == ""
