"""Desktop integration: app icon, tray icon with an unread badge and menu, close to tray,
start minimised / at login, and where notifications are shown.

Notifications: the tray's balloon where there is a tray; else the desktop notification
service (org.freedesktop.Notifications over D-Bus); else a bar inside the window. Every one
of them opens the conversation when clicked.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from functools import cache
from typing import Any

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSystemTrayIcon,
    QToolBar,
)

from inbox import assets, desktop_entry
from inbox.core.notify import Notification
from inbox.profile import Profile
from inbox.store import reading
from inbox.ui.icon import app_icon
from inbox.ui.main_window import MainWindow
from inbox.ui.notifier import Notifier

log = logging.getLogger(__name__)

# Per-profile settings (profile scope): None means "not asked yet".
CLOSE_TO_TRAY = "desktop.close_to_tray"
START_MINIMISED = "desktop.start_minimised"
START_AT_LOGIN = "desktop.start_at_login"
BADGE_DELAY_MS = 500
URGENT_COLOUR = "#d93025"
UNREAD_COLOUR = "#4a5563"


@cache
def badge_text(count: int) -> str:
    return "99+" if count > 99 else str(count)


def badge_pixmap(unread: int, urgent: int, size: int = 64) -> QPixmap:
    """The app icon with a round count in its top right corner (red when any is urgent)."""
    pixmap = _icon_of_size(size).pixmap(size, size)
    if unread <= 0:
        return pixmap
    text = badge_text(unread)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    diameter = round(size * 0.56)
    width = max(diameter, round(diameter * (0.45 + 0.3 * len(text))))
    rect = QRect(size - width, 0, width, diameter)
    painter.setPen(QColor("#ffffff"))
    painter.setBrush(QColor(URGENT_COLOUR if urgent else UNREAD_COLOUR))
    painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), diameter / 2, diameter / 2)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(round(diameter * (0.62 if len(text) == 1 else 0.5)))
    painter.setFont(font)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return pixmap


def badge_icon(unread: int, urgent: int) -> QIcon:
    return _badge_icon(badge_text(unread), urgent > 0)


@cache
def _icon_of_size(size: int) -> QIcon:
    """The app icon's PNGs for that size (up to twice it, for a high-density screen),
    decoded once: app_icon() decodes all nine, up to 512 px, and the badge asked for it
    six times per change (60 ms of the window's thread per sync batch)."""
    near = [s for s in assets.ICON_SIZES if size <= s <= 2 * size]
    return app_icon(near) if near else app_icon()


_badges: dict[tuple[str, bool], QIcon] = {}


def _badge_icon(text: str, urgent: bool) -> QIcon:
    """The badge icon by what it shows; a few are kept (the count moves up and down)."""
    icon = _badges.get((text, urgent))
    if icon is None:
        unread = 100 if text == "99+" else int(text)
        icon = QIcon()
        for size in (16, 22, 24, 32, 48, 64):
            icon.addPixmap(badge_pixmap(unread, int(urgent), size))
        if len(_badges) >= 16:
            _badges.pop(next(iter(_badges)))
        _badges[(text, urgent)] = icon
    return icon


class NotificationBar(QToolBar):
    """The in-window fallback: a line under the main toolbar with Open and Dismiss.

    Signals:
        open_requested(int): Open was clicked on a notification about that conversation.
    """

    open_requested = Signal(int)

    def __init__(self, window: QMainWindow) -> None:
        super().__init__("Notifications", window)
        self.setObjectName("notificationBar")
        self.setMovable(False)
        self.setFloatable(False)
        self.label = QLabel()
        self.label.setObjectName("notificationText")
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.open_button = QPushButton("Open")
        dismiss = QPushButton("Dismiss")
        self.addWidget(self.label)
        self._open_action = self.addWidget(self.open_button)
        self.addWidget(dismiss)
        self.open_button.clicked.connect(self._open)
        dismiss.clicked.connect(self.hide)
        self._target = 0
        window.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self)
        self.hide()

    def show_notification(self, notification: Notification) -> None:
        self._target = notification.conversation_ids[0] if notification.conversation_ids else 0
        self.label.setText(f"<b>{notification.title}</b> — {notification.body}")
        self._open_action.setVisible(bool(self._target))
        self.show()

    def _open(self) -> None:
        self.hide()
        if self._target:
            self.open_requested.emit(self._target)


