"""File → Preferences: a form generated from the setting declarations (core.settings).

Every declared profile setting that is not internal gets a row whose widget comes
from its type: a tick box for bool, a list for choices, a number box, a time-zone
list for zones, a text field otherwise. The description is the row's text. A
setting a menu toggle also controls (start minimised, keep in tray, start at
login) is changed through that toggle, so the menu, the side effects (an autostart
file) and the store stay in step. Notifications and quiet hours belong to the
member at the keyboard: a button opens their form.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from inbox.core import settings as declared
from inbox.core.errors import ConfigError

# Settings a checkable menu action also controls: changed through the action.
TOGGLES = {
    "desktop.close_to_tray": "keep_in_tray",
    "desktop.start_minimised": "start_minimised",
    "desktop.start_at_login": "start_at_login",
}
ZONE_HINT = "zone"  # a str setting whose name ends so is a time zone
# Shown elsewhere: who is at the keyboard is the toolbar's "I am" box.
ELSEWHERE = frozenset({"current_member"})
# The dialog's sections, in order: a setting goes to the first whose prefix its name
# starts with; one no prefix names (a setting added later) goes to "Other".
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Appearance", ("ui.",)),
    ("Start-up and tray", ("desktop.",)),
    ("Time zone", ("publishing.display_zone",)),
    ("Notifications", ()),  # the member's own form, through a button
    ("Publishing", ("publishing.",)),
    ("Fetching", ("sync.", "monitoring.")),
    ("Suggested answers", ("suggest.",)),
)
OTHER = "Other"
# Rows whose description names another setting: what a person reads instead.
LABELS = {
    "suggest.article_after": "Offer a knowledge-base article after this many alike answers",
    "suggest.article_days": "Count alike answers over this many days",
    "publishing.display_zone": "Calendar and schedule times are shown in",
    "ui.theme": "Colour scheme",
    "sync.poll_interval_s": "Seconds between checks where a network does not stream",
    "sync.backfill_days": "Days the first sync of an account reaches back",
    "sync.backfill_items": "Items the first sync of an account fetches at most",
    "publishing.link_cards": "Show a preview card for the first link of a post",
}


def section_of(name: str) -> str:
    for title, prefixes in SECTIONS:
        if any(name == p or (p.endswith(".") and name.startswith(p)) for p in prefixes):
            return title
    return OTHER


def shown_settings() -> list[declared.Setting]:
    """What the dialog lists: every profile setting a person may change."""
    return [
        s
        for s in declared.SETTINGS.values()
        if s.scope == "profile"
        and not s.internal
        and s.name not in ELSEWHERE
        and _editor_kind(s) != ""
    ]


def _types(s: declared.Setting) -> tuple[type, ...]:
    return s.type if isinstance(s.type, tuple) else (s.type,)


def _editor_kind(s: declared.Setting) -> str:
    types = set(_types(s)) - {declared.NONE}
    if getattr(s, "choices", ()):
        return "choice"
    if types == {bool}:
        return "bool"
    if types == {int}:
        return "int"
    if types <= {int, float} and types:
        return "float"
    if types == {str}:
        return "zone" if s.name.endswith(ZONE_HINT) else "text"
    return ""  # dicts and policies have their own dialogs


def label_of(s: declared.Setting) -> str:
    """The row's text: the description's first sentence, without its parenthesis."""
    if s.name in LABELS:
        return LABELS[s.name]
    first = s.description.split(". ")[0].rstrip(".")
    return first.split(" (")[0]


class Editor:
    """One row: a widget showing a setting's value and giving the chosen one back."""

    def __init__(self, setting: declared.Setting, value: Any) -> None:
        self.setting = setting
        self.kind = _editor_kind(setting)
        self.nullable = declared.NONE in _types(setting)
        self.widget: QWidget
        if self.kind == "bool":
            box = QCheckBox(label_of(setting))
            box.setChecked(bool(value))
            self.widget = box
        elif self.kind == "choice":
            combo = QComboBox()
            for choice in getattr(setting, "choices", ()):
                combo.addItem(str(choice).capitalize(), choice)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            self.widget = combo
        elif self.kind == "int":
            spin = QSpinBox()
            spin.setRange(0 if self.nullable else -1_000_000, 1_000_000)
            if self.nullable:
                spin.setSpecialValueText("default")
            spin.setValue(int(value) if value is not None else 0)
            self.widget = spin
        elif self.kind == "float":
            dspin = QDoubleSpinBox()
            dspin.setRange(0, 1_000_000)
            dspin.setDecimals(0)
            if self.nullable:
                dspin.setSpecialValueText("default")
            dspin.setValue(float(value) if value is not None else 0)
            self.widget = dspin
        elif self.kind == "zone":
            zones = QComboBox()
            zones.setEditable(True)
            zones.addItem("System time zone", "")
            for name in sorted(zoneinfo.available_timezones()):
                zones.addItem(name, name)
            zones.setCurrentIndex(max(0, zones.findData(value or "")))
            self.widget = zones
        else:
            line = QLineEdit(str(value or ""))
            self.widget = line
        self.widget.setObjectName(f"pref_{setting.name}")
        self.widget.setToolTip(setting.description)

    def value(self) -> Any:
        w = self.widget
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QComboBox) and self.kind == "choice":
            return w.currentData()
        if isinstance(w, QSpinBox):
            return None if self.nullable and w.value() == 0 else w.value()
        if isinstance(w, QDoubleSpinBox):
            return None if self.nullable and w.value() == 0 else float(w.value())
        if isinstance(w, QComboBox):  # time zone
            text = w.currentText().strip()
            data = w.currentData()
            name = data if data is not None and w.itemText(w.currentIndex()) == text else text
            if name in ("", "System time zone"):
                return None if self.nullable else ""
            try:
                zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ConfigError(f"{name!r} is not a time zone (try Europe/Berlin).") from None
            return name
        assert isinstance(w, QLineEdit)
        text = w.text().strip()
        return None if self.nullable and not text else text


