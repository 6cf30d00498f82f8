"""The approval queue: posts awaiting approval; approve (optionally edited) or reject with a reason.

Missed posts wait here too, for a publish / skip decision, and replies held because they
break one of the team's guidelines (the replies.approve_held / reject_held operations).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inbox.core.events import Changed
from inbox.core.posts import Post, PostState
from inbox.core.schedule import utc_to_local
from inbox.store import Store
from inbox.store.guidelines import HeldReply
from inbox.ui.bridge import EngineBridge

POST_ID = Qt.ItemDataRole.UserRole
HELD_ID = Qt.ItemDataRole.UserRole + 1  # a held reply's id (rows without a post)


APPROVALS_EMPTY = (
    "Nothing waits for approval. Posts a contributor submits, and posts or replies that "
    "break one of the team's guidelines, land here for an approver "
    "(Publishing → Publishing settings… sets who needs approval); a post whose time "
    "passed while the app was closed also waits here for you to publish or skip it."
)


class ApprovalQueue(QDialog):
    """Lists posts awaiting approval or a missed-time decision."""

    def __init__(
        self,
        store: Store,
        bridge: EngineBridge,
        member_id: int | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Approval queue")
        self.resize(720, 480)
        self.store = store
        self.bridge = bridge
        self.member_id = member_id
        layout = QVBoxLayout(self)
        self.list = QListWidget()
        self.list.setObjectName("approvalList")
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setSpacing(2)
        self.list.currentRowChanged.connect(self._selected)
        self.editor = QPlainTextEdit()
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.approve_button = QPushButton("Approve")
        self.reject_button = QPushButton("Reject…")
        self.publish_button = QPushButton("Publish now")
        self.skip_button = QPushButton("Skip")
        self.approve_button.clicked.connect(self.approve)
        self.reject_button.clicked.connect(self._ask_reject)
        self.publish_button.clicked.connect(lambda: self.resolve("publish"))
        self.skip_button.clicked.connect(lambda: self.resolve("skip"))
        buttons = QHBoxLayout()
        for b in (self.approve_button, self.reject_button, self.publish_button, self.skip_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.empty = QLabel(APPROVALS_EMPTY)
        self.empty.setObjectName("approvalsEmpty")
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.info)
        layout.addWidget(self.editor, 1)
        layout.addLayout(buttons)
        bridge.changed.connect(self.on_changed)
        self.reload()

    def reload(self) -> None:
        current = self.current()
        held_now = self.current_held()
        self.list.clear()
        for post in self.store.posts.find([PostState.AWAITING_APPROVAL, PostState.MISSED]):
            when = "now"
            if post.scheduled_at is not None:
                local = utc_to_local(post.scheduled_at, post.zone)
                when = local.strftime("%a %d %b %Y, %H:%M %Z")
            label = "Missed its time" if post.state is PostState.MISSED else "Needs approval"
            first = post.text.splitlines()[0] if post.text else ""
            to = ", ".join(f"@{t.handle}" for t in self.store.posts.targets(post.id))
            item = QListWidgetItem(
                f"{label} · {when} · by {self._author(post)}\nto {to}: {first[:80]}"
            )
            item.setToolTip(post.text)
            item.setData(POST_ID, post.id)
            self.list.addItem(item)
            if current is not None and current.id == post.id:
                self.list.setCurrentItem(item)
        for held in self.store.held_replies.waiting():
            first = held.text.splitlines()[0] if held.text else ""
            who = self._conversation(held.conversation_id)
            item = QListWidgetItem(f"Reply held · by {held.author} · to {who}\n{first[:80]}")
            item.setToolTip(held.text)
            item.setData(HELD_ID, held.id)
            self.list.addItem(item)
            if held_now is not None and held_now.id == held.id:
                self.list.setCurrentItem(item)
        if self.list.currentRow() < 0 and self.list.count():
            self.list.setCurrentRow(0)
        self.empty.setVisible(self.list.count() == 0)
        self._selected(self.list.currentRow())

    def _author(self, post: Post) -> str:
        if post.author_id is None:
            return "local"
        try:
            return self.store.teams.member(post.author_id).name
        except KeyError:
            return f"member {post.author_id}"

    def _conversation(self, conversation_id: int) -> str:
        summary = self.store.conversations.get(conversation_id)
        return f"@{summary.contact_handle.lstrip('@')}" if summary else f"#{conversation_id}"

    def current(self) -> Post | None:
        item = self.list.currentItem()
        if item is None or item.data(POST_ID) is None:
            return None
        return self.store.posts.get(int(item.data(POST_ID)))

    def current_held(self) -> HeldReply | None:
        item = self.list.currentItem()
        if item is None or item.data(HELD_ID) is None:
            return None
        return self.store.held_replies.get(int(item.data(HELD_ID)))

    def _selected(self, _row: int) -> None:
        held = self.current_held()
        if held is not None:
            self.editor.setPlainText(held.text)
            for b in (self.approve_button, self.reject_button):
                b.setEnabled(True)
            self.publish_button.setEnabled(False)
            self.skip_button.setEnabled(False)
            self.info.setText(
                f"Reply to {self._conversation(held.conversation_id)}:\n{held.reasons}"
            )
            return
        post = self.current()
        self.editor.setPlainText(post.text if post else "")
        waiting = post is not None and post.state is PostState.AWAITING_APPROVAL
        missed = post is not None and post.state is PostState.MISSED
        self.approve_button.setEnabled(waiting)
        self.reject_button.setEnabled(waiting)
        self.publish_button.setEnabled(missed)
        self.skip_button.setEnabled(missed)
        self.info.setText(post.note if post is not None else "Nothing is waiting.")

    def approve(self) -> None:
        held = self.current_held()
        if held is not None:
            edited_reply = self.editor.toPlainText()
            changed = edited_reply if edited_reply != held.text else None
            self.bridge.op(
                "replies.approve_held",
                held_id=held.id,
                member_id=self.member_id,
                edited_text=changed,
            )
            return
        post = self.current()
        if post is None:
            return
        edited = self.editor.toPlainText()
        text = edited if edited != post.text else None
        member = self.member_id
        self.bridge.op("posts.approve", post_id=post.id, member_id=member, edited_text=text)

    def reject_post(self, comment: str) -> None:
        held = self.current_held()
        if held is not None:
            self.bridge.op(
                "replies.reject_held", held_id=held.id, member_id=self.member_id, comment=comment
            )
            return
        post = self.current()
        if post is None:
            return
        member = self.member_id
        self.bridge.op("posts.reject", post_id=post.id, member_id=member, comment=comment)

    def _ask_reject(self) -> None:
        comment, ok = QInputDialog.getMultiLineText(
            self, "Reject post", "Why? (the author sees this)"
        )
        if ok and comment.strip():
            self.reject_post(comment)

    def resolve(self, action: str) -> None:
        post = self.current()
        if post is not None:
            self.bridge.op("posts.resolve_missed", post_id=post.id, action=action)

    def on_changed(self, changed: Changed) -> None:
        if changed.posts or changed.outbox:
            self.reload()
