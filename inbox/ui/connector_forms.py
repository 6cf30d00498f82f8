"""Settings forms generated from a connector kind's declared schema, and the connectors dialog."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inbox.connectors import base
from inbox.engine import connectors as ops
from inbox.store.connectors import ConnectorRow
from inbox.ui.bridge import EngineBridge

NAME_ROLE = Qt.ItemDataRole.UserRole + 1


class SchemaForm(QWidget):
    """One input per declared field: line edits, check boxes, choices; secrets are masked.

    When editing, secret fields start empty ("unchanged"): stored secrets are never shown.
    """

    def __init__(
        self,
        schema: tuple[base.Field, ...],
        values: dict[str, Any] | None = None,
        *,
        editing: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.schema = schema
        self.inputs: dict[str, QWidget] = {}
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)  # its labels line up with the dialog's own
        values = values or {}
        for field in schema:
            widget = self._input(field, values.get(field.name, field.default), editing)
            widget.setObjectName(f"field_{field.name}")
            widget.setToolTip(field.help)
            layout.addRow(form_label(field.title, field.required), widget)
            self.inputs[field.name] = widget

    @staticmethod
    def _input(field: base.Field, value: Any, editing: bool) -> QWidget:
        if field.type == "bool":
            box = QCheckBox()
            box.setChecked(bool(value))
            return box
        if field.type == "choice":
            combo = QComboBox()
            combo.addItems(list(field.choices))
            if value is not None:
                combo.setCurrentText(str(value))
            return combo
        line = QLineEdit()
        if field.secret:
            line.setEchoMode(QLineEdit.EchoMode.Password)
            line.setPlaceholderText("unchanged (kept in the keyring)" if editing else field.help)
        else:
            line.setText("" if value is None else str(value))
            line.setPlaceholderText(field.help)
        return line

    def values(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, widget in self.inputs.items():
            if isinstance(widget, QCheckBox):
                found[name] = widget.isChecked()
            elif isinstance(widget, QComboBox):
                found[name] = widget.currentText()
            elif isinstance(widget, QLineEdit):
                found[name] = widget.text().strip()
        return found


LABEL_WIDTH = 170  # the kind/name rows and the kind's form share one label column
CHOOSE = "Choose your system…"


def form_label(text: str, required: bool = False) -> QLabel:
    """A right-aligned label of the shared width; a required field says so on hover."""
    label = QLabel(text)
    label.setFixedWidth(LABEL_WIDTH)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if required:
        label.setToolTip("Required")
    return label


class ConnectorEditor(QDialog):
    """Add or edit one connector; the form follows the chosen kind's schema."""

    def __init__(
        self, bridge: EngineBridge, row: ConnectorRow | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.row = row
        self.setWindowTitle("Edit connector" if row else "Add connector")
        self.setMinimumWidth(560)  # room for the help shown as placeholder text
        self.kind = QComboBox()
        self.kind.setObjectName("kind")
        # No system is preselected: the form appears once the user picks theirs.
        self.kind.addItem(CHOOSE, None)
        for kind, cls in sorted(base.load_all().items(), key=lambda kv: kv[1].title):
            self.kind.addItem(cls.title, kind)
        self.name = QLineEdit(row.name if row else "")
        self.name.setObjectName("name")
        if row is not None:
            self.kind.setCurrentIndex(self.kind.findData(row.kind))
            self.kind.setEnabled(False)
            self.name.setReadOnly(True)
        self.kind.currentIndexChanged.connect(lambda _i: self._build_form())
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.hide()
        self.warning = QLabel()
        self.warning.setObjectName("warning")
        self.warning.setWordWrap(True)
        self.warning.hide()
        head = QFormLayout()
        head.addRow(form_label("System"), self.kind)
        head.addRow(form_label("Name", True), self.name)
        self.form_box = QVBoxLayout()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addLayout(self.form_box)
        layout.addWidget(self.error)
        layout.addWidget(self.warning)
        layout.addWidget(buttons)
        self.form: SchemaForm | None = None
        self._build_form()

    def _build_form(self) -> None:
        if self.form is not None:
            self.form.setParent(None)
            self.form.deleteLater()
        self.form = None
        kind = self.kind.currentData()
        self.save_button.setEnabled(kind is not None)
        if kind is None:
            return
        cls = base.kind_class(str(kind))
        values = self.row.config if self.row else None
        self.form = SchemaForm(cls.schema, values, editing=self.row is not None)
        self.form_box.addWidget(self.form)

    def save(self) -> None:
        """Validate and store on the engine thread; close on success, show the reason if not."""
        if self.form is None:
            self._failed(ValueError("Choose your system first."))
            return
        name, kind, values = (
            self.name.text().strip(),
            str(self.kind.currentData()),
            self.form.values(),
        )
        editing = self.row is not None
        # Plain http:// to another machine: said once, next to the button; the second press
        # ("Save anyway") saves, as `connectors add` saves with a warning.
        warned = base.warnings(kind, values)
        if warned and self.warning.text() != "\n".join(warned):
            self.warning.setText("\n".join(warned))
            self.warning.show()
            self.save_button.setText("Save anyway")
            return
        self.bridge.op(
            "connectors.save",
            on_done=lambda _r: self.accept(),
            on_error=self._failed,
            name=name,
            kind=kind,
            values=values,
            keep_secrets=editing,
        )

    def _failed(self, exc: BaseException) -> None:
        self.error.setText(str(exc))
        self.error.show()


EMPTY_LIST = (
    "No service desk or knowledge base yet. Press Add…, choose your system (Request "
    "Tracker, Zendesk, Freshdesk, Jira, e-mail, a webhook, MediaWiki, Confluence, a "
    "folder…) and fill in its address and token; Test connection then checks it."
)


class ConnectorsDialog(QDialog):
    """File → Connectors…: the list, add / edit / remove, and Test connection."""

    def __init__(self, store: Any, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.bridge = bridge
        self.setWindowTitle("Service desks and knowledge bases")
        self.resize(560, 380)
        self.list = QListWidget()
        self.list.setObjectName("connectors")
        self.outcome = QLabel("Select a connector and press Test connection.")
        self.outcome.setObjectName("outcome")
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for key, text, slot in (
            ("add", "Add…", self.add),
            ("edit", "Edit…", self.edit),
            ("remove", "Remove", self.remove),
            ("test", "Test connection", self.test),
        ):
            button = QPushButton(text)
            button.setObjectName(key)
            button.clicked.connect(slot)
            self.buttons[key] = button
            row.addWidget(button)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        layout.addWidget(self.outcome)
        layout.addWidget(close)
        self.editor: ConnectorEditor | None = None
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        kinds = base.load_all()
        for row in self.store.connectors.all():
            title = kinds[row.kind].title if row.kind in kinds else row.kind
            item = QListWidgetItem(f"{row.name} — {title}")
            item.setData(NAME_ROLE, row.name)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
            if self.outcome.text() == EMPTY_LIST:
                self.outcome.setText("Select a connector and press Test connection.")
        else:
            self.outcome.setText(EMPTY_LIST)
        for key in ("edit", "remove", "test"):
            self.buttons[key].setEnabled(self.list.count() > 0)

    def selected(self) -> str:
        item = self.list.currentItem()
        return str(item.data(NAME_ROLE)) if item is not None else ""

    def add(self) -> None:
        self._open_editor(None)

    def edit(self) -> None:
        if self.selected():
            self._open_editor(self.store.connectors.get(self.selected()))

    def _open_editor(self, row: ConnectorRow | None) -> None:
        self.editor = ConnectorEditor(self.bridge, row, self)
        self.editor.accepted.connect(self.refresh)
        self.editor.open()

    def remove(self) -> None:
        name = self.selected()
        if not name:
            return
        waiting = len(self.store.outbox.pending_for_target(name))
        if waiting:
            choice = self._ask_pending(name, waiting)
            if choice is None:
                return
            pending, move_to = choice
        else:
            answer = QMessageBox.question(
                self, "Remove connector", f"Remove {name!r} and its secrets?"
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
            pending, move_to = None, None
        self.bridge.op(
            "connectors.remove",
            on_done=lambda _r: self.refresh(),
            on_error=self._show_error,
            name=name,
            pending=pending,
            move_to=move_to,
        )

    def _ask_pending(self, name: str, waiting: int) -> tuple[str, str | None] | None:
        """Pushes not delivered yet: cancel them, move them to another connector, or keep
        the connector. None: keep it."""
        box = QMessageBox(self)
        box.setObjectName("pendingChoice")
        box.setWindowTitle("Remove connector")
        box.setText(
            f"{name!r} has {waiting} push(es), follow-up(s) or article(s) not delivered yet. "
            "What should happen to them?"
        )
        cancel = box.addButton("Cancel them and remove", QMessageBox.ButtonRole.DestructiveRole)
        cancel.setObjectName("cancelPending")
        moves = {}
        for row in self.store.connectors.all():
            if row.name != name:
                button = box.addButton(
                    f"Move them to {row.name}", QMessageBox.ButtonRole.AcceptRole
                )
                button.setObjectName(f"moveTo:{row.name}")
                moves[button] = row.name
        keep = box.addButton("Keep the connector", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.exec()
        clicked = box.clickedButton()
        if clicked is cancel:
            return "cancel", None
        if clicked in moves:
            return "move", moves[clicked]
        return None

    def test(self) -> None:
        name = self.selected()
        if not name:
            return
        self.outcome.setText(f"Testing {name}…")
        self.buttons["test"].setEnabled(False)
        self.bridge.run(
            lambda e: ops.test_connector(e.store, name),
            on_done=self._tested,
            on_error=self._show_error,
        )

    def _tested(self, message: str) -> None:
        self.buttons["test"].setEnabled(True)
        self.outcome.setText(f"✓ {message}")

    def _show_error(self, exc: BaseException) -> None:
        self.buttons["test"].setEnabled(True)
        self.outcome.setText(f"✗ {exc}")
