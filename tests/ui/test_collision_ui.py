"""The collision guard in the window: Sam, on another laptop on the same database, answers
the conversation while it is open here; Send asks first. Cancel keeps the draft and sends
nothing; "Send anyway" sends it. Against the fake Mastodon on a loopback port: what the
user sees, and what the server received."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from inbox.engine import Engine
from inbox.engine.replies import queue_reply
from inbox.ui.features.reply import ReplyBox
from tests.servers.mastodon_loopback import LoopbackMastodon
from tests.ui.conftest import Opener
from tests.ui.test_reply_loop_ui import WAIT, profile, server  # noqa: F401 (fixtures)


def _texts(server: LoopbackMastodon) -> list[str]:  # noqa: F811
    return [p["form"]["status"][0] for p in server.fake.posts]


def _stored(engine: Engine, cid: int) -> int:
    """Replies sent from the outbox and stored as outbound messages of the conversation."""
    rows = engine.call(
        lambda e: e.store.query(
            """SELECT count(*) FROM outbox o JOIN messages m
                 ON m.account_id = o.account_id AND m.remote_id = o.remote_id
               WHERE o.conversation_id = ? AND o.status = 'done' AND m.direction = 'out'""",
            (cid,),
        )
    )
    return int(rows[0][0])


def _button(box: QMessageBox, text: str):
    return next(b for b in box.buttons() if text in b.text())


def test_send_asks_when_sam_answered_meanwhile_cancel_keeps_the_draft_send_sends(
    profile: Path,  # noqa: F811
    server: LoopbackMastodon,  # noqa: F811
    open_profile: Opener,
    qtbot: QtBot,
) -> None:
    session = open_profile(profile)
    window = session.window
    window.deck.columns()[0].focus_list()
    with qtbot.waitSignal(window.pane.conversation_changed) as opened:
        qtbot.keyClick(window.deck.columns()[0].list, Qt.Key.Key_Return)
    cid = int(opened.args[0])
    box = window.pane.findChild(ReplyBox)
    qtbot.waitUntil(box.isEnabled)

    # Sam's laptop: its own engine (writer) on the same database file.
    sam = Engine(session.engine.db_path)
    sam.start()
    try:
        sam.call(lambda e: queue_reply(e, cid, "Sam: refund is on its way", "sam-1", actor="Sam"))
        qtbot.waitUntil(lambda: len(server.fake.posts) == 1, timeout=WAIT)  # sent by one of us
        # ...and stored as the conversation's answer (the server answers before that).
        qtbot.waitUntil(lambda: _stored(sam, cid) == 1, timeout=WAIT)

        qtbot.keyClicks(box.editor, "We open at 10 tomorrow.")
        qtbot.keyClick(box.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: box.collision_box is not None and box.collision_box.isVisible())
        ask = box.collision_box
        assert ask is not None
        assert "Sam answered at" in ask.text() and "since you opened it" in ask.text()
        assert "Sam: refund is on its way" in ask.text()
        ask.grab().save(str(profile.parent / "collision.png"))
        qtbot.mouseClick(_button(ask, "Cancel"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: box.collision_box is None)
        assert box.editor.toPlainText() == "We open at 10 tomorrow."  # the draft is kept
        assert not [t for t in _texts(server) if "We open" in t]

        # Sam answers once more; this time the member sends anyway.
        sam.call(lambda e: queue_reply(e, cid, "Sam: and a voucher", "sam-2", actor="Sam"))
        qtbot.keyClick(box.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: box.collision_box is not None and box.collision_box.isVisible())
        ask = box.collision_box
        assert ask is not None and "Sam" in ask.text() and "and a voucher" in ask.text()
        qtbot.mouseClick(_button(ask, "Send anyway"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: box.editor.toPlainText() == "", timeout=WAIT)
        qtbot.waitUntil(lambda: len(server.fake.posts) == 3, timeout=WAIT)
    finally:
        sam.stop()
    ends = sorted(t.rsplit(": ", 1)[-1].rsplit(" ", 3)[-3:][-1] for t in _texts(server))
    assert ends == ["tomorrow.", "voucher", "way"]  # each once: Sam's two, then ours
