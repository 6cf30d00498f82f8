"""Preferences (generated from core.settings), About, the Accounts window, first-run way back."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QDialogButtonBox, QLabel
from pytestqt.qtbot import QtBot

from inbox import __version__
from inbox.core import settings as declared
from inbox.engine import Engine
from inbox.profile import Profile
from inbox.ui import app, first_run, theme
from inbox.ui.accounts_window import AccountsWindow
from inbox.ui.preferences import PreferencesDialog, shown_settings
from tests.ui.conftest import Opener


@pytest.fixture(autouse=True)
def _system_theme(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(theme.THEME_ENV, raising=False)
    monkeypatch.setattr(theme, "_preference", "system")


def _open_prefs(window, qtbot: QtBot) -> PreferencesDialog:  # type: ignore[no-untyped-def]
    window.deck.focus_column(0)
    qtbot.keyClick(
        window.deck.columns()[0].list, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier
    )
    qtbot.waitUntil(lambda: window.findChild(PreferencesDialog) is not None)
    dialog = window.findChild(PreferencesDialog)
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_preferences_are_generated_from_the_declarations_and_saved(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    window = session.window
    dialog = _open_prefs(window, qtbot)
    names = {s.name for s in shown_settings()}
    assert {"ui.theme", "desktop.start_minimised", "publishing.display_zone"} <= names
    assert not any(declared.SETTINGS[n].internal for n in names)
    for name in names:  # one widget per declared setting, its description as tooltip
        editor = dialog.editor(name)
        assert editor.widget.isVisible()
        assert editor.widget.toolTip() == declared.SETTINGS[name].description
    # Grouped in sections a person looks for, the look first; no setting's internal name.
    sections = [label.text() for label in dialog.findChildren(QLabel, "preferencesSection")]
    assert sections[:4] == [
        f"<b>{t}</b>" for t in ("Appearance", "Start-up and tray", "Time zone", "Notifications")
    ]
    words = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert not any(n in words for n in names), "a row names a setting's internal name"
    theme_box = dialog.editor("ui.theme").widget
    assert isinstance(theme_box, QComboBox)
    theme_box.setCurrentIndex(theme_box.findData("dark"))
    minimised = dialog.editor("desktop.start_minimised").widget
    assert isinstance(minimised, QCheckBox)
    minimised.setChecked(True)
    zone = dialog.editor("publishing.display_zone").widget
    assert isinstance(zone, QComboBox)
    zone.setEditText("Mars/Olympus")
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    ok.click()
    problem = dialog.findChild(QLabel, "preferencesProblem")
    assert dialog.isVisible() and "not a time zone" in problem.text()  # nothing saved yet
    zone.setCurrentIndex(zone.findData("Europe/Berlin"))
    ok.click()
    qtbot.waitUntil(lambda: session.store.setting("publishing.display_zone") == "Europe/Berlin")
    qtbot.waitUntil(lambda: session.store.setting("desktop.start_minimised") is True)
    qtbot.waitUntil(lambda: session.store.setting("ui.theme") == "dark")
    assert theme.is_dark()
    assert window.bound()["start_minimised"].isChecked()  # the View menu agrees


def test_about_names_the_version_and_where_the_data_lives(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    window = open_profile(workspace).window
    window.bound()["about"].trigger()
    about = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "aboutDialog")
    qtbot.waitUntil(about.isVisible)
    text = about.findChild(QLabel).text()
    assert __version__ in text and str(window.store.path) in text
    about.close()


def test_accounts_window_shows_state_and_removes_an_account(
    workspace: Path, open_profile: Opener, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = open_profile(workspace)
    window = session.window
    window.bound()["accounts"].trigger()
    qtbot.waitUntil(lambda: window.findChild(AccountsWindow) is not None)
    accounts = window.findChild(AccountsWindow)
    table = accounts.table
    assert table.rowCount() == 1
    row = [table.item(0, c).text() for c in range(4)]
    assert "@teashop" in row[0] and row[1] == "Up to date" and row[2] == "never"
    qtbot.waitUntil(lambda: table.item(0, 3).text() != "asking…")
    assert table.item(0, 3).text() == "not connected"  # no token in this workspace
    accounts.remove(session.store.accounts()[0], confirm=False)
    qtbot.waitUntil(lambda: table.rowCount() == 0)
    assert session.store.accounts() == []
    assert accounts.findChild(QLabel, "accountsEmpty").isVisible()


def test_cancelling_add_account_leads_back_to_the_demo_choice(
    tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[Engine] = []

    def cancelled(parent: object, engine: Engine) -> bool:
        asked.append(engine)
        return False

    monkeypatch.setattr(first_run, "_handler", first_run._handler)
    first_run.set_add_account_handler(cancelled)
    session = app.open_session(Profile.resolve(tmp_path / "empty"))
    shown: list[str] = []

    def choose(button: str) -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, first_run.FirstRunDialog)
        shown.append(button)
        getattr(dialog, button).click()
        if button == "account_button":  # the welcome comes back after the cancel
            QTimer.singleShot(50, lambda: choose("demo_button"))

    QTimer.singleShot(0, lambda: choose("account_button"))
    try:
        demo = app._first_run(session)
    finally:
        if session.engine.running:
            session.close()
    try:
        assert asked and shown == ["account_button", "demo_button"]
        assert demo.profile.demo and demo.store.accounts()
    finally:
        demo.close()
