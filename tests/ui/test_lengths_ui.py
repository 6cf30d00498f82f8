"""Bluesky's length in the window, as its post lexicon counts it: 300 graphemes and 3000
UTF-8 bytes. The demo's Bluesky account replays its recording through the adapter."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from inbox.ui.composer import Composer
from inbox.ui.features.reply import ReplyBox
from tests.ui.conftest import Opener

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 1 grapheme, 25 bytes


def test_bluesky_graphemes_and_bytes_in_the_reply_box_and_composer(
    tmp_path: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(tmp_path / "demo", demo=True)
    [bluesky] = [a for a in session.store.accounts() if a.network == "bluesky"]
    [(conversation,)] = session.store.query(
        "SELECT id FROM conversations WHERE account_id = ? AND kind = 'mention' "
        "ORDER BY last_message_at DESC LIMIT 1",
        [bluesky.id],
    )
    session.window.open_conversation(int(conversation))
    box = session.window.pane.findChild(ReplyBox)
    assert box is not None
    qtbot.waitUntil(box.isEnabled)

    qtbot.keyClicks(box.editor, "a" * 299)
    assert box.counter.text() == "1"
    box.editor.insertPlainText(FAMILY)  # a family emoji is one character to Bluesky
    assert box.counter.text() == "0" and box.send_button.isEnabled()
    qtbot.keyClicks(box.editor, "b")
    assert box.counter.text() == "-1" and not box.send_button.isEnabled()

    box.editor.clear()
    box.editor.insertPlainText(FAMILY * 121)  # 121 characters, 3025 bytes
    assert box.counter.text() == "-25 bytes" and not box.send_button.isEnabled()
    assert box.counter.toolTip() == "3025 of 3000 bytes"

    new_post = next(
        a for a in session.window.menu("Publishing").actions() if a.text() == "New post…"
    )
    new_post.trigger()
    [composer] = [w for w in QApplication.topLevelWidgets() if isinstance(w, Composer)]
    qtbot.addWidget(composer)
    composer.set_accounts((bluesky.id,))
    composer.main_editor.insertPlainText(FAMILY * 121)
    qtbot.waitUntil(lambda: "-25 bytes" in composer.counters.text())
    assert "25 bytes over the 3000-byte limit" in composer.problems_label.text()
    assert not composer.submit_button.isEnabled()
