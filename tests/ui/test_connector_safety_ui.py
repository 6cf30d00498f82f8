"""The connector form in the window: a URL carrying a user name and password is refused
(nothing stored, nothing listed), plain http:// to another machine is said before saving
(a second press saves, as `connectors add` saves with a warning), https saves at once."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from inbox import secrets
from inbox.ui.connector_forms import ConnectorEditor
from tests.ui.conftest import Opener


def _editor(window, qtbot: QtBot, url: str) -> ConnectorEditor:
    editor = ConnectorEditor(window.bridge, None, window)
    qtbot.addWidget(editor)
    editor.kind.setCurrentIndex(editor.kind.findData("webhook"))
    editor.name.setText("hook")
    assert editor.form is not None
    editor.form.inputs["url"].setText(url)
    editor.form.inputs["secret"].setText("whsec_c2VjcmV0")
    return editor


def _click_save(editor: ConnectorEditor, qtbot: QtBot) -> None:
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)


def test_a_url_with_credentials_is_refused_in_the_form(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    window = open_profile(workspace).window
    editor = _editor(window, qtbot, "https://agent:hunter2@hooks.example/in")
    _click_save(editor, qtbot)
    qtbot.waitUntil(lambda: not editor.error.isHidden())
    assert "must not contain a user name or password" in editor.error.text()
    assert "hunter2" not in editor.error.text()
    assert window.store.connectors.all() == []
    assert not window.store.query("SELECT 1 FROM audit_log WHERE detail_json LIKE '%hunter2%'")


def test_plain_http_to_another_machine_is_said_before_saving(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    window = open_profile(workspace).window
    editor = _editor(window, qtbot, "http://hooks.example/in")
    _click_save(editor, qtbot)
    assert "plain http:// to hooks.example" in editor.warning.text()
    assert not editor.warning.isHidden() and editor.save_button.text() == "Save anyway"
    with qtbot.waitSignal(editor.accepted, timeout=5000):
        _click_save(editor, qtbot)
    qtbot.waitUntil(lambda: bool(window.store.connectors.all()))
    assert window.store.connectors.get("hook").config["url"] == "http://hooks.example/in"


def test_https_and_loopback_save_without_a_warning(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    window = open_profile(workspace).window
    editor = _editor(window, qtbot, "http://127.0.0.1:8080/in")
    with qtbot.waitSignal(editor.accepted, timeout=5000):
        _click_save(editor, qtbot)
    assert editor.warning.isHidden()
    key = secrets.connector_key(window.store.connectors.profile_id(), "hook", "secret")
    assert secrets.get_secret(key) == "whsec_c2VjcmV0"
