"""The team's guidelines in the window: the inline warning under the composer and the reply
box, and the dialog that edits the list (Triage → Guidelines…).

The warning says which rule and which words as you type; a rule of severity "approval"
is red and says the text will wait for an approver (engine.replies / engine.publishing
hold it; nothing here decides).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inbox.core import guidelines as core
from inbox.core.events import Changed
from inbox.engine.ops.moderation import guideline_args
from inbox.store import Store
from inbox.ui import theme
from inbox.ui.bridge import EngineBridge

GUIDELINE_ID = Qt.ItemDataRole.UserRole

EMPTY = (
    "No guidelines yet. Add the team's posting rules: forbidden words, a disclosure tag "
    "such as #ad, the domains links may point to, words of unverified claims. The composer "
    "and the reply box warn as you type; a rule that needs approval holds the post or reply "
    "for an approver."
)


class GuidelineNote(QLabel):
    """The inline warning: one line per rule broken, with its words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guidelineNote")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.breaches: list[core.Breach] = []
        self.hide()

    def show_breaches(self, breaches: Sequence[core.Breach]) -> None:
        self.breaches = list(breaches)
        if not breaches:
            self.clear()
            self.hide()
            return
        colours = theme.colours()
        lines = []
        for b in sorted(breaches, key=lambda b: not b.holds):
            colour = colours.band_urgent if b.holds else colours.sla_amber
            mark = "⛔" if b.holds else "⚠"
            lines.append(f"<span style='color:{colour}'>{mark} {html.escape(b.sentence())}</span>")
        if core.holds(breaches):
            red = colours.band_urgent
            lines.append(
                f"<span style='color:{red}'>This will wait in the approval queue instead of "
                "going out.</span>"
            )
        self.setText("<br>".join(lines))
        self.show()

    @property
    def holds(self) -> bool:
        return core.holds(self.breaches)


class GuidelinesDialog(QDialog):
    """List, add, change and remove guidelines (each change an undoable operation)."""

    def __init__(self, store: Store, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Guidelines")
        self.resize(760, 560)
        self.store = store
        self.bridge = bridge
        layout = QVBoxLayout(self)
        self.empty = QLabel(EMPTY)
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        body = QHBoxLayout()
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._selected)
        body.addWidget(self.list, 1)
        form = QFormLayout()
        self.name = QLineEdit()
        self.kind = QComboBox()
        for kind in core.KINDS:
            self.kind.addItem(core.KIND_LABELS[kind], kind)
        self.severity = QComboBox()
        self.severity.addItem("Warn as you type", core.Severity.WARN.value)
        self.severity.addItem("Hold for approval", core.Severity.APPROVAL.value)
        self.team = QComboBox()
        self.team.addItem("Every team", None)
        for team_id, name in store.teams.all().items():
            self.team.addItem(name, team_id)
        self.words = QPlainTextEdit()
        self.words.setPlaceholderText("One word, phrase, tag (#ad) or domain per line")
        self.triggers = QPlainTextEdit()
        self.triggers.setPlaceholderText("Disclosure only: the tag is needed when one appears")
        self.triggers.setMaximumHeight(70)
        self.note = QLineEdit()
        form.addRow("Name", self.name)
        form.addRow("Kind", self.kind)
        form.addRow("Severity", self.severity)
        form.addRow("Team", self.team)
        form.addRow("Words", self.words)
        form.addRow("When", self.triggers)
        form.addRow("What for", self.note)
        body.addLayout(form, 2)
        layout.addLayout(body, 1)
        self.status = QLabel()
        self.status.setObjectName("guidelinesStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        self.new_button = QPushButton("New")
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.remove_button = QPushButton("Remove")
        self.new_button.clicked.connect(self.new)
        self.save_button.clicked.connect(self.save)
        self.remove_button.clicked.connect(self.remove)
        for b in (self.new_button, self.save_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        bridge.changed.connect(self._on_changed)
        self._editing = 0
        self.reload()

    def reload(self) -> None:
        rules = self.store.guidelines.all(every_team=True)
        teams = self.store.teams.all()
        self.list.blockSignals(True)
        self.list.clear()
        for g in rules:
            where = f" · {teams.get(g.team_id, 'team')}" if g.team_id else ""
            mark = "⛔" if g.severity is core.Severity.APPROVAL else "⚠"
            item = QListWidgetItem(f"{mark} {g.name}{where}")
            item.setData(GUIDELINE_ID, g.id)
            item.setToolTip(", ".join(g.words))
            self.list.addItem(item)
            if g.id == self._editing:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self.empty.setVisible(not rules)
        self.remove_button.setEnabled(self.list.currentItem() is not None)

    def _on_changed(self, changed: Changed) -> None:
        if changed.teams:
            self.reload()

    def _selected(self, _row: int) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        g = self.store.guidelines.get(int(item.data(GUIDELINE_ID)))
        self._editing = g.id
        self.name.setText(g.name)
        self.kind.setCurrentIndex(self.kind.findData(g.kind))
        self.severity.setCurrentIndex(self.severity.findData(g.severity.value))
        self.team.setCurrentIndex(max(0, self.team.findData(g.team_id)))
        self.words.setPlainText("\n".join(g.words))
        self.triggers.setPlainText("\n".join(g.triggers))
        self.note.setText(g.note)
        self.remove_button.setEnabled(True)

    def new(self) -> None:
        self._editing = 0
        self.list.clearSelection()
        self.list.setCurrentRow(-1)
        for field in (self.name, self.note):
            field.clear()
        self.words.clear()
        self.triggers.clear()
        self.remove_button.setEnabled(False)
        self.name.setFocus()

    def current(self) -> core.Guideline:
        return core.Guideline(
            id=self._editing,
            name=self.name.text(),
            kind=str(self.kind.currentData()),
            words=tuple(_lines(self.words.toPlainText())),
            triggers=tuple(_lines(self.triggers.toPlainText())),
            severity=core.Severity(str(self.severity.currentData())),
            note=self.note.text(),
            team_id=self.team.currentData(),
        )

    def save(self) -> None:
        g = self.current()

        def saved(result: object) -> None:
            if isinstance(result, dict):
                self._editing = int(result["id"])
                self.status.setText(f"Saved “{result['name']}”.")
                self.reload()

        self.bridge.op(
            "guidelines.save",
            saved,
            lambda exc: self.status.setText(f"⚠ {exc}"),
            guideline=guideline_args(g),
        )

    def remove(self) -> None:
        if not self._editing:
            return
        gone, self._editing = self._editing, 0
        self.bridge.op(
            "guidelines.delete",
            lambda _r: self.status.setText("Removed."),
            lambda exc: self.status.setText(f"⚠ {exc}"),
            guideline_id=gone,
        )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
