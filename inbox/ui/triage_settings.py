"""Small forms for triage settings: a member's notifications, a team's SLA policy."""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QTimeEdit,
    QWidget,
)

from inbox.core.notify import NotifyPrefs
from inbox.core.sla import BusinessHours, SlaPolicy

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _qtime(value: time | None, default: time) -> QTime:
    value = value or default
    return QTime(value.hour, value.minute)


def _time(edit: QTimeEdit) -> time:
    t = edit.time()
    return time(t.hour(), t.minute())


def _buttons(dialog: QDialog) -> QDialogButtonBox:
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


class NotifyDialog(QDialog):
    """One member's desktop notifications and quiet hours."""

    def __init__(self, prefs: NotifyPrefs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Notifications")
        self.enabled = QCheckBox("Show desktop notifications")
        self.enabled.setChecked(prefs.enabled)
        self.min_priority = QSpinBox()
        self.min_priority.setRange(-1000, 1000)
        self.min_priority.setValue(prefs.min_priority)
        self.breaches = QCheckBox("Also for SLA breaches")
        self.breaches.setChecked(prefs.breaches)
        self.only_mine = QCheckBox("Only mine and unassigned")
        self.only_mine.setChecked(prefs.only_mine)
        self.quiet = QCheckBox("Do not disturb")
        self.quiet.setChecked(prefs.dnd_start is not None)
        self.dnd_start = QTimeEdit(_qtime(prefs.dnd_start, time(22)))
        self.dnd_end = QTimeEdit(_qtime(prefs.dnd_end, time(7)))
        self.tz = QLineEdit(prefs.tz)
        hours = QHBoxLayout()
        hours.addWidget(self.quiet)
        hours.addWidget(self.dnd_start)
        hours.addWidget(self.dnd_end)
        form = QFormLayout(self)
        form.addRow(self.enabled)
        form.addRow("New conversations from priority", self.min_priority)
        form.addRow(self.breaches)
        form.addRow(self.only_mine)
        form.addRow(hours)
        form.addRow("Time zone", self.tz)
        form.addRow(_buttons(self))

    def prefs(self) -> NotifyPrefs:
        quiet = self.quiet.isChecked()
        return NotifyPrefs(
            enabled=self.enabled.isChecked(),
            min_priority=self.min_priority.value(),
            breaches=self.breaches.isChecked(),
            only_mine=self.only_mine.isChecked(),
            dnd_start=_time(self.dnd_start) if quiet else None,
            dnd_end=_time(self.dnd_end) if quiet else None,
            tz=self.tz.text().strip() or "UTC",
        )


class SlaDialog(QDialog):
    """A team's response targets and optional business hours."""

    def __init__(self, title: str, policy: SlaPolicy, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"SLA: {title}")
        self.enabled = QCheckBox("Time responses for this team")
        self.enabled.setChecked(policy.enabled)
        self.first = QSpinBox()
        self.first.setRange(1, 100_000)
        self.first.setSuffix(" min")
        self.first.setValue(policy.first_response_minutes)
        self.next = QSpinBox()
        self.next.setRange(0, 100_000)
        self.next.setSuffix(" min")
        self.next.setSpecialValueText("not timed")
        self.next.setValue(policy.next_response_minutes or 0)
        self.amber = QSpinBox()
        self.amber.setRange(0, 10_000)
        self.amber.setSuffix(" min before")
        self.amber.setValue(policy.amber_minutes)
        hours = policy.hours
        self.business = QCheckBox("Only count business hours")
        self.business.setChecked(hours is not None)
        self.tz = QLineEdit(hours.tz if hours else "UTC")
        self.start = QTimeEdit(_qtime(hours.start if hours else None, time(9)))
        self.end = QTimeEdit(_qtime(hours.end if hours else None, time(17)))
        self.days = [QCheckBox(d) for d in DAYS]
        for n, box in enumerate(self.days):
            box.setChecked(n in (hours.weekdays if hours else (0, 1, 2, 3, 4)))
        span = QHBoxLayout()
        span.addWidget(self.start)
        span.addWidget(self.end)
        week = QHBoxLayout()
        for box in self.days:
            week.addWidget(box)
        form = QFormLayout(self)
        form.addRow(self.enabled)
        form.addRow("First response within", self.first)
        form.addRow("Next response within", self.next)
        form.addRow("Amber", self.amber)
        form.addRow(self.business)
        form.addRow("Time zone", self.tz)
        form.addRow("Open", span)
        form.addRow("Days", week)
        form.addRow(_buttons(self))

    def policy(self) -> SlaPolicy:
        """The form as a policy; validate() raises ConfigError for a bad zone or hours."""
        hours = None
        if self.business.isChecked():
            hours = BusinessHours(
                tz=self.tz.text().strip() or "UTC",
                start=_time(self.start),
                end=_time(self.end),
                weekdays=tuple(n for n, box in enumerate(self.days) if box.isChecked()),
            )
        policy = SlaPolicy(
            first_response_minutes=self.first.value(),
            next_response_minutes=self.next.value() or None,
            amber_minutes=self.amber.value(),
            hours=hours,
            enabled=self.enabled.isChecked(),
        )
        policy.validate()
        return policy
