"""Desktop integration: icons, the tray's badge and menu, close to tray, start minimised,
start at login, and where notifications appear (with a click opening the conversation)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from inbox import assets
from inbox.core.models import Kind
from inbox.core.rules import Action, Condition, Do, Rule, When
from inbox.engine import triage as ops
from inbox.ui import desktop
from inbox.ui.app import Session
from inbox.ui.composer import Composer
from tests.ui.conftest import Opener, ingest, message


def _urgent_dms(session: Session) -> None:
    rule = Rule("DM", (Condition(When.KIND, ("dm",)),), (Action(Do.PRIORITY, 60),))
    session.engine.call(lambda e: ops.save_rule(e, rule))


def _setting(session: Session, name: str) -> object:
    return session.engine.call(lambda e: e.store.setting(name))


def test_window_and_tray_carry_the_app_icon(workspace: Path, open_profile: Opener) -> None:
    session = open_profile(workspace)
    d = desktop.of(session.window)
    assert not session.window.windowIcon().isNull()
    assert not d.tray.icon().isNull()
    sizes = {s.width() for s in desktop.app_icon().availableSizes()}
    assert set(assets.ICON_SIZES) <= sizes
    texts = [a.text() for a in d.menu.actions() if not a.isSeparator()]
    assert texts == ["Open", "New post", "Pause notifications", "Quit"]


def test_badge_shows_unread_and_turns_red_when_urgent(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    d = desktop.of(session.window)
    assert d.counts == (5, 0)  # the workspace's five conversations are unread
    assert "5 unread" in d.tray.toolTip()
    _urgent_dms(session)
    ingest(session.engine, [message(session.engine, "d1", "Charged twice!", kind=Kind.DM)])
    qtbot.waitUntil(lambda: d.counts == (6, 1))
    assert d.tray.toolTip().endswith("6 unread, 1 urgent")
    corner = d.tray.icon().pixmap(64, 64).toImage().pixelColor(56, 17)
    assert corner == QColor(desktop.URGENT_COLOUR)
    # reading a conversation takes it off the badge
    session.window.deck.focus_column(0)
    session.window.deck.open_current()
    qtbot.waitUntil(lambda: d.counts[0] == 5)


def test_badge_drawing() -> None:
    plain = desktop.badge_pixmap(0, 0).toImage()
    unread = desktop.badge_pixmap(7, 0).toImage()
    urgent = desktop.badge_pixmap(7, 2).toImage()
    assert plain != unread != urgent
    assert unread.pixelColor(56, 17) == QColor(desktop.UNREAD_COLOUR)
    assert desktop.badge_text(150) == "99+"


def test_tray_menu_new_post_and_open(workspace: Path, open_profile: Opener, qtbot: QtBot) -> None:
    session = open_profile(workspace)
    d = desktop.of(session.window)
    session.window.hide()
    d.actions["compose"].trigger()
    assert session.window.isVisible()
    composer = session.window.findChild(Composer)
    assert composer is not None and composer.isVisible()
    composer.close()
    session.window.hide()
    d.actions["open"].trigger()
    assert session.window.isVisible()


def test_notification_without_tray_shows_in_the_window_and_opens_on_click(
    workspace: Path, open_profile: Opener, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)  # no notification service
    session = open_profile(workspace)
    d = desktop.of(session.window)
    assert not d.tray_available  # offscreen: no tray, no notification service
    _urgent_dms(session)
    with qtbot.waitSignal(d.shown) as shown:
        ingest(session.engine, [message(session.engine, "d1", "My tea never came", kind=Kind.DM)])
    assert shown.args[0] == "window"
    assert d.bar.isVisible()
    assert "My tea never came" in d.bar.label.text()
    with qtbot.waitSignal(session.window.pane.conversation_changed) as opened:
        d.bar.open_button.click()
    assert opened.args == [shown.args[1].conversation_ids[0]]
    assert "My tea never came" in session.window.pane.browser.toPlainText()
    assert not d.bar.isVisible()


def test_paused_notifications_show_nothing(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    d = desktop.of(session.window)
    d.actions["pause"].setChecked(True)
    notifier = session.window.triage.notifier  # type: ignore[attr-defined]
    _urgent_dms(session)
    with qtbot.waitSignal(notifier.notified):
        ingest(session.engine, [message(session.engine, "d1", "Hello?", kind=Kind.DM)])
    assert not d.bar.isVisible()


def test_closing_keeps_running_in_the_tray_asked_once(
    workspace: Path, open_profile: Opener, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = open_profile(workspace)
    d = desktop.of(session.window)
    d.tray_available = True  # as on a desktop with a tray (offscreen has none to show in)
    asked: list[bool] = []
    monkeypatch.setattr(d, "ask_keep_in_tray", lambda: asked.append(True) or True)
    quits: list[bool] = []
    QApplication.instance().aboutToQuit.connect(lambda: quits.append(True))  # type: ignore[union-attr]
    session.window.close()
    assert not session.window.isVisible() and asked == [True]
    qtbot.waitUntil(lambda: _setting(session, desktop.CLOSE_TO_TRAY) is True)
    assert d.actions["keep_in_tray"].isChecked()
    d.actions["open"].trigger()
    assert session.window.isVisible()
    session.window.close()  # asked once only
    assert asked == [True] and not session.window.isVisible()
    assert not quits
    # File > Quit really quits, never into the tray
    assert d.keeps_running()
    d.quitting = True
    assert not d.keeps_running()


def test_start_minimised_opens_in_the_tray_only(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    d = desktop.of(session.window)
    d.actions["start_minimised"].trigger()
    qtbot.waitUntil(lambda: _setting(session, desktop.START_MINIMISED) is True)
    session.window.hide()
    d.tray_available = True
    d.show_initial()
    assert not session.window.isVisible()
    d.tray_available = False  # no tray to go to: minimised on the task bar instead
    d.show_initial()
    assert session.window.isMinimized()


def test_start_at_login_writes_the_xdg_autostart_entry(
    workspace: Path,
    open_profile: Opener,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    session = open_profile(workspace)
    d = desktop.of(session.window)
    d.actions["login"].trigger()
    entry = tmp_path / "config" / "autostart" / f"{assets.APP_ID}.desktop"
    text = entry.read_text()
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert "--profile" in exec_line and str(workspace) in exec_line
    assert "X-GNOME-Autostart-enabled=true" in text and "[Desktop Action" not in text
    qtbot.waitUntil(lambda: _setting(session, desktop.START_AT_LOGIN) is True)
    d.actions["login"].trigger()
    assert not entry.exists()


def test_tray_preview_for_the_readme(workspace: Path, open_profile: Opener) -> None:
    session = open_profile(workspace)
    d = desktop.of(session.window)
    picture = desktop.tray_preview(d).toImage()
    assert picture.width() >= 480 and picture.height() > 150
    # the badge up close, in the unread colour (nothing urgent in this workspace)
    assert desktop.UNREAD_COLOUR in {
        picture.pixelColor(x, y).name() for x in range(24, 136, 2) for y in range(60, 172, 2)
    }
