"""The rules dialog: the ordered list, an editor per rule, a preview, re-apply with progress."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inbox.core.events import Changed, Progress
from inbox.core.rules import Action, Condition, Do, Rule, Value, When
from inbox.engine import triage as ops
from inbox.networks import registry
from inbox.store import Store
from inbox.ui.bridge import EngineBridge

LISTS = {When.KIND, When.ACCOUNT, When.NETWORK, When.KEYWORDS, When.SENTIMENT, When.LANGUAGE}
NUMBERS = {When.FOLLOWERS, When.WAITING}
HINTS = {
    When.KIND: "mention, dm, reply, quote, monitoring",
    When.ACCOUNT: "account ids, comma-separated",
    When.KEYWORDS: "words or phrases, comma-separated",
    When.SENTIMENT: "negative, neutral, positive",
    When.FOLLOWERS: "more than N followers",
    When.WAITING: "waiting more than N minutes",
    When.LANGUAGE: "en, fr, …",
}


def show_value(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return ", ".join(value)
    return str(value)


def condition_value(when: When, text: str) -> Value:
    if when in LISTS:
        return tuple(p.strip() for p in text.split(",") if p.strip())
    if when in NUMBERS:
        return int(text.strip() or 0)
    return None


def action_value(do: Do, text: str) -> Value:
    text = text.strip()
    if do is Do.TAGS:
        return tuple(p.strip() for p in text.split(",") if p.strip())
    if do in (Do.PRIORITY, Do.TEAM, Do.ASSIGN):
        return int(text) if text else None
    if do is Do.SPAM:
        return None
    return text or None


def _short(value: Value, keep: int = 4) -> str:
    if isinstance(value, tuple) and len(value) > keep:
        return ", ".join(value[:keep]) + f", … (+{len(value) - keep})"
    return show_value(value)


def describe(rule: Rule) -> str:
    """One line of the list: name, conditions (long word lists cut), actions."""
    when = f" {rule.match} of " if len(rule.conditions) > 1 else " "
    conds = "; ".join(
        f"{'not ' if c.negate else ''}{c.when.value} {_short(c.value)}".strip()
        for c in rule.conditions
    )
    acts = "; ".join(f"{a.do.value} {show_value(a.value)}".strip() for a in rule.actions)
    return f"{rule.name}  —  when{when}{conds} → {acts}{'  (stop)' if rule.stop else ''}"


class RuleEditor(QDialog):
    """Edit one rule: name, all/any, stop, conditions and actions as rows."""

    def __init__(self, store: Store, rule: Rule | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Edit rule" if rule else "New rule")
        self._store = store
        self._rule = rule or Rule("New rule", (), ())
        self.name = QLineEdit(self._rule.name)
        self.match = QComboBox()
        self.match.addItems(["all", "any"])
        self.match.setCurrentText(self._rule.match)
        self.stop = QCheckBox("Stop here when this rule fires")
        self.stop.setChecked(self._rule.stop)
        self.conditions = QTableWidget(0, 3)
        self.conditions.setHorizontalHeaderLabels(["When", "Value", "Not"])
        self.actions_table = QTableWidget(0, 2)
        self.actions_table.setHorizontalHeaderLabels(["Do", "Value"])
        for table in (self.conditions, self.actions_table):
            header = table.horizontalHeader()
            for col in range(table.columnCount()):
                mode = (
                    QHeaderView.ResizeMode.Stretch
                    if col == 1
                    else QHeaderView.ResizeMode.ResizeToContents
                )
                header.setSectionResizeMode(col, mode)
            table.verticalHeader().hide()
        for c in self._rule.conditions:
            self.add_condition(c)
        for a in self._rule.actions:
            self.add_action(a)
        self.preview = QLabel()
        self.preview.setObjectName("rulePreview")
        add_c, del_c = QPushButton("+ Condition"), QPushButton("− Condition")
        add_a, del_a = QPushButton("+ Action"), QPushButton("− Action")
        check = QPushButton("Preview")
        add_c.clicked.connect(lambda: self.add_condition(Condition(When.KEYWORDS, ())))
        del_c.clicked.connect(lambda: self.conditions.removeRow(self.conditions.currentRow()))
        add_a.clicked.connect(lambda: self.add_action(Action(Do.PRIORITY, 10)))
        del_a.clicked.connect(lambda: self.actions_table.removeRow(self.actions_table.currentRow()))
        check.clicked.connect(self.update_preview)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Match", self.match)
        form.addRow("", self.stop)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("When"))
        layout.addWidget(self.conditions)
        row = QHBoxLayout()
        row.addWidget(add_c)
        row.addWidget(del_c)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(QLabel("Then"))
        layout.addWidget(self.actions_table)
        row = QHBoxLayout()
        row.addWidget(add_a)
        row.addWidget(del_a)
        row.addStretch(1)
        row.addWidget(check)
        layout.addLayout(row)
        layout.addWidget(self.preview)
        layout.addWidget(buttons)
        self.resize(620, 560)
        self.update_preview()

    def add_condition(self, condition: Condition) -> None:
        row = self.conditions.rowCount()
        self.conditions.insertRow(row)
        combo = QComboBox()
        combo.addItems([w.value for w in When])
        combo.setCurrentText(condition.when.value)
        self.conditions.setCellWidget(row, 0, combo)
        item = QTableWidgetItem(show_value(condition.value))
        hint = HINTS.get(condition.when, "")
        if condition.when is When.NETWORK:
            hint = ", ".join(c.name for c in registry.known())
        item.setToolTip(hint)
        self.conditions.setItem(row, 1, item)
        negate = QTableWidgetItem()
        negate.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        negate.setCheckState(Qt.CheckState.Checked if condition.negate else Qt.CheckState.Unchecked)
        self.conditions.setItem(row, 2, negate)

    def add_action(self, action: Action) -> None:
        row = self.actions_table.rowCount()
        self.actions_table.insertRow(row)
        combo = QComboBox()
        combo.addItems([d.value for d in Do])
        combo.setCurrentText(action.do.value)
        self.actions_table.setCellWidget(row, 0, combo)
        self.actions_table.setItem(row, 1, QTableWidgetItem(show_value(action.value)))

    def rule(self) -> Rule:
        """The rule as the form shows it; a value that does not parse raises ValueError."""
        conditions = []
        for row in range(self.conditions.rowCount()):
            combo = self.conditions.cellWidget(row, 0)
            assert isinstance(combo, QComboBox)
            when = When(combo.currentText())
            value_item, negate = self.conditions.item(row, 1), self.conditions.item(row, 2)
            text = value_item.text() if value_item else ""
            negated = negate is not None and negate.checkState() == Qt.CheckState.Checked
            conditions.append(Condition(when, condition_value(when, text), negated))
        actions = []
        for row in range(self.actions_table.rowCount()):
            combo = self.actions_table.cellWidget(row, 0)
            assert isinstance(combo, QComboBox)
            do = Do(combo.currentText())
            item = self.actions_table.item(row, 1)
            actions.append(Action(do, action_value(do, item.text() if item else "")))
        return replace(
            self._rule,
            name=self.name.text().strip() or "Unnamed rule",
            match=self.match.currentText(),
            stop=self.stop.isChecked(),
            conditions=tuple(conditions),
            actions=tuple(actions),
        )

    def update_preview(self) -> None:
        try:
            hits, seen = self._store.rules.preview(self.rule())
        except ValueError as exc:
            self.preview.setText(f"⚠ {exc}")
            return
        self.preview.setText(f"Matches {hits} of the last {seen:,} conversations")


class RulesDialog(QDialog):
    """The ordered rules: add, edit, reorder, enable/disable, preview, re-apply.

    Every write goes through the engine; the list re-reads on Changed(rules=True).
    """

    def __init__(self, store: Store, bridge: EngineBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Triage rules")
        self.setObjectName("rulesDialog")
        self._store = store
        self._bridge = bridge
        self._rules: list[Rule] = []
        self.list = QListWidget()
        self.list.setObjectName("rulesList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.itemChanged.connect(self._toggled)
        self.list.currentRowChanged.connect(lambda _r: self.update_preview())
        self.list.itemDoubleClicked.connect(lambda _i: self.edit())
        self.preview = QLabel()
        self.preview.setObjectName("rulesPreview")
        self.progress = QProgressBar()
        self.progress.setObjectName("reapplyProgress")
        self.progress.hide()
        self.status = QLabel()
        buttons = QHBoxLayout()
        for text, slot in (
            ("Add…", self.add),
            ("Edit…", self.edit),
            ("Remove", self.remove),
            ("Move up", lambda: self.move_rule(-1)),
            ("Move down", lambda: self.move_rule(1)),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.reapply_button = QPushButton("Re-apply to all conversations")
        self.reapply_button.clicked.connect(self.reapply)
        buttons.addWidget(self.reapply_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("Rules run top to bottom; points add up, the first team/assignee wins.")
        )
        layout.addWidget(self.list)
        layout.addWidget(self.preview)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.resize(820, 520)
        bridge.changed.connect(self._on_changed)
        bridge.progress.connect(self._on_progress)
        self.reload()

    # -- reading ------------------------------------------------------------------

    def reload(self) -> None:
        row = max(0, self.list.currentRow())
        self._rules = self._store.rules.all()
        self.list.blockSignals(True)
        self.list.clear()
        for rule in self._rules:
            item = QListWidgetItem(describe(rule))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if rule.enabled else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.list.blockSignals(False)
        if self._rules:
            self.list.setCurrentRow(min(row, len(self._rules) - 1))
        self.update_preview()

    def rules(self) -> list[Rule]:
        return list(self._rules)

    def selected(self) -> Rule | None:
        row = self.list.currentRow()
        return self._rules[row] if 0 <= row < len(self._rules) else None

    def update_preview(self) -> None:
        rule = self.selected()
        if rule is None:
            self.preview.clear()
            return
        hits, seen = self._store.rules.preview(rule)
        self.preview.setText(f"“{rule.name}” matches {hits} of the last {seen:,} conversations")

    def _on_changed(self, changed: Changed) -> None:
        if changed.rules:
            self.reload()

    def _on_progress(self, event: Progress) -> None:
        if event.task != ops.REAPPLY_TASK:
            return
        self.progress.show()
        self.progress.setMaximum(max(event.total, 1))
        self.progress.setValue(event.done if event.total else 0)
        self.status.setText(event.label)
        if event.total and event.done >= event.total and event.label == "Rules re-applied":
            self.reapply_button.setEnabled(True)

    # -- writing (through the engine) ---------------------------------------------

    def save(self, rule: Rule) -> None:
        self._bridge.run(lambda e: ops.save_rule(e, rule))

    def add(self) -> None:
        editor = RuleEditor(self._store, None, self)
        if editor.exec():
            self.save(editor.rule())

    def edit(self) -> None:
        rule = self.selected()
        if rule is None:
            return
        editor = RuleEditor(self._store, rule, self)
        if editor.exec():
            self.save(editor.rule())

    def remove(self) -> None:
        rule = self.selected()
        if rule is not None:
            self._bridge.run(lambda e: ops.remove_rule(e, rule.id))

    def set_enabled(self, row: int, enabled: bool) -> None:
        self.save(replace(self._rules[row], enabled=enabled))

    def _toggled(self, item: QListWidgetItem) -> None:
        row = self.list.row(item)
        enabled = item.checkState() == Qt.CheckState.Checked
        if 0 <= row < len(self._rules) and self._rules[row].enabled != enabled:
            self.set_enabled(row, enabled)

    def move_rule(self, delta: int) -> None:
        row = self.list.currentRow()
        target = row + delta
        if not (0 <= row < len(self._rules)) or not (0 <= target < len(self._rules)):
            return
        ids = [r.id for r in self._rules]
        ids[row], ids[target] = ids[target], ids[row]
        self.list.setCurrentRow(target)
        self._bridge.run(lambda e: ops.reorder_rules(e, ids))

    def reapply(self) -> None:
        self.reapply_button.setEnabled(False)
        self.status.setText("Re-applying rules…")
        self._bridge.run(lambda e: ops.reapply(e))
