"""The window around the deck: status bar, menus with shortcuts, first run, theme, features."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from inbox.core.events import AccountStatus, ErrorEvent
from inbox.engine import Engine
from inbox.profile import Profile
from inbox.ui import app, first_run, theme
from inbox.ui.main_window import MainWindow
from tests.ui.conftest import Opener


def test_status_bar_shows_sync_states_and_errors(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    window = session.window
    window.resize(1500, 800)
    label = window._account_labels[1]
    qtbot.waitUntil(lambda: "@teashop: up to date" in label.text())
    with qtbot.waitSignal(session.bridge.account_status):
        session.engine.submit(lambda e: e.publish(AccountStatus(1, "offline", "no route")))
    assert "@teashop: offline" in label.text() and "no route" in label.toolTip()
    # A narrow window: a problem keeps its words, a healthy account shows its network only.
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() < 1100)
    assert "@teashop: offline" in label.text()
    with qtbot.waitSignal(session.bridge.account_status):
        session.engine.submit(lambda e: e.publish(AccountStatus(1, "ok", "")))
    assert "Mastodon" in label.text() and "@teashop" not in label.text()
    assert label.toolTip() == "Mastodon @teashop: up to date"
    window.resize(1500, 800)
    qtbot.waitUntil(lambda: "@teashop: up to date" in label.text())
    with qtbot.waitSignal(session.bridge.error):
        session.engine.submit(lambda e: e.publish(ErrorEvent("Mastodon refused the reply")))
    assert "Mastodon refused the reply" in window.error_label.text()


def test_every_menu_action_shows_its_shortcut(workspace: Path, open_profile: Opener) -> None:
    window = open_profile(workspace).window
    shortcuts = {
        a.text(): a.shortcut().toString()
        for name in ("View", "Column", "Conversation")
        for a in window.menu(name).actions()
        if not a.isSeparator()
    }
    assert shortcuts["Next"] == "J" and shortcuts["Previous"] == "K"
    assert shortcuts["Open"] == "Return"
    assert shortcuts["Search…"] == "/"
    assert shortcuts["Go to column 3"] == "3"
    # A named menu is created once.
    assert window.menu("View") is window.menu("View")


def test_first_run_offers_the_demo_and_a_replaceable_account_flow(
    tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Engine] = []

    def wizard(parent: object, engine: Engine) -> bool:
        calls.append(engine)
        return True

    monkeypatch.setattr(first_run, "_handler", first_run._handler)
    first_run.set_add_account_handler(wizard)
    session = app.open_session(Profile.resolve(tmp_path / "empty"))
    try:
        assert session.store.accounts() == []
        assert all(v.is_empty for v in session.window.deck.columns())

        def choose(button: str) -> None:
            dialog = QApplication.activeModalWidget()
            assert isinstance(dialog, first_run.FirstRunDialog)
            getattr(dialog, button).click()

        QTimer.singleShot(0, lambda: choose("account_button"))
        assert app._first_run(session) is session
        assert calls == [session.engine]

        QTimer.singleShot(0, lambda: choose("demo_button"))
        demo = app._first_run(session)
    finally:
        if session.engine.running:  # choosing the demo already closed it
            session.close()
    try:
        assert demo.profile.demo and demo.store.accounts()
        qtbot.waitUntil(demo.window.deck.loaded)
        assert demo.window.deck.columns()[0].model.rowCount() > 0
    finally:
        demo.close()


def test_forced_dark_theme(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    before = qapp.palette()
    try:
        monkeypatch.setenv(theme.THEME_ENV, "dark")
        theme.apply(qapp)
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() < 60
        monkeypatch.setenv(theme.THEME_ENV, "light")
        theme.apply(qapp)
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() > 200
    finally:
        qapp.setPalette(before)


def test_a_broken_feature_is_reported_and_the_deck_still_opens(
    workspace: Path, open_profile: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    import types

    import inbox.ui.features

    session = open_profile(workspace)
    good = types.ModuleType("inbox.ui.features.aa_good")
    good.install = lambda window, engine: window.menu("Desk").addAction("Push to desk")  # type: ignore[attr-defined]
    bad = types.ModuleType("inbox.ui.features.zz_bad")
    bad.install = lambda window, engine: 1 / 0  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, good.__name__, good)
    monkeypatch.setitem(__import__("sys").modules, bad.__name__, bad)
    monkeypatch.setattr(
        "pkgutil.iter_modules",
        lambda path: (
            [types.SimpleNamespace(name="aa_good"), types.SimpleNamespace(name="zz_bad")]
            if path == inbox.ui.features.__path__
            else []
        ),
    )
    window: MainWindow = session.window
    assert app.install_features(window, session.engine) == ["aa_good"]
    assert [a.text() for a in window.menu("Desk").actions()] == ["Push to desk"]
    assert "zz_bad feature failed" in window.error_label.text()


def test_switching_to_dark_restyles_the_open_window(
    workspace: Path, open_profile: Opener, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    window = open_profile(workspace).window
    before = qapp.palette()
    try:
        monkeypatch.setenv(theme.THEME_ENV, "light")
        theme.apply(qapp)
        qtbot.waitUntil(lambda: "#202329" not in window.styleSheet())
        monkeypatch.setenv(theme.THEME_ENV, "dark")
        theme.apply(qapp)  # what ThemeFollower does when the system scheme changes
        qtbot.waitUntil(lambda: "#202329" in window.styleSheet())
    finally:
        qapp.setPalette(before)
