"""The Mastodon parts of the window: reply box, add-account dialog, "Sign in again"."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QPushButton
from pytestqt.qtbot import QtBot

from inbox import secrets
from inbox.core.events import AccountStatus, Changed
from inbox.ui.features import accounts as accounts_feature
from inbox.ui.features.reply import ReplyBox
from tests.networks.mastodon.fake import HOST, TOKEN, FakeMastodon
from tests.ui.conftest import Opener


def reply_box(window) -> ReplyBox:
    box = window.pane.findChild(ReplyBox)
    assert box is not None
    return box


def open_first(window, qtbot: QtBot) -> int:
    column = window.deck.columns()[0]
    column.focus_list()
    with qtbot.waitSignal(window.pane.conversation_changed) as opened:
        window.deck.open_current()
    return int(opened.args[0])


def test_reply_box_counts_and_queues_a_reply(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    window = session.window
    conversation_id = open_first(window, qtbot)
    box = reply_box(window)
    assert box.isEnabled()
    box.editor.setPlainText("We ship to Norway, yes!")
    assert box.counter.text() == str(500 - len("We ship to Norway, yes!"))
    box.editor.setPlainText("x" * 501)
    assert box.counter.text() == "-1" and not box.send_button.isEnabled()
    box.editor.setPlainText("We ship to Norway, yes!")
    box.visibility.setCurrentIndex(box.visibility.findData("direct"))
    with qtbot.waitSignal(session.bridge.changed, check_params_cb=lambda c: c.outbox):
        qtbot.keyClick(box.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    [row] = session.store.outbox.for_conversation(conversation_id)
    assert row.kind == "reply" and row.payload["text"] == "We ship to Norway, yes!"
    assert row.payload["visibility"] == "direct"
    assert box.editor.toPlainText() == ""


def test_a_failed_reply_shows_the_servers_message_and_retries(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    window = session.window
    conversation_id = open_first(window, qtbot)
    box = reply_box(window)

    def failed(e):
        item = e.store.outbox.enqueue(
            "reply", "k-failed", {"text": "hi"}, account_id=1, conversation_id=conversation_id
        )
        e.store.outbox.fail(item.id, "Validation failed: Text character limit of 500 exceeded")
        e.publish(Changed(conversations=frozenset({conversation_id}), outbox=True))
        return item.id

    with qtbot.waitSignal(session.bridge.changed):
        item_id = session.engine.call(failed)
    assert (
        box.problem.text() == "⚠ Not sent: Validation failed: Text character limit of 500 exceeded"
    )
    assert not box.retry_button.isHidden()
    with qtbot.waitSignal(session.bridge.changed, check_params_cb=lambda c: c.outbox):
        box.retry_button.click()
    assert session.store.outbox.get(item_id).status in ("queued", "sending")


def test_sign_in_again_button_follows_the_account_status(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    window = session.window
    with qtbot.waitSignal(session.bridge.account_status):
        session.engine.submit(lambda e: e.publish(AccountStatus(1, "needs_signin", "revoked")))
    [button] = [b for b in window.statusBar().findChildren(QPushButton) if b.isVisible()]
    assert button.text() == "Sign in again: @teashop"
    with qtbot.waitSignal(session.bridge.account_status):
        session.engine.submit(lambda e: e.publish(AccountStatus(1, "ok")))
    qtbot.waitUntil(
        lambda: not [b for b in window.statusBar().findChildren(QPushButton) if b.isVisible()]
    )


@pytest.fixture
def fake(monkeypatch) -> FakeMastodon:
    server = FakeMastodon()
    monkeypatch.setattr(accounts_feature, "ADAPTER_OPTIONS", {"http": server.client()})
    return server


def test_add_account_dialog_with_a_token(
    tmp_path: Path, open_profile: Opener, qtbot: QtBot, fake: FakeMastodon
) -> None:
    session = open_profile(tmp_path / "empty")
    dialog = accounts_feature.AddAccountDialog(session.engine, session.window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.instance.setText(HOST)
    dialog.token.setText("wrong")
    dialog.token_button.click()
    qtbot.waitUntil(lambda: dialog.status.text().startswith("⚠"))
    assert "no longer accepts this sign-in" in dialog.status.text()
    assert dialog.token_button.isEnabled()
    dialog.token.setText(TOKEN)
    dialog.token_button.click()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted)
    assert dialog.account is not None and dialog.account.handle == f"teashop@{HOST}"
    assert secrets.get_secret(secrets.account_key("mastodon", HOST, dialog.account.remote_id))
    qtbot.waitUntil(lambda: [a.handle for a in session.store.accounts()] == [f"teashop@{HOST}"])
