"""The one reply box under the open conversation.

Text with "/" saved replies (filled from the conversation, unknown placeholders
refused), the network's live remaining count, visibility, content warning, send.
Send queues an outbox row through engine.replies.queue_reply with the draft's
idempotency key (a double click sends once); the engine's outbox worker
delivers it. A reply that failed shows the server's own message with Retry.

Signals:
    queued: the OutboxItem of a reply that was queued.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inbox.core import guidelines as core_guidelines
from inbox.core import moderation
from inbox.core import templates as core_templates
from inbox.core.errors import AnsweredMeanwhile
from inbox.core.events import Changed
from inbox.core.models import ConversationSummary
from inbox.core.templates import Template
from inbox.engine import Engine
from inbox.engine.moderation import KIND as MODERATE
from inbox.engine.replies import crowd_note, queue_reply
from inbox.networks import registry
from inbox.store import Store
from inbox.store.guidelines import HeldReply
from inbox.ui.composer import Highlighter
from inbox.ui.guidelines import GuidelineNote
from inbox.ui.main_window import MainWindow
from inbox.ui.pane import NO_CONVERSATION
from inbox.ui.template_picker import TemplatePicker

VISIBILITIES = (
    ("", "Same as the message"),
    ("public", "Public"),
    ("unlisted", "Quiet public"),
    ("private", "Followers only"),
    ("direct", "Private mention"),
)


class ReplyBox(QWidget):
    """Reply to the conversation the pane shows; "/" inserts a saved reply, Ctrl+Enter sends."""

    queued = Signal(object)

    def __init__(self, window: MainWindow, engine: Engine) -> None:
        super().__init__()
        self.setObjectName("replyBox")
        self.window_ = window
        self.engine = engine
        self.conversation_id = NO_CONVERSATION
        self.network = ""
        self.limits: dict[int, int] = {}  # account id -> the instance's max characters
        self.account_id = 0
        self.summary: ConversationSummary | None = None
        self._key = str(uuid.uuid4())  # the draft's idempotency key, new after each send
        # What this member had seen when the conversation opened (store.presence.Seen):
        # an answer by someone else after it makes Send ask first (the collision guard).
        self._seen: dict[str, int | str] | None = None
        self.collision_box: QMessageBox | None = None

        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText('Reply…  ("/" for a saved reply, Ctrl+Enter sends)')
        self.editor.setMaximumHeight(120)
        self.highlighter = Highlighter(self.editor.document(), "")
        self.picker = TemplatePicker(self.editor, self.templates, self.values)
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
        # A DM with more people than a reply mentions: say so before Send, in the words
        # `social-inbox reply` prints (engine.replies.crowd_note).
        self.crowd = QLabel()
        self.crowd.setObjectName("replyCrowd")
        self.crowd.setWordWrap(True)
        self.crowd.setTextFormat(Qt.TextFormat.PlainText)
        self.crowd.hide()
        self.visibility.currentIndexChanged.connect(lambda _i: self.update_crowd())
        self.retry_button = QPushButton("Retry")
        self.retry_button.clicked.connect(self.retry)
        self._failed_id = 0
        self.rules: list[core_guidelines.Guideline] = []  # the conversation's team's
        self.guideline_note = GuidelineNote()

        row = QHBoxLayout()
        row.addWidget(self.visibility)
        row.addWidget(self.cw, 1)
        row.addStretch()  # keeps count and Send on the right when the CW field is hidden
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
        layout.addWidget(self.crowd)
        layout.addWidget(self.guideline_note)
        self._show_problem("", 0)

        self.editor.installEventFilter(self)  # Ctrl+Enter sends
        self.editor.textChanged.connect(self.update_count)
        self.cw.textChanged.connect(self.update_count)
        window.pane.conversation_changed.connect(self.open)
        window.pane.retry_requested.connect(self.retry_item)
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

    # -- what the saved replies see -------------------------------------------------------

    def templates(self) -> list[Template]:
        return self.store.templates.all(team_id=None)

    def values(self) -> dict[str, str]:
        s = self.summary
        today = self.engine.clock.now().astimezone().date()
        me = self.store.teams.current()
        agent = me.name if me is not None else ""
        if s is None:
            return core_templates.context(agent_name=agent, today=today)
        ticket = self.store.connectors.ticket_fields(s.id)  # empty until pushed to a desk
        return core_templates.context(
            author_name=s.contact_name,
            author_handle=s.contact_handle,
            agent_name=agent,
            ticket_id=ticket.get("ticket.id"),
            ticket_url=ticket.get("ticket.url"),
            account_handle=s.account_handle,
            today=today,
        )

    # -- state ---------------------------------------------------------------------------

    def open(self, conversation_id: int) -> None:
        summary = self.store.conversations.get(conversation_id) if conversation_id else None
        if conversation_id != self.conversation_id:
            self.editor.clear()
            self._key = str(uuid.uuid4())
            self._seen = self._mark(conversation_id) if summary is not None else None
        self.conversation_id = conversation_id
        self.summary = summary
        self.rules = self.store.guidelines.for_conversation(conversation_id) if summary else []
        if summary is not None:
            self.highlighter.network = summary.network
            self.highlighter.rehighlight()
        # Visibility and content warnings only where the network has them.
        caps = registry.find(summary.network) if summary is not None else None
        visibility = caps is not None and bool(caps.visibilities)
        cw = caps is not None and caps.content_warning
        self.visibility.setVisible(visibility)
        self.cw.setVisible(cw)
        if not visibility:
            self.visibility.setCurrentIndex(0)
        if not cw:
            self.cw.clear()
        self.setEnabled(summary is not None)
        self.network = summary.network if summary else ""
        self.account_id = summary.account_id if summary else 0
        if summary is not None and summary.account_id not in self.limits:
            self._ask_limit(summary.account_id)
        self.update_count()
        self.update_crowd()
        self.refresh_outbox()

    def update_crowd(self) -> None:
        """The crowded-DM notice for the open conversation and the chosen visibility."""
        note = ""
        if self.summary is not None:
            visibility = str(self.visibility.currentData() or "")
            note = crowd_note(self.store, self.conversation_id, visibility)
        self.crowd.setText(note)
        self.crowd.setVisible(bool(note))

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
        count = registry.count(
            self.network, body, limit=self.limits.get(self.account_id), spoiler=self.cw.text()
        )
        if count is None:  # a network without a length rule
            self.counter.setText("")
            over = False
        else:
            # Over a byte limit with characters to spare (Bluesky: 3000 bytes): say so.
            left = str(count.remaining)
            if count.bytes_over and count.remaining >= 0:
                left = f"{count.byte_limit - count.byte_length} bytes"
            self.counter.setText(left)
            self.counter.setToolTip(
                f"{count.byte_length} of {count.byte_limit} bytes" if count.byte_limit else ""
            )
            self.counter.setProperty("over", count.over)
            self.counter.setStyleSheet("color: #e03131;" if count.over else "")
            over = count.over
        breaches = core_guidelines.check(body, self.rules)
        self.guideline_note.show_breaches(breaches)
        held = core_guidelines.holds(breaches)
        self.send_button.setText("Send for approval" if held else "Send")
        left = core_templates.unfilled(body)
        if left:
            self._show_problem(left, 0)
        elif self.problem.text().startswith("Fill in"):
            self.refresh_outbox()
        self.send_button.setEnabled(bool(body.strip()) and not over and not left)

    def _mark(self, conversation_id: int) -> dict[str, int | str]:
        return self.store.presence.seen(conversation_id).to_json()

    def send(self) -> None:
        self._send(force=False)

    def _send(self, *, force: bool) -> None:
        body = self.editor.toPlainText().strip()
        if not body or not self.send_button.isEnabled() or not self.conversation_id:
            return
        conversation_id, key = self.conversation_id, f"reply-{self._key}"
        visibility = str(self.visibility.currentData() or "")
        spoiler = self.cw.text()
        seen = self._seen if self._seen is not None else self._mark(conversation_id)

        def done(item: object) -> None:
            if self.conversation_id == conversation_id:
                self.editor.clear()
                self.cw.clear()
                self._seen = self._mark(conversation_id)  # our own reply is not news
            self._key = str(uuid.uuid4())
            self.queued.emit(item)
            if isinstance(item, HeldReply) and self.conversation_id == conversation_id:
                self.refresh_outbox()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, AnsweredMeanwhile) and self.conversation_id == conversation_id:
                self._ask_collision(str(exc), conversation_id)
                return
            self._show_problem(str(exc), 0)

        self.window_.bridge.run(
            lambda e: queue_reply(
                e,
                conversation_id,
                body,
                key,
                visibility=visibility,
                spoiler_text=spoiler,
                seen=seen,
                force=force,
            ),
            done,
            failed,
        )

    def _ask_collision(self, words: str, conversation_id: int) -> None:
        """Someone else answered since the conversation was opened: send anyway?"""
        box = QMessageBox(self.window())
        box.setObjectName("collisionBox")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Answered meanwhile")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(f"{words}.")
        box.setInformativeText("Send your reply anyway? Cancel keeps your draft.")
        send = box.addButton("Send anyway", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)

        def answered() -> None:
            self.collision_box = None
            if self.conversation_id != conversation_id:
                return
            if box.clickedButton() is send:
                self._send(force=True)
            else:  # the draft stays; what they were told is no longer news
                self._seen = self._mark(conversation_id)
                self.editor.setFocus()

        box.finished.connect(answered)
        self.collision_box = box
        box.open()

    def on_changed(self, changed: Changed) -> None:
        if changed.teams and self.conversation_id:  # the guidelines were edited
            self.rules = self.store.guidelines.for_conversation(self.conversation_id)
            self.update_count()
        if (changed.outbox or changed.posts) and self.conversation_id:
            self.refresh_outbox()  # posts: a held reply was approved or sent back

    def refresh_outbox(self) -> None:
        """Show the newest unsent reply's state: queued, or failed with the server's message."""
        if not self.conversation_id:
            self._show_problem("", 0)
            return
        rows = [r for r in self.store.outbox.for_conversation(self.conversation_id)]
        # A moderation action (block, report…) is not a reply: only its failure is said here.
        actions = [r for r in rows if r.kind == MODERATE]
        rows = [r for r in rows if r.kind != MODERATE]
        pending = [r for r in rows if r.status in ("queued", "sending", "failed")]
        held = self.store.held_replies.waiting_for(self.conversation_id)
        if not pending and actions and actions[-1].status == "failed":
            last = actions[-1]
            what = moderation.LABELS.get(str(last.payload.get("action")), "Moderation")
            who = str(last.payload.get("handle", ""))
            self._show_problem(
                f"⚠ {what} @{who} did not go through: {last.last_error} "
                f"(`social-inbox outbox retry {last.id}` tries again)",
                0,
            )
            return
        if not pending and held:
            self._show_problem(
                f"Held for approval ({len(held)}): it breaks the team's guidelines; an "
                "approver sends it from Publishing → Approval queue.",
                0,
            )
            return
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
        if self._failed_id:
            self.retry_item(self._failed_id)

    def retry_item(self, item_id: int) -> None:
        self.window_.bridge.op(
            "replies.retry",
            on_done=lambda _changed: None,
            on_error=lambda exc: self._show_problem(str(exc), 0),
            outbox_id=item_id,
        )

    def focus_reply(self) -> None:
        """`r`: open the selected conversation if none is open, then type the reply."""
        if not self.conversation_id:
            self.window_.deck.open_current()
        if self.conversation_id:
            self.editor.setFocus(Qt.FocusReason.ShortcutFocusReason)


def install(window: MainWindow, engine: Engine) -> None:
    registry.warm_up()  # X's and Mastodon's URL rules compile off the GUI thread
    box = ReplyBox(window, engine)
    window.pane.add_action_widget(box)
    window.bind("reply", box.focus_reply)
    window.bind("send_reply", box.send)