class PreferencesDialog(QDialog):
    """The generated form. After accept, `changes()` lists what the user changed.

    Signals: none; the caller saves (MainWindow-owned feature).
    """

    def __init__(
        self,
        values: Callable[[str], Any],
        open_notifications: Callable[[], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle("Preferences")
        self.setMinimumWidth(660)
        self.editors: list[Editor] = []
        self._initial: dict[str, Any] = {}
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QVBoxLayout.SizeConstraint.SetMinimumSize)  # never cut a row
        grouped: dict[str, list[declared.Setting]] = {}
        for setting in shown_settings():
            grouped.setdefault(section_of(setting.name), []).append(setting)
        for title in [t for t, _ in SECTIONS] + [OTHER]:
            rows = grouped.get(title, [])
            if not rows and not (title == "Notifications" and open_notifications is not None):
                continue
            heading = QLabel(f"<b>{title}</b>")
            heading.setObjectName("preferencesSection")
            layout.addSpacing(6 if self.editors else 0)
            layout.addWidget(heading)
            form = QFormLayout()
            form.setContentsMargins(14, 0, 0, 0)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            for setting in rows:
                value = values(setting.name)
                editor = Editor(setting, value)
                self.editors.append(editor)
                self._initial[setting.name] = value
                if editor.kind == "bool":
                    form.addRow(editor.widget)  # a tick box carries its own words
                else:
                    label = QLabel(label_of(setting))
                    label.setMinimumWidth(320)
                    label.setToolTip(setting.description)
                    form.addRow(label, editor.widget)
            if title == "Notifications" and open_notifications is not None:
                notify = QPushButton("Notifications and quiet hours…")
                notify.setObjectName("notificationPrefs")
                notify.clicked.connect(open_notifications)
                form.addRow(QLabel("Kept for each team member:"), notify)
            layout.addLayout(form)
        self.problem = QLabel()
        self.problem.setObjectName("preferencesProblem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self._changes: dict[str, Any] = {}

    def editor(self, name: str) -> Editor:
        return next(e for e in self.editors if e.setting.name == name)

    def _accept(self) -> None:
        try:
            chosen = {e.setting.name: e.value() for e in self.editors}
            for name, value in chosen.items():
                declared.check(name, value)
        except ConfigError as exc:
            self.problem.setText(f"⚠ {exc}")
            self.problem.show()
            return
        self._changes = {n: v for n, v in chosen.items() if v != self._initial.get(n)}
        self.accept()

    def changes(self) -> dict[str, Any]:
        return dict(self._changes)


def open_preferences(window: Any) -> PreferencesDialog:
    """File → Preferences… on a MainWindow: show the form, then save what changed."""
    notify = window.bound().get("notifications")
    dialog = PreferencesDialog(
        window.store.setting, notify.trigger if notify is not None else None, window
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: apply_changes(window, dialog.changes()))
    dialog.open()
    return dialog


def apply_changes(window: Any, changes: dict[str, Any]) -> None:
    """Save each change (through its menu toggle when it has one) and apply the theme now."""
    from inbox.ui import theme

    for name, value in changes.items():
        action = window.bound().get(TOGGLES.get(name, ""))
        if action is not None and action.isCheckable():
            if action.isChecked() != bool(value):
                action.trigger()  # toggles, then saves and applies as the menu does
            continue
        window.bridge.op("settings.set", name=name, value=value)
        if name == "ui.theme":
            theme.set_preference(str(value))
            from PySide6.QtWidgets import QApplication

            app = QApplication.instance()
            if isinstance(app, QApplication):
                theme.apply(app)  # the window restyles on the palette change
