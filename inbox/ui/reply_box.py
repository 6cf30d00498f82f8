"""The reply box under a conversation: "/" templates, the network's remaining count, send.

Signals:
    queued: the OutboxItem of a reply that was queued.
"""

from __future__ import annotations

import uuid
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from inbox.core import templates as core_templates
from inbox.core import text as core_text
from inbox.core.models import ConversationSummary
from inbox.core.templates import Template
from inbox.engine.replies import queue_reply
from inbox.store import Store
from inbox.ui.bridge import EngineBridge
from inbox.ui.composer import Highlighter
from inbox.ui.pane import ConversationPane
from inbox.ui.template_picker import TemplatePicker, unresolved


class ReplyBox(QWidget):
    """Write a reply to the shown conversation; type "/" for a saved reply."""

    queued = Signal(object)

    def __init__(
        self, store: Store, bridge: EngineBridge, today: date, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.bridge = bridge
        self.today = today
        self.summary: ConversationSummary | None = None
        self._key = str(uuid.uuid4())
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText('Reply… (type "/" for a saved reply)')
        self.editor.setMaximumHeight(120)
        self.highlighter = Highlighter(self.editor.document(), "mastodon")
        self.picker = TemplatePicker(self.editor, self.templates, self.values)
        self.remaining = QLabel()
        self.remaining.setMinimumWidth(48)
        self.remaining.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.problem = QLabel()
        self.problem.setObjectName("replyProblem")
        self.problem.setWordWrap(True)
        self.send_button = QPushButton("Send")
        self.send_button.clicked.connect(self.send)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.editor)
        row = QHBoxLayout()
        row.addWidget(self.problem, 1)
        row.addWidget(self.remaining)
        row.addWidget(self.send_button)
        layout.addLayout(row)
        self.editor.textChanged.connect(self.refresh)
        self.set_conversation(None)

    # -- what the templates see ----------------------------------------------------------

    def templates(self) -> list[Template]:
        return self.store.templates.all(team_id=None)

    def values(self) -> dict[str, str]:
        s = self.summary
        member = self.store.setting("publishing.member_id")
        agent = ""
        if member is not None:
            rows = self.store.query("SELECT name FROM members WHERE id = ?", (member,))
            agent = rows[0][0] if rows else ""
        if s is None:
            return core_templates.context(agent_name=agent, today=self.today)
        return core_templates.context(
            author_name=s.contact_name,
            author_handle=s.contact_handle,
            agent_name=agent,
            account_handle=s.account_handle,
            today=self.today,
        )

    # -- state ---------------------------------------------------------------------------

    def set_conversation(self, summary: ConversationSummary | None) -> None:
        if summary is None or self.summary is None or summary.id != self.summary.id:
            self.editor.clear()
            self._key = str(uuid.uuid4())
        self.summary = summary
        if summary is not None:
            self.highlighter.network = summary.network
            self.highlighter.rehighlight()
        self.setEnabled(summary is not None)
        self.refresh()

    def refresh(self) -> None:
        text = self.editor.toPlainText()
        network = self.summary.network if self.summary is not None else ""
        left = unresolved(text)
        over = False
        if network in core_text.DEFAULT_LIMITS:
            count = core_text.count(network, text)
            over = count.over
            colour = "#c62828" if over else "#2e7d32"
            self.remaining.setText(f"<b style='color:{colour}'>{count.remaining}</b>")
        else:
            self.remaining.setText("")
        if left:
            names = ", ".join("{" + n + "}" for n in left)
            self.problem.setText(f"Fill in {names}: placeholders are never sent.")
        else:
            self.problem.setText("")
        self.send_button.setEnabled(bool(text.strip()) and not left and not over)

    def send(self) -> None:
        if self.summary is None or not self.send_button.isEnabled():
            return
        conversation_id = self.summary.id
        text = self.editor.toPlainText()
        key = self._key

        def done(item: object) -> None:
            self.editor.clear()
            self._key = str(uuid.uuid4())
            self.queued.emit(item)

        def failed(exc: BaseException) -> None:
            self.problem.setText(str(exc))

        self.bridge.run(
            lambda e: queue_reply(e, conversation_id, text, f"reply-{key}"), done, failed
        )


def attach(pane: ConversationPane, box: ReplyBox) -> None:
    """Put the box under the pane's thread and keep it on the shown conversation."""
    pane.add_action_widget(box)
    pane.conversation_changed.connect(lambda _cid: box.set_conversation(pane.summary))
