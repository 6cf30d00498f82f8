"""Connector settings generated from schemas, Test connection, Push to desk, the article editor."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from inbox import secrets
from inbox.core.events import Changed
from inbox.engine import connectors as ops
from inbox.ui.connector_forms import ConnectorEditor, ConnectorsDialog
from inbox.ui.features.connectors import ArticleEditor
from tests.ui.conftest import Opener, build_workspace, message


def _open_first(window) -> int:
    window.deck.columns()[0].focus_list()
    window.deck.open_current()
    return window.pane.conversation_id


def test_add_test_and_remove_a_connector_through_the_generated_form(
    workspace: Path, open_profile: Opener, qtbot: QtBot, tmp_path: Path
) -> None:
    window = open_profile(workspace).window
    kb = tmp_path / "kb"
    kb.mkdir()
    dialog = ConnectorsDialog(window.store, window.bridge, window)
    qtbot.addWidget(dialog)
    dialog.add()
    editor = dialog.editor
    assert isinstance(editor, ConnectorEditor)
    editor.kind.setCurrentIndex(editor.kind.findData("webhook"))
    secret = editor.form.inputs["secret"]
    assert isinstance(secret, QLineEdit) and secret.echoMode() == QLineEdit.EchoMode.Password
    editor.kind.setCurrentIndex(editor.kind.findData("markdown"))
    assert set(editor.form.inputs) == {"folder"}
    editor.name.setText("kb")
    editor.form.inputs["folder"].setText(str(kb))
    with qtbot.waitSignal(editor.accepted, timeout=5000):
        editor.save()
    qtbot.waitUntil(lambda: dialog.list.count() == 1)
    assert dialog.list.item(0).text() == "kb — Markdown folder"
    dialog.test()
    qtbot.waitUntil(lambda: dialog.outcome.text().startswith("✓"))
    assert "is writable" in dialog.outcome.text()


def test_a_wrong_value_is_shown_in_plain_words_and_secrets_go_to_the_keyring(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    window = open_profile(workspace).window
    editor = ConnectorEditor(window.bridge, None, window)
    qtbot.addWidget(editor)
    editor.kind.setCurrentIndex(editor.kind.findData("rt"))
    editor.name.setText("desk")
    editor.form.inputs["url"].setText("rt.example")
    editor.save()
    qtbot.waitUntil(lambda: not editor.error.isHidden())
    assert "must be an http(s) URL" in editor.error.text()
    editor.form.inputs["url"].setText("https://rt.example")
    editor.form.inputs["token"].setText("1-2-s3cret")
    with qtbot.waitSignal(editor.accepted, timeout=5000):
        editor.save()
    assert (
        secrets.get_secret(
            secrets.connector_key(window.store.connectors.profile_id(), "desk", "token")
        )
        == "1-2-s3cret"
    )
    qtbot.waitUntil(lambda: bool(window.store.connectors.all()))
    assert "s3cret" not in str(window.store.connectors.get("desk").config)
    # Editing keeps the stored secret when the masked field is left empty.
    again = ConnectorEditor(window.bridge, window.store.connectors.get("desk"), window)
    qtbot.addWidget(again)
    assert again.form.inputs["token"].text() == ""
    with qtbot.waitSignal(again.accepted, timeout=5000):
        again.save()
    assert (
        secrets.get_secret(
            secrets.connector_key(window.store.connectors.profile_id(), "desk", "token")
        )
        == "1-2-s3cret"
    )


def test_push_shows_the_pending_ticket_with_the_systems_error(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    window = session.window
    session.engine.call(
        lambda e: ops.save_connector(
            e.store, "hook", "webhook", {"url": "http://127.0.0.1:9/hook", "secret": "s"}
        )
    )
    assert _open_first(window) > 0
    status = window.pane.findChild(QLabel, "deskStatus")
    assert status is not None
    push = next(a for a in window.pane.toolbar.actions() if a.objectName() == "action_push_desk")
    push.trigger()
    qtbot.waitUntil(lambda: "unreachable" in status.text(), timeout=10000)
    assert (
        "Ticket for hook queued (attempt 1): the webhook at 127.0.0.1 is unreachable"
        in status.text()
    )


def test_article_editor_removes_personal_data_and_the_toggle_shows_it(
    tmp_path: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    folder = tmp_path / "p"
    text = "Hi, Alice here (@alice@shop.test). Where is my parcel?"
    build_workspace(folder, lambda e: [message(e, "a1", text, author="alice")])
    session = open_profile(folder)
    cid = _open_first(session.window)
    transcript = session.engine.call(lambda e: e.store.connectors.transcript(cid))
    editor = ArticleEditor(transcript, ["kb"])
    qtbot.addWidget(editor)
    assert editor.question.toPlainText() == "Hi, [name] here ([handle]). Where is my parcel?"
    assert editor.removed.isHidden()
    editor.show_removed.setChecked(True)
    assert not editor.removed.isHidden()
    assert editor.removed.text() == "Removed: @alice@shop.test, Alice"
    editor.redact.setChecked(False)
    assert editor.question.toPlainText() == text
    assert editor.removed.text() == "Removed: nothing"
    editor.title_edit.setText("Parcel tracking")
    article = editor.article()
    assert (article.conversation_id, article.title) == (cid, "Parcel tracking")


def test_publishing_from_the_editor_puts_the_article_link_on_the_pane(
    workspace: Path, open_profile: Opener, qtbot: QtBot, tmp_path: Path
) -> None:
    session = open_profile(workspace)
    window = session.window
    kb = tmp_path / "kb"
    kb.mkdir()
    session.engine.call(
        lambda e: ops.save_connector(e.store, "kb", "markdown", {"folder": str(kb)})
    )
    cid = _open_first(window)
    write = next(
        a for a in window.pane.toolbar.actions() if a.objectName() == "action_write_article"
    )
    assert not write.isEnabled()  # not resolved yet

    def resolve(e) -> None:
        e.store.conn.execute("UPDATE conversations SET status = 'resolved' WHERE id = ?", (cid,))
        e.publish(Changed(conversations=frozenset({cid})))

    session.engine.call(resolve)
    qtbot.waitUntil(write.isEnabled)
    write.trigger()
    qtbot.waitUntil(lambda: isinstance(window.findChild(ArticleEditor), ArticleEditor))
    editor = window.findChild(ArticleEditor)
    assert editor.connector.currentText() == "kb"
    editor.title_edit.setText("Parcel tracking")
    editor.accept()
    status = window.pane.findChild(QLabel, "deskStatus")
    qtbot.waitUntil(lambda: "Article in kb" in status.text(), timeout=10000)
    assert "parcel-tracking.md" in status.text()
    assert (kb / "parcel-tracking.md").exists()


def test_removing_a_connector_with_pending_pushes_asks_and_moves_them(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

    session = open_profile(workspace)
    window = session.window
    for name in ("hook", "other"):
        session.engine.call(
            lambda e, n=name: ops.save_connector(
                e.store, n, "webhook", {"url": "http://127.0.0.1:9/hook", "secret": "s"}
            )
        )
    conversation = _open_first(window)
    session.engine.call(lambda e: ops.queue_push(e.store, conversation, "hook"))
    dialog = ConnectorsDialog(window.store, window.bridge, window)
    qtbot.addWidget(dialog)
    dialog.list.setCurrentRow(0)  # "hook"
    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append(box.text())
        button = box.findChild(QPushButton, "moveTo:other")
        assert button is not None
        button.click()

    QTimer.singleShot(200, answer)
    dialog.remove()
    qtbot.waitUntil(lambda: dialog.list.count() == 1)
    assert "'hook' has 1 push(es)" in seen[0]
    rows = session.engine.call(lambda e: e.store.outbox.all(include_finished=True))
    assert [(r.target, r.status) for r in rows] == [("hook", "cancelled"), ("other", "queued")]
