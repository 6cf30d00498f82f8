"""The Mastodon parts of the window: reply box, add-account dialog, "Sign in again"."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QPushButton
from pytestqt.qtbot import QtBot

from inbox import secrets
from inbox.core.events import AccountStatus, Changed
from inbox.core.models import ColumnFilter
from inbox.engine.accounts import token_key
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
    qtbot.waitUntil(box.isEnabled)  # the box reads the conversation on the reader thread
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
    qtbot.waitUntil(box.isEnabled)

    def failed(e):
        item = e.store.outbox.enqueue(
            "reply", "k-failed", {"text": "hi"}, account_id=1, conversation_id=conversation_id
        )
        e.store.outbox.fail(item.id, "Validation failed: Text character limit of 500 exceeded")
        e.publish(Changed(conversations=frozenset({conversation_id}), outbox=True))
        return item.id

    item_id = session.engine.call(failed)
    expected = "⚠ Not sent: Validation failed: Text character limit of 500 exceeded"
    qtbot.waitUntil(lambda: box.problem.text() == expected)  # read on the reader thread
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
    assert secrets.get_secret(token_key(session.store, dialog.account))
    qtbot.waitUntil(lambda: [a.handle for a in session.store.accounts()] == [f"teashop@{HOST}"])


def test_visibility_and_content_warning_only_for_mastodon_conversations(
    workspace, open_profile
) -> None:
    from inbox.core.models import AccountInfo, Contact, Kind, Message

    session = open_profile(workspace)
    box = reply_box(session.window)

    def add_x(e):
        account = e.store.add_account(AccountInfo("x", "x.test", "9", "shopx"))
        e.store.ingest.messages(
            account.id,
            [
                Message(
                    "x-1",
                    "x-1",
                    Kind.MENTION,
                    Contact("x", "u1", "bob"),
                    "hi",
                    e.clock.now(),
                )
            ],
        )
        return e.store.query("SELECT id FROM conversations WHERE key = 'x-1'")[0][0]

    x_conversation = session.engine.call(add_x)
    session.window.open_conversation(x_conversation)
    assert box.visibility.isHidden() and box.cw.isHidden()
    mastodon = next(
        c.id
        for c in session.store.conversations.page(ColumnFilter(statuses=()), 200)
        if c.network == "mastodon"
    )
    session.window.open_conversation(mastodon)
    assert not box.visibility.isHidden() and not box.cw.isHidden()