class DesktopNotifications(QObject):
    """org.freedesktop.Notifications on the session bus, through jeepney (pure Python D-Bus,
    already installed with keyring on Linux; QtDBus cannot send the spec's uint argument).

    `available` is False without a session bus or a notification service. Clicks arrive as
    ActionInvoked signals on a second connection read by a daemon thread.

    Signals:
        clicked(int): the user clicked a notification about that conversation.
    """

    clicked = Signal(int)
    _invoked = Signal(int, str)  # from the listening thread; queued to the GUI thread
    SERVICE = "org.freedesktop.Notifications"
    PATH = "/org/freedesktop/Notifications"
    TIMEOUT_S = 2.0

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._targets: dict[int, int] = {}
        self._lock = threading.Lock()
        self.available = False
        self._invoked.connect(self._on_invoked)
        if not sys.platform.startswith("linux") or not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            return
        try:
            from jeepney import DBusAddress, MatchRule, message_bus
            from jeepney.io.blocking import open_dbus_connection

            self._address = DBusAddress(self.PATH, bus_name=self.SERVICE, interface=self.SERVICE)
            self._conn = open_dbus_connection("SESSION")
            owned = self._conn.send_and_get_reply(
                message_bus.NameHasOwner(self.SERVICE), timeout=self.TIMEOUT_S
            )
            if not owned.body[0]:
                self._conn.close()
                return
            self._listen = open_dbus_connection("SESSION")
            rule = MatchRule(
                type="signal", interface=self.SERVICE, member="ActionInvoked", path=self.PATH
            )
            self._listen.send_and_get_reply(message_bus.AddMatch(rule), timeout=self.TIMEOUT_S)
        except Exception as exc:  # no bus, refused, timed out: the window bar takes over
            log.debug("no desktop notification service: %s", exc)
            return
        threading.Thread(target=self._read_signals, name="notifications", daemon=True).start()
        self.available = True

    def _read_signals(self) -> None:
        from jeepney import HeaderFields

        while True:
            try:
                message = self._listen.receive()
            except Exception:  # the connection closed
                return
            if message.header.fields.get(HeaderFields.member) == "ActionInvoked":
                notification_id, action = message.body
                self._invoked.emit(int(notification_id), str(action))

    def show(self, notification: Notification) -> bool:
        if not self.available:
            return False
        from jeepney import new_method_call

        call = new_method_call(
            self._address,
            "Notify",
            "susssasa{sv}i",
            (
                assets.APP_NAME,
                0,
                assets.APP_ID,
                notification.title,
                notification.body,
                ["default", "Open"],
                {"desktop-entry": ("s", assets.APP_ID)},
                8000,
            ),
        )
        try:
            reply = self._conn.send_and_get_reply(call, timeout=self.TIMEOUT_S)
            notification_id = int(reply.body[0])
        except Exception as exc:
            log.warning("desktop notification failed: %s", exc)
            return False
        if notification.conversation_ids:
            with self._lock:
                self._targets[notification_id] = notification.conversation_ids[0]
        return True

    def _on_invoked(self, notification_id: int, action: str) -> None:
        with self._lock:
            target = self._targets.pop(notification_id, 0)
        if target and action in ("default", "Open"):
            self.clicked.emit(target)


