"""Type "/" in a text box to pick a saved reply; the chosen template is rendered in place.

Fields the conversation cannot fill stay visible as {name} and are listed by
unresolved(); a send button must refuse while any remain (core.templates never
sends them raw).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QPlainTextEdit, QTextEdit

from inbox.core import templates as core
from inbox.core.templates import Template

TEMPLATE = Qt.ItemDataRole.UserRole

Editor = QPlainTextEdit | QTextEdit


def unresolved(text: str) -> list[str]:
    """Placeholders still in text: the reply must not be sent until they are filled."""
    return core.placeholders(text)


class TemplatePicker(QObject):
    """Watches editor for "/query" and offers matching templates in a popup list.

    Signals:
        inserted: the Rendered result of the inserted template (check .unknown).
    """

    inserted = Signal(object)

    def __init__(
        self,
        editor: Editor,
        templates: Callable[[], list[Template]],
        values: Callable[[], dict[str, str]],
    ) -> None:
        super().__init__(editor)
        self.editor = editor
        self._templates = templates
        self._values = values
        self.popup = QListWidget()
        self.popup.setWindowFlags(Qt.WindowType.ToolTip)
        self.popup.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.popup.itemClicked.connect(self._chosen)
        editor.installEventFilter(self)
        editor.textChanged.connect(self.update_popup)

    def matches(self) -> list[Template]:
        found = core.slash_query(self.editor.toPlainText(), self.editor.textCursor().position())
        if found is None:
            return []
        return core.search(self._templates(), found[1])[:8]

    def update_popup(self) -> None:
        results = self.matches()
        self.popup.clear()
        if not results:
            self.popup.hide()
            return
        for t in results:
            label = f"/{t.shortcut}  {t.name}" if t.shortcut else t.name
            item = QListWidgetItem(label)
            item.setData(TEMPLATE, t)
            self.popup.addItem(item)
        self.popup.setCurrentRow(0)
        rect = self.editor.cursorRect()
        self.popup.move(self.editor.viewport().mapToGlobal(rect.bottomLeft()))
        self.popup.resize(320, min(8, len(results)) * 24 + 6)
        self.popup.show()

    def insert(self, template: Template) -> core.Rendered:
        """Replace the "/query" before the cursor with the rendered template."""
        cursor = self.editor.textCursor()
        found = core.slash_query(self.editor.toPlainText(), cursor.position())
        rendered = core.render(template.body, self._values())
        if found is not None:
            end = cursor.position()
            cursor.setPosition(found[0])
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(rendered.text)
        self.editor.setTextCursor(cursor)
        self.popup.hide()
        self.inserted.emit(rendered)
        return rendered

    def _chosen(self, item: QListWidgetItem) -> None:
        self.insert(item.data(TEMPLATE))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.editor and self.popup.isVisible() and isinstance(event, QKeyEvent):
            if event.type() != QEvent.Type.KeyPress:
                return False
            key = event.key()
            row = self.popup.currentRow()
            if key == Qt.Key.Key_Down:
                self.popup.setCurrentRow(min(row + 1, self.popup.count() - 1))
                return True
            if key == Qt.Key.Key_Up:
                self.popup.setCurrentRow(max(row - 1, 0))
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab):
                item = self.popup.currentItem()
                if item is not None:
                    self._chosen(item)
                    return True
            if key == Qt.Key.Key_Escape:
                self.popup.hide()
                return True
        return False
