"""The column editor: name, accounts, kinds, statuses, minimum priority, text, sort."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from inbox.core.models import Account, ColumnFilter, Kind, Status
from inbox.ui.fmt import network_label

KIND_LABELS = {
    Kind.MENTION: "Mentions",
    Kind.DM: "Direct messages",
    Kind.REPLY: "Replies",
    Kind.QUOTE: "Quotes",
    Kind.MONITORING: "Monitoring (found by a search)",
}
STATUS_LABELS = {
    Status.NEW: "New",
    Status.OPEN: "Open",
    Status.PENDING: "Pending",
    Status.RESOLVED: "Resolved",
}


def _checks(
    labels: Sequence[str], chosen: Sequence[bool], per_row: int
) -> tuple[QWidget, list[QCheckBox]]:
    """A grid of check boxes, per_row wide, so long labels never get squeezed."""
    box = QWidget()
    layout = QGridLayout(box)
    layout.setContentsMargins(0, 2, 0, 2)
    layout.setHorizontalSpacing(16)
    checks = []
    for n, (label, on) in enumerate(zip(labels, chosen, strict=True)):
        check = QCheckBox(label)
        check.setChecked(on)
        layout.addWidget(check, n // per_row, n % per_row)
        checks.append(check)
    return box, checks


class FilterDialog(QDialog):
    """Edits a column; nothing ticked in a group means "any"."""

    def __init__(
        self,
        accounts: Sequence[Account],
        flt: ColumnFilter,
        name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Column")
        self.setMinimumWidth(560)
        self._base = flt
        self._accounts = list(accounts)

        self.name_edit = QLineEdit(name)
        self.name_edit.setPlaceholderText("Column name")
        acc_box, self.account_checks = _checks(
            [f"@{a.handle} ({network_label(a.network)})" for a in self._accounts],
            [a.id in flt.accounts for a in self._accounts],
            per_row=1,
        )
        kind_box, self.kind_checks = _checks(
            list(KIND_LABELS.values()), [k in flt.kinds for k in KIND_LABELS], per_row=3
        )
        status_box, self.status_checks = _checks(
            list(STATUS_LABELS.values()), [s in flt.statuses for s in STATUS_LABELS], per_row=4
        )
        self.min_priority = QSpinBox()
        self.min_priority.setRange(0, 1000)
        self.min_priority.setSpecialValueText("any")
        self.min_priority.setValue(flt.min_priority or 0)
        self.query_edit = QLineEdit(flt.query)
        self.query_edit.setPlaceholderText("words every conversation must contain")
        self.sort_combo = QComboBox()
        self.sort_combo.addItem("Priority, then SLA, then newest", "priority")
        self.sort_combo.addItem("Newest first", "newest")
        self.sort_combo.setCurrentIndex(max(0, self.sort_combo.findData(flt.sort)))

        hint = QLabel("Nothing ticked in a group means any.")
        hint.setObjectName("filterHint")
        hint.setEnabled(False)  # drawn in the muted text colour
        form = QFormLayout()
        form.setVerticalSpacing(10)
        form.addRow("Name", self.name_edit)
        form.addRow("Accounts", acc_box)
        form.addRow("Kinds", kind_box)
        form.addRow("Statuses", status_box)
        form.addRow("Minimum priority", self.min_priority)
        form.addRow("Text", self.query_edit)
        form.addRow("Sort", self.sort_combo)
        form.addRow("", hint)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.name_edit.textChanged.connect(
            lambda text: self.ok_button.setEnabled(bool(text.strip()))
        )
        self.ok_button.setEnabled(bool(name.strip()))

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def name(self) -> str:
        return self.name_edit.text().strip()

    def result_filter(self) -> ColumnFilter:
        """The edited filter; fields this dialog does not show keep their old values."""
        from dataclasses import replace

        return replace(
            self._base,
            accounts=tuple(
                a.id
                for a, c in zip(self._accounts, self.account_checks, strict=True)
                if c.isChecked()
            ),
            kinds=tuple(
                k for k, c in zip(KIND_LABELS, self.kind_checks, strict=True) if c.isChecked()
            ),
            statuses=tuple(
                s for s, c in zip(STATUS_LABELS, self.status_checks, strict=True) if c.isChecked()
            ),
            min_priority=self.min_priority.value() or None,
            query=self.query_edit.text().strip(),
            sort=str(self.sort_combo.currentData()),
        )
