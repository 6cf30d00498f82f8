"""Manage saved replies: add, edit, delete, import and export the JSON file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
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

from inbox.core import templates as core
from inbox.core.errors import InboxError
from inbox.core.templates import STANDARD_FIELDS, Template
from inbox.engine.ops.templates import template_args
from inbox.store import Store
from inbox.ui.bridge import EngineBridge

TEMPLATE = Qt.ItemDataRole.UserRole


class TemplatesDialog(QDialog):
    """A list of templates and an editor for the selected one."""

    def __init__(self, store: Store, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Saved replies")
        self.resize(760, 480)
        self.store = store
        self.bridge = bridge
        self.list = QListWidget()
        self.list.currentItemChanged.connect(lambda cur, _prev: self._show(cur))
        self.name = QLineEdit()
        self.shortcut = QLineEdit()
        self.body = QPlainTextEdit()
        self.check = QLabel()
        self.check.setWordWrap(True)
        self.body.textChanged.connect(self._check)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Shortcut (/…)", self.shortcut)
        form.addRow("Text", self.body)
        form.addRow("", self.check)
        form.addRow("", QLabel("Fields: " + ", ".join("{" + f + "}" for f in STANDARD_FIELDS)))
        buttons = QHBoxLayout()
        for label, slot in (
            ("New", self.new),
            ("Save", self.save),
            ("Delete", self.delete),
            ("Import…", self.import_file),
            ("Export…", self.export_file),
        ):
            button = QPushButton(label)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        self.status = QLabel()
        right = QVBoxLayout()
        right.addLayout(form)
        right.addLayout(buttons)
        right.addWidget(self.status)
        layout = QHBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(right, 2)
        self.reload()

    def reload(self, select: str = "") -> None:
        self.list.clear()
        for t in self.store.templates.all():
            item = QListWidgetItem(f"/{t.shortcut}  {t.name}" if t.shortcut else t.name)
            item.setData(TEMPLATE, t)
            self.list.addItem(item)
            if t.name == select:
                self.list.setCurrentItem(item)

    def _show(self, item: QListWidgetItem | None) -> None:
        t: Template | None = item.data(TEMPLATE) if item is not None else None
        self.name.setText(t.name if t else "")
        self.shortcut.setText(t.shortcut if t else "")
        self.body.setPlainText(t.body if t else "")

    def _check(self) -> None:
        known = set(STANDARD_FIELDS)
        odd = [p for p in core.placeholders(self.body.toPlainText()) if p not in known]
        self.check.setText(
            "Custom fields (filled in by hand before sending): " + ", ".join(odd) if odd else ""
        )

    def current(self) -> Template | None:
        item = self.list.currentItem()
        return item.data(TEMPLATE) if item is not None else None

    def new(self) -> None:
        self.list.setCurrentRow(-1)
        self._show(None)
        self.name.setFocus()

    def save(self) -> None:
        old = self.current()
        odd = tuple(
            p for p in core.placeholders(self.body.toPlainText()) if p not in STANDARD_FIELDS
        )
        template = Template(
            name=self.name.text().strip(),
            body=self.body.toPlainText(),
            shortcut=self.shortcut.text().strip().lstrip("/"),
            team_id=old.team_id if old else None,
            id=old.id if old and old.name == self.name.text().strip() else 0,
            custom_fields=odd,
        )
        self.bridge.op(
            "templates.save",
            on_done=lambda saved: self._saved(saved.name),
            on_error=self._failed,
            template=template_args(template),
        )

    def _saved(self, name: str) -> None:
        self.status.setText(f"Saved {name}.")
        self.reload(select=name)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(str(exc))

    def delete(self) -> None:
        t = self.current()
        if t is not None:
            self.bridge.op("templates.delete", on_done=lambda _r: self.reload(), template_id=t.id)

    def import_file(self, path: str = "") -> None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, "Import saved replies", "", "JSON (*.json)")
        if not path:
            return
        try:
            items = core.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, InboxError) as exc:
            self.status.setText(str(exc))
            return
        self.bridge.op(
            "templates.import",
            on_done=self._imported,
            on_error=self._failed,
            templates=[template_args(t) for t in items],
        )

    def _imported(self, count: int) -> None:
        self.status.setText(f"Imported {count}.")
        self.reload()

    def export_file(self, path: str = "") -> None:
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, "Export saved replies", "templates.json", "JSON (*.json)"
            )
        if path:
            Path(path).write_text(core.dumps(self.store.templates.all()), encoding="utf-8")
            self.status.setText(f"Exported to {path}.")
