"""Presence in the window: Sam, on another laptop on the same database, opens the
conversation Alex has open, then starts a reply; Alex's window shows "Sam is viewing",
then "Sam is replying…", in the pane and on the card. Sam's laptop sees Alex too. When
Sam's laptop goes away, the line goes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from inbox.engine import Engine, team
from inbox.store.presence import Presence
from inbox.ui.delegate import ConversationDelegate
from inbox.ui.features.reply import ReplyBox
from tests.ui.conftest import Opener
from tests.ui.test_reply_loop_ui import profile, server  # noqa: F401 (fixtures)


def test_sam_viewing_then_replying_shows_in_the_pane_and_on_the_card(
    profile: Path,  # noqa: F811
    open_profile: Opener,
    qtbot: QtBot,
) -> None:
    session = open_profile(profile)
    window = session.window
    with qtbot.waitSignal(window.pane.conversation_changed) as opened:
        window.deck.columns()[0].focus_list()
        qtbot.keyClick(window.deck.columns()[0].list, Qt.Key.Key_Return)
    cid = int(opened.args[0])
    box = window.pane.findChild(ReplyBox)
    qtbot.waitUntil(box.isEnabled)
    label = window.pane.presence_label
    delegate = window.deck.columns()[0].list.itemDelegate()
    assert isinstance(delegate, ConversationDelegate)
    assert not label.isVisible()

    sam = Engine(session.engine.db_path)
    sam.start()
    try:
        sam.call(lambda e: team.set_presence(e, cid, "viewing", member="Sam"))
        qtbot.waitUntil(lambda: label.isVisible() and label.text() == "Sam is viewing")
        assert delegate.presence == {cid: "Sam is viewing"}
        sam.call(lambda e: team.set_presence(e, cid, "replying", member="Sam"))
        qtbot.waitUntil(lambda: label.text() == "Sam is replying…")
        assert delegate.presence == {cid: "Sam is replying…"}
        window.grab().save(str(profile.parent / "presence.png"))

        # Sam's laptop sees Alex's window too: viewing, then replying once Alex types.
        def alex() -> list[Presence]:
            return sam.call(lambda e: e.store.presence.others(e.holder).get(cid, []))

        qtbot.waitUntil(lambda: [p.activity for p in alex()] == ["viewing"])
        qtbot.keyClicks(box.editor, "On it")
        qtbot.waitUntil(lambda: [p.activity for p in alex()] == ["replying"])
    finally:
        sam.stop()  # the laptop goes away: its presence goes with it
    qtbot.waitUntil(lambda: not label.isVisible())
    assert delegate.presence == {}
