"""The reply box under the open conversation: text, live length count, visibility, CW, send.

Send writes an outbox row (kind "reply", a fresh idempotency key) through the
bridge; the engine's outbox worker delivers it. A reply that failed shows the
server's own message with a Retry button.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inbox.core import text as counting
from inbox.core.events import Changed
from inbox.engine import Engine
from inbox.store import Store
from inbox.ui.main_window import MainWindow
from inbox.ui.pane import NO_CONVERSATION

VISIBILITIES = (
    ("", "Same as the message"),
    ("public", "Public"),
    ("unlisted", "Quiet public"),
    ("private", "Followers only"),
    ("direct", "Private mention"),
)


class ReplyBox(QWidget):
    """Reply to the conversation the pane shows; Ctrl+Enter sends."""

    def __init__(self, window: MainWindow, engine: Engine) -> None:
        super().__init__()
        self.setObjectName("replyBox")
        self.window_ = window
        self.engine = engine
        self.conversation_id = NO_CONVERSATION
        self.network = ""
        self.limits: dict[int, int] = {}  # account id -> the instance's max characters
        self.account_id = 0

        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText("Reply…  (Ctrl+Enter sends)")
        self.editor.setMaximumHeight(120)
        self.cw = QLineEdit()
        self.cw.setPlaceholderText("Content warning (optional)")
        self.visibility = QComboBox()
        for value, label in VISIBILITIES:
            self.visibility.addItem(label, value)
        self.counter = QLabel()
        self.counter.setObjectName("replyCounter")
        self.send_button = QPushButton("Send")
        self.send_button.clicked.connect(self.send)
        self.problem = QLabel()
        self.problem.setObjectName("replyProblem")
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.retry_button = QPushButton("Retry")
        self.retry_button.clicked.connect(self.retry)
        self._failed_id = 0

        row = QHBoxLayout()
        row.addWidget(self.visibility)
        row.addWidget(self.cw, 1)
        row.addWidget(self.counter)
        row.addWidget(self.send_button)
        problem_row = QHBoxLayout()
        problem_row.addWidget(self.problem, 1)
        problem_row.addWidget(self.retry_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.editor)
        layout.addLayout(row)
        layout.addLayout(problem_row)
        self._show_problem("", 0)

        self.editor.installEventFilter(self)  # Ctrl+Enter sends
        self.editor.textChanged.connect(self.update_count)
        self.cw.textChanged.connect(self.update_count)
        window.pane.conversation_changed.connect(self.open)
        window.bridge.changed.connect(self.on_changed)
        self.open(window.pane.conversation_id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.editor
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.send()
            return True
        return super().eventFilter(watched, event)

    @property
    def store(self) -> Store:
        return self.window_.store

    def open(self, conversation_id: int) -> None:
        self.conversation_id = conversation_id
        summary = self.store.conversations.get(conversation_id) if conversation_id else None
        self.setEnabled(summary is not None)
        self.network = summary.network if summary else ""
        self.account_id = summary.account_id if summary else 0
        if summary is not None and summary.account_id not in self.limits:
            self._ask_limit(summary.account_id)
        self.update_count()
        self.refresh_outbox()

    def _ask_limit(self, account_id: int) -> None:
        async def limit(engine: Engine) -> int | None:
            adapter = engine.adapters.get(account_id)
            return (await adapter.limits()).max_chars if adapter is not None else None

        def store_limit(value: Any) -> None:
            if isinstance(value, int):
                self.limits[account_id] = value
                self.update_count()

        # Offline or not connected: keep the network's default limit, say nothing.
        self.window_.bridge.run(limit, store_limit, lambda _exc: None)

    def update_count(self) -> None:
        body = self.editor.toPlainText()
        try:
            count = counting.count(
                self.network, body, limit=self.limits.get(self.account_id), spoiler=self.cw.text()
            )
        except ValueError:  # a network without a length rule
            self.counter.setText("")
            self.send_button.setEnabled(bool(body.strip()))
            return
        self.counter.setText(str(count.remaining))
        self.counter.setProperty("over", count.over)
        self.counter.setStyleSheet("color: #e03131;" if count.over else "")
        self.send_button.setEnabled(bool(body.strip()) and not count.over)

    def send(self) -> None:
        body = self.editor.toPlainText().strip()
        if not body or not self.send_button.isEnabled() or not self.conversation_id:
            return
        payload: dict[str, Any] = {"text": body, "spoiler_text": self.cw.text().strip()}
        if self.visibility.currentData():
            payload["visibility"] = self.visibility.currentData()
        conversation_id, account_id = self.conversation_id, self.account_id
        key = str(uuid.uuid4())

        def queue(store: Store) -> Changed:
            store.outbox.enqueue(
                "reply", key, payload, account_id=account_id, conversation_id=conversation_id
            )
            store.audit("local", "reply.queue", conversation_id)
            return Changed(conversations=frozenset({conversation_id}), outbox=True)

        self.editor.clear()
        self.cw.clear()
        self.window_.bridge.write(queue)

    def on_changed(self, changed: Changed) -> None:
        if changed.outbox and self.conversation_id:
            self.refresh_outbox()

    def refresh_outbox(self) -> None:
        """Show the newest unsent reply's state: queued, or failed with the server's message."""
        if not self.conversation_id:
            self._show_problem("", 0)
            return
        rows = [r for r in self.store.outbox.for_conversation(self.conversation_id)]
        pending = [r for r in rows if r.status in ("queued", "sending", "failed")]
        if not pending:
            self._show_problem("", 0)
            return
        last = pending[-1]
        if last.status == "failed":
            self._show_problem(f"⚠ Not sent: {last.last_error}", last.id)
        elif last.last_error:
            self._show_problem(f"Will retry: {last.last_error}", 0)
        else:
            self._show_problem("Sending…", 0)

    def _show_problem(self, message: str, failed_id: int) -> None:
        self.problem.setText(message)
        self.problem.setVisible(bool(message))
        self._failed_id = failed_id
        self.retry_button.setVisible(bool(failed_id))

    def retry(self) -> None:
        item_id = self._failed_id
        if not item_id:
            return
        conversation_id = self.conversation_id

        def again(store: Store) -> Changed:
            store.outbox.retry(item_id)
            return Changed(conversations=frozenset({conversation_id}), outbox=True)

        self.window_.bridge.write(again)


def install(window: MainWindow, engine: Engine) -> None:
    window.pane.add_action_widget(ReplyBox(window, engine))
