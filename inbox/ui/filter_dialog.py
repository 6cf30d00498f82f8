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

from inbox.core.errors import ConfigError
from inbox.core.models import Account, ColumnFilter, Kind, Status
from inbox.core.monitoring import SearchSpec, make_spec
from inbox.networks import registry
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


class SearchDialog(QDialog):
    """A search (monitoring) column: name, terms, exclusions and the networks to ask.

    The terms are any words, "phrases", #hashtags, brand and competitor names (a post
    matching any of them is found); a post naming an exclusion is dropped. Each network
    line says what its search covers (registry Capabilities.search).
    """

    def __init__(
        self,
        name: str = "",
        spec: SearchSpec | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Search column")
        self.setMinimumWidth(600)
        spec = spec or SearchSpec(())
        self.name_edit = QLineEdit(name)
        self.name_edit.setPlaceholderText("Column name, e.g. Competitors")
        self.terms_edit = QLineEdit(", ".join(spec.terms))
        self.terms_edit.setPlaceholderText('Kettleco, #leafkettle, "green tea"')
        self.terms_edit.setToolTip(
            "Comma-separated words, phrases, #hashtags, brand and competitor names: "
            "a post matching any of them is found"
        )
        self.exclude_edit = QLineEdit(", ".join(spec.exclude))
        self.exclude_edit.setPlaceholderText("giveaway, job offer")
        self.exclude_edit.setToolTip("Comma-separated: posts naming any of these are left out")
        self._networks = list(registry.searching())
        net_box = QWidget()
        net_layout = QVBoxLayout(net_box)
        net_layout.setContentsMargins(0, 2, 0, 2)
        self.network_checks: list[QCheckBox] = []
        for caps in self._networks:
            check = QCheckBox(f"{caps.label}: {caps.search}")
            check.setChecked(not spec.networks or caps.name in spec.networks)
            net_layout.addWidget(check)
            self.network_checks.append(check)
        self.problem = QLabel()
        self.problem.setObjectName("searchProblem")
        self.problem.setWordWrap(True)
        hint = QLabel(
            "Found posts are monitoring items (nobody asked you): they go through your rules, "
            "and reports count them apart."
        )
        hint.setObjectName("filterHint")
        hint.setWordWrap(True)
        hint.setEnabled(False)
        form = QFormLayout()
        form.setVerticalSpacing(10)
        form.addRow("Name", self.name_edit)
        form.addRow("Any of", self.terms_edit)
        form.addRow("None of", self.exclude_edit)
        form.addRow("Networks", net_box)
        form.addRow("", hint)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        for edit in (self.name_edit, self.terms_edit, self.exclude_edit):
            edit.textChanged.connect(self._check)
        for check in self.network_checks:
            check.toggled.connect(self._check)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self._check()

    def name(self) -> str:
        return self.name_edit.text().strip()

    def networks(self) -> list[str]:
        chosen = [
            c.name
            for c, b in zip(self._networks, self.network_checks, strict=True)
            if b.isChecked()
        ]
        return [] if len(chosen) == len(self._networks) else chosen  # all: every one that can

    def spec(self) -> SearchSpec:
        """The search as typed. Raises ConfigError when it is not one."""
        return make_spec(self.terms_edit.text(), self.exclude_edit.text(), self.networks())

    def _check(self) -> None:
        words = ""
        if not any(c.isChecked() for c in self.network_checks):
            words = "Tick at least one network."
        elif self.terms_edit.text().strip():
            try:
                self.spec()
            except ConfigError as exc:
                words = str(exc)
        self.problem.setText(words)
        self.problem.setVisible(bool(words))
        self.ok_button.setEnabled(
            bool(self.name()) and bool(self.terms_edit.text().strip()) and not words
        )
