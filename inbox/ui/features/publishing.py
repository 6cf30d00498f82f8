"""Publishing in the window: composer, calendar, approval queue."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QVBoxLayout

from inbox.core.posts import Post
from inbox.engine import Engine
from inbox.ui.approvals import ApprovalQueue
from inbox.ui.calendar import CalendarView
from inbox.ui.composer import open_composer, system_zone
from inbox.ui.main_window import MainWindow
from inbox.ui.publishing_settings import PublishingSettings
from inbox.ui.schedule_tools import ImportDialog, SlotsDialog, export_schedule
from inbox.ui.templates_dialog import TemplatesDialog


def install(window: MainWindow, engine: Engine) -> None:
    """Bind the Publishing actions (delivery is the engine's loop)."""
    window.bind("new_post", lambda: open_composer(window, engine))
    window.bind("calendar", lambda: open_calendar(window, engine))
    window.bind("approvals", lambda: open_approvals(window))
    window.bind("saved_replies", lambda: open_templates(window))
    window.bind("slots", lambda: open_slots(window))
    window.bind("import_schedule", lambda: open_import(window, engine))
    window.bind("export_schedule", lambda: export(window, engine))
    window.bind("publishing_settings", lambda: open_settings(window))
    # Delivery (due posts and outbox rows) is the engine's one loop, loops.outbox_loop,
    # started with the sync loops (features/accounts.py).


def _member(window: MainWindow) -> int | None:
    me = window.store.teams.current()
    return me.id if me is not None else None


def open_calendar(window: MainWindow, engine: Engine) -> QDialog:
    dialog = QDialog(window)
    dialog.setWindowTitle("Publishing calendar")
    dialog.resize(1100, 700)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    today = engine.clock.now().astimezone().date() if engine.clock else date.today()
    zone = str(window.store.setting("publishing.display_zone") or system_zone())
    view = CalendarView(window.store, window.bridge, today, zone, _member(window), dialog)
    view.open_post.connect(
        lambda post_id: open_composer(window, engine, window.store.posts.get(post_id))
    )
    # Double-click on an empty hour: a new post planned for it, in the calendar's zone.
    view.compose_at.connect(
        lambda when: open_composer(window, engine, Post("", scheduled_at=when, zone=zone))
    )
    QVBoxLayout(dialog).addWidget(view)
    dialog.show()
    return dialog


def open_approvals(window: MainWindow) -> ApprovalQueue:
    dialog = ApprovalQueue(window.store, window.bridge, _member(window), window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def open_templates(window: MainWindow) -> TemplatesDialog:
    dialog = TemplatesDialog(window.store, window.bridge, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def open_slots(window: MainWindow) -> SlotsDialog:
    dialog = SlotsDialog(window.store, window.bridge, system_zone(), window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def open_import(window: MainWindow, engine: Engine) -> ImportDialog:
    dialog = ImportDialog(
        window.store, window.bridge, engine.clock.now(), system_zone(), _member(window), window
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def export(window: MainWindow, engine: Engine) -> None:
    path, _ = QFileDialog.getSaveFileName(
        window, "Export schedule", "schedule.ics", "iCalendar (*.ics);;CSV (*.csv)"
    )
    if path:
        n = export_schedule(window.store, Path(path), engine.clock.now())
        window.statusBar().showMessage(f"Exported {n} scheduled posts to {path}.", 5000)


def open_settings(window: MainWindow) -> PublishingSettings:
    dialog = PublishingSettings(window.store, window.bridge, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