class Desktop(QObject):
    """Tray, badge, notifications and window life for one session's window.

    Signals:
        shown(str, Notification): a notification went out; the str says where:
            "tray", "desktop" or "window".
    """

    shown = Signal(str, object)

    def __init__(
        self,
        window: MainWindow,
        save_setting: Callable[[str, Any], None],
        login_args: list[str] | None = None,
        tray_available: bool | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self._save = save_setting
        self._login_args = login_args or []
        self.quitting = False
        self.paused = False
        self.counts = (0, 0)
        window.setWindowIcon(app_icon())
        if tray_available is None:
            tray_available = QSystemTrayIcon.isSystemTrayAvailable()
        self.tray_available = tray_available

        self.tray = QSystemTrayIcon(app_icon(), self)
        self.tray.setToolTip(assets.APP_NAME)
        self.menu = QMenu()
        self.actions: dict[str, QAction] = {}
        self.actions["open"] = self.menu.addAction("Open", self.bring_forward)
        self.actions["compose"] = self.menu.addAction("New post", self.compose)
        self.actions["pause"] = self.menu.addAction("Pause notifications")
        self.actions["pause"].setCheckable(True)
        self.actions["pause"].toggled.connect(self._set_paused)
        self.menu.addSeparator()
        self.actions["quit"] = self.menu.addAction("Quit", self.quit)
        self.tray.setContextMenu(self.menu)
        self.tray.activated.connect(self._activated)
        if tray_available:
            self.tray.show()

        self.bar = NotificationBar(window)
        self.bar.open_requested.connect(window.open_conversation)
        self.service = DesktopNotifications(self) if not tray_available else None
        if self.service is not None:
            self.service.clicked.connect(self._open_from_notification)
        self.tray.messageClicked.connect(self._tray_message_clicked)
        self._last: Notification | None = None

        self._badge_timer = QTimer(self)
        self._badge_timer.setSingleShot(True)
        self._badge_timer.setInterval(BADGE_DELAY_MS)
        self._badge_timer.timeout.connect(self._refresh_badge_later)
        window.bridge.changed.connect(lambda _c: self._badge_timer.start())
        self.refresh_badge()

        # File > Quit really quits (closing the window may only hide it).
        quit_action = window.bound().get("quit")
        if quit_action is not None:
            quit_action.triggered.disconnect()
            quit_action.triggered.connect(self.quit)
        self._add_settings_menu()
        window.installEventFilter(self)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._about_to_quit)

    # -- settings -----------------------------------------------------------------

    def setting(self, name: str) -> Any:
        """A declared setting (core.settings) from the window's read-only store."""
        return self.window.store.setting(name)

    def _add_settings_menu(self) -> None:
        """View › Keep running in the tray / Start minimised / Start at login (checkable)."""

        def toggle(action_id: str, checked: bool, apply: Callable[[bool], None]) -> QAction:
            action = self.window.bind(action_id, lambda: apply(action.isChecked()))
            action.setCheckable(True)
            action.setChecked(checked)
            return action

        self.actions["keep_in_tray"] = toggle(
            "keep_in_tray",
            bool(self.setting(CLOSE_TO_TRAY)),
            lambda on: self._save(CLOSE_TO_TRAY, on),
        )
        self.actions["start_minimised"] = toggle(
            "start_minimised",
            bool(self.setting(START_MINIMISED)),
            lambda on: self._save(START_MINIMISED, on),
        )
        self.actions["login"] = toggle(
            "start_at_login", desktop_entry.autostart_enabled(), self.set_start_at_login
        )
        if not sys.platform.startswith("linux"):  # XDG autostart only; macOS/Windows: not yet
            self.actions["login"].setEnabled(False)

    def set_start_at_login(self, enabled: bool) -> None:
        desktop_entry.set_autostart(enabled, self._login_args)
        self._save(START_AT_LOGIN, bool(enabled))

    # -- window life --------------------------------------------------------------

    def show_initial(self) -> None:
        """Show the window at start-up, or only the tray when "start minimised" is on."""
        if self.setting(START_MINIMISED):
            if self.tray_available:
                return  # in the tray only
            self.window.showMinimized()
            return
        self.window.show()

    def bring_forward(self) -> None:
        window = self.window
        if window.isMinimized():
            window.showNormal()
        window.show()
        window.raise_()
        window.activateWindow()

    def compose(self) -> None:
        self.bring_forward()
        new_post = self.window.bound().get("new_post")
        if new_post is not None:
            new_post.trigger()

    def handle(self, request: dict[str, Any], raise_window: bool = True) -> None:
        """What a launch asked for: --compose, --open (from this or a second launch)."""
        if raise_window:
            self.bring_forward()
        target = request.get("open")
        if isinstance(target, int) and target > 0:
            self.bring_forward()
            self.window.open_conversation(target)
        if request.get("compose"):
            self.compose()

    def quit(self) -> None:
        self.quitting = True
        self.tray.hide()
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def _about_to_quit(self) -> None:
        self.quitting = True

    def ask_keep_in_tray(self) -> bool:
        """Asked once, the first time the window is closed with a tray present."""
        answer = QMessageBox.question(
            self.window,
            assets.APP_NAME,
            "Keep Social Inbox running in the tray when its window is closed?\n\n"
            "You can change this under View › Desktop.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def keeps_running(self) -> bool:
        """Whether closing the window should hide it to the tray (asking the first time)."""
        if self.quitting or not self.tray_available:
            return False
        choice = self.setting(CLOSE_TO_TRAY)
        if choice is None:
            choice = self.ask_keep_in_tray()
            self._save(CLOSE_TO_TRAY, choice)
            self.actions["keep_in_tray"].setChecked(choice)
        return bool(choice)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close and self.keeps_running():
            event.ignore()
            self.window.hide()
            return True
        return super().eventFilter(watched, event)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            if self.window.isVisible() and not self.window.isMinimized():
                self.window.hide()
            else:
                self.bring_forward()

    # -- badge --------------------------------------------------------------------

    def refresh_badge(self) -> None:
        if self.window.bridge.detached:
            return
        self._show_badge(reading.unread_counts(self.window.store))

    def _refresh_badge_later(self) -> None:
        """After changes: the count (a walk of the unread conversations) is read on the
        reader thread, not in the window while a sync lands."""
        if not self.window.bridge.detached:
            self.window.bridge.read(reading.unread_counts, self._show_badge)

    def _show_badge(self, counts: tuple[int, int]) -> None:
        unread, urgent = counts
        if (unread, urgent) == self.counts and not self.tray.icon().isNull():
            return
        self.counts = (unread, urgent)
        self.tray.setIcon(badge_icon(unread, urgent) if unread else app_icon())
        tip = assets.APP_NAME
        if unread:
            tip += f" — {unread} unread" + (f", {urgent} urgent" if urgent else "")
        self.tray.setToolTip(tip)

    # -- notifications ------------------------------------------------------------

    def _set_paused(self, paused: bool) -> None:
        self.paused = paused

    def present(self, notification: Notification) -> str:
        """Show one notification where the desktop allows; returns where ("" when paused)."""
        if self.paused:
            return ""
        self._last = notification
        where = "window"
        if self.tray_available:
            self.tray.showMessage(
                notification.title,
                notification.body,
                QSystemTrayIcon.MessageIcon.Information,
                8000,
            )
            where = "tray"
        elif self.service is not None and self.service.show(notification):
            where = "desktop"
        else:
            self.bar.show_notification(notification)
        self.shown.emit(where, notification)
        return where

    def _tray_message_clicked(self) -> None:
        if self._last is not None and self._last.conversation_ids:
            self._open_from_notification(self._last.conversation_ids[0])

    def _open_from_notification(self, conversation_id: int) -> None:
        self.bring_forward()
        self.window.open_conversation(conversation_id)


def install(window: MainWindow, profile: Profile) -> Desktop:
    """Give the session's window its icon, tray and notifications (after the features)."""
    bridge = window.bridge

    def save(name: str, value: Any) -> None:
        bridge.op("settings.set", name=name, value=value)

    if profile.demo:
        login_args = ["--demo"]
    elif profile.folder != Profile.resolve(None).folder:
        login_args = ["--profile", str(profile.folder)]
    else:
        login_args = []
    desktop = Desktop(window, save, login_args)
    for notifier in window.findChildren(Notifier):
        notifier.notified.connect(desktop.present)
    return desktop


def of(window: MainWindow) -> Desktop:
    """The Desktop that install() gave this window."""
    found = window.findChild(Desktop)
    assert found is not None, "desktop.install(window, profile) was not called"
    return found


def tray_preview(desktop: Desktop) -> QPixmap:
    """A picture of the tray icon on a panel with its menu open and its tooltip: for the README
    (packaging/tray_screenshot.py), drawn from the live icon, menu and tooltip."""
    menu = desktop.menu
    menu.ensurePolished()
    menu.adjustSize()
    shot = menu.grab()
    panel_h, icon = 48, 36
    big = 112  # the same icon up close, left of the menu
    width = max(480, shot.width() + big + 80)
    height = panel_h + max(shot.height(), big) + 48
    out = QPixmap(width, height)
    out.fill(QColor("#eef1f5"))
    painter = QPainter(out)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.fillRect(0, 0, width, panel_h, QColor("#2b2e33"))
    painter.setPen(QColor("#e8eaed"))
    painter.drawText(QRect(width - 64, 0, 56, panel_h), Qt.AlignmentFlag.AlignCenter, "09:41")
    x = width - 64 - icon - 8
    painter.setBrush(QColor("#5f6368"))
    painter.setPen(Qt.PenStyle.NoPen)
    for n in (1, 2):  # other tray icons, greyed
        painter.drawEllipse(x - n * (icon + 10), (panel_h - 16) // 2, 16, 16)
    painter.drawPixmap(x, (panel_h - icon) // 2, desktop.tray.icon().pixmap(icon, icon))
    menu_x = min(x, width - shot.width() - 8)
    painter.drawPixmap(menu_x, panel_h + 2, shot)
    painter.drawPixmap(24, panel_h + 12, badge_pixmap(*desktop.counts, size=big))
    painter.setPen(QColor("#3c4043"))
    painter.drawText(
        QRect(8, panel_h + max(shot.height(), big) + 12, width - 16, 28),
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
        desktop.tray.toolTip(),
    )
    painter.end()
    return out
