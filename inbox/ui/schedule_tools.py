"""Bulk CSV import with a per-row preview, schedule export, and an account's posting slots."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inbox.core import bulk
from inbox.core.errors import ConfigError
from inbox.core.schedule import PostingSchedule
from inbox.engine import publishing as pub
from inbox.networks import registry
from inbox.store import Store
from inbox.ui.bridge import EngineBridge

COLUMNS = ("Line", "When", "Message", "Accounts", "Problems")


class ImportDialog(QDialog):
    """Pick a CSV, see every row and what is wrong with it; import all rows or none."""

    def __init__(
        self,
        store: Store,
        bridge: EngineBridge,
        now: datetime,
        zone_name: str,
        member_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import a schedule (CSV)")
        self.resize(960, 520)
        self.store = store
        self.bridge = bridge
        self.now = now
        self.member_id = member_id
        self._key = uuid.uuid4().hex  # one import per dialog: pressed twice, imported once
        self.rows: list[bulk.Row] = []
        self.text = ""
        self.zone = QLineEdit(zone_name)
        self.order = QComboBox()
        self.order.addItems(["dmy", "mdy"])
        self.account = QComboBox()
        self.account.addItem("(from the file's account column)", 0)
        for a in store.accounts():
            self.account.addItem(f"{a.handle} · {a.network}", a.id)
        pick = QPushButton("Choose file…")
        pick.clicked.connect(self.choose)
        form = QFormLayout()
        form.addRow("File", pick)
        form.addRow("Rows without an account go to", self.account)
        form.addRow("Times are in", self.zone)
        form.addRow("Dates are", self.order)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.summary = QLabel("Choose a CSV file: date and time, message, link, image.")
        self.summary.setWordWrap(True)
        self.import_button = QPushButton("Import all rows")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.run_import)
        for widget in (self.zone,):
            widget.editingFinished.connect(self.preview)
        self.order.currentTextChanged.connect(lambda _t: self.preview())
        self.account.currentIndexChanged.connect(lambda _i: self.preview())
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.import_button)
        layout.addLayout(bottom)

    def choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a schedule", "", "CSV (*.csv)")
        if path:
            self.load(Path(path))

    def load(self, path: Path) -> None:
        note = error = ""
        try:
            self.text, encoding = bulk.decode(path.read_bytes(), path.name)
            note = f"Read as {encoding}. " if encoding != "UTF-8" else ""
        except OSError as exc:
            error, self.text = f"Cannot read {path.name}: {exc.strerror}", ""
        except ConfigError as exc:  # an encoding we cannot tell: says what to save as
            error, self.text = str(exc), ""
        self.preview()
        if error or note:
            self.summary.setText(error or note + self.summary.text())

    def preview(self) -> None:
        """Check every row; nothing is stored."""
        default = self.account.currentData()
        try:
            self.rows = bulk.preview(
                self.text,
                accounts=self.store.posts.send_targets([a.id for a in self.store.accounts()]),
                default_accounts=[default] if default else [],
                zone_name=self.zone.text().strip() or "UTC",
                now=self.now,
                date_order=self.order.currentText(),
                require_alt=self.store.posts.require_alt(),
                counter=registry.counter,
            )
        except ConfigError as exc:  # an unknown zone
            self.rows = []
            self.summary.setText(str(exc))
            self.import_button.setEnabled(False)
            return
        handles = {a.id: a.handle for a in self.store.accounts()}
        self.table.setRowCount(len(self.rows))
        for n, row in enumerate(self.rows):
            cells = (
                str(row.line),
                row.when_text,
                row.message,
                " ".join(handles.get(i, "?") for i in row.account_ids),
                "; ".join(row.problems) or "ok",
            )
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if row.problems:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(n, col, item)
        counts = bulk.summary(self.rows)
        ok = bool(self.rows) and not counts["with_problems"]
        self.import_button.setEnabled(ok)
        if not self.rows:
            self.summary.setText("No rows.")
        elif ok:
            self.summary.setText(f"All {counts['rows']} rows are fine.")
        else:
            self.summary.setText(
                f"{counts['with_problems']} of {counts['rows']} rows have problems; fix the file "
                "and choose it again. Nothing is imported until every row is fine."
            )

    def run_import(self) -> None:
        zone_name = self.zone.text().strip() or "UTC"
        try:
            posts = pub.import_data(list(self.rows), zone_name)
        except ConfigError as exc:
            self.summary.setText(str(exc))
            return
        self.import_button.setEnabled(False)
        self.bridge.op(
            "posts.import",
            on_done=self._imported,
            on_error=lambda exc: self.summary.setText(str(exc)),
            posts=posts,
            member_id=self.member_id,
            key=self._key,
        )

    def _imported(self, ids: list[int]) -> None:
        self.summary.setText(f"Imported {len(ids)} posts.")
        self.accept()


def export_schedule(store: Store, path: Path, now: datetime) -> int:
    """Write the schedule as .ics or .csv (by the file's suffix); returns the entry count."""
    entries = store.posts.entries()
    if path.suffix.lower() == ".ics":
        path.write_text(bulk.to_ics(entries, stamp=now), encoding="utf-8", newline="")
    else:
        path.write_text(bulk.to_csv(entries), encoding="utf-8", newline="")
    return len(entries)


class SlotsDialog(QDialog):
    """An account's weekly posting slots, e.g. "mon-fri 09:30,15:00"."""

    def __init__(
        self, store: Store, bridge: EngineBridge, zone_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Posting slots")
        self.store = store
        self.bridge = bridge
        self.account = QComboBox()
        for a in store.accounts():
            self.account.addItem(f"{a.handle} · {a.network}", a.id)
        self.spec = QLineEdit()
        self.spec.setPlaceholderText("mon-fri 09:30,15:00; sat 11:00")
        self.zone = QLineEdit(zone_name)
        self.status = QLabel()
        save = QPushButton("Save")
        save.clicked.connect(self.save)
        form = QFormLayout(self)
        form.addRow("Account", self.account)
        form.addRow("Slots", self.spec)
        form.addRow("Time zone", self.zone)
        form.addRow(self.status, save)
        self.account.currentIndexChanged.connect(lambda _i: self.load())
        self.load()

    def load(self) -> None:
        account_id = self.account.currentData()
        schedule = self.store.posts.posting_schedule(account_id) if account_id else None
        if schedule is not None:
            self.spec.setText(schedule.format())
            self.zone.setText(schedule.zone)
        else:
            self.spec.clear()

    def save(self) -> None:
        account_id = self.account.currentData()
        try:
            schedule = PostingSchedule.parse(self.zone.text().strip(), self.spec.text())
        except ConfigError as exc:
            self.status.setText(str(exc))
            return
        self.bridge.op(
            "posts.set_posting_schedule",
            on_done=lambda _r: self.status.setText("Saved."),
            account_id=account_id,
            zone=schedule.zone,
            slots=schedule.format(),
        )
