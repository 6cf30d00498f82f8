"""Desk and knowledge-base actions on the conversation pane, and File → Connectors…."""

from __future__ import annotations

import html
from types import ModuleType

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from inbox.core.article import draft_article
from inbox.core.events import Changed
from inbox.core.handoff import Article, Transcript
from inbox.core.models import Status
from inbox.engine import Engine
from inbox.engine import ops as engine_ops
from inbox.store.outbox import OutboxItem
from inbox.ui.main_window import MainWindow


def _ops() -> ModuleType:
    """inbox.engine.connectors, loaded on first use (it pulls httpx: ~1 s of imports the
    window's first paint does not need)."""
    from inbox.engine import connectors

    return connectors


def install(window: MainWindow, engine: Engine) -> None:
    DeskActions(window)


class DeskActions:
    """Push to desk, Write article, and the refs / pending pushes of the shown conversation."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.bridge = window.bridge
        self.store = window.store
        window.bind("connectors", self.open_settings)
        # The same QActions as the Conversation menu's: one shortcut, one enabled state.
        self.push_action = window.bind("push_desk", self.push)
        self.push_action.setToolTip("Create a ticket from this conversation (once)")
        self.article_action = window.bind("write_article", self.write_article)
        window.pane.add_action(self.push_action)
        window.pane.add_action(self.article_action)
        self.status = QLabel()
        self.status.setObjectName("deskStatus")
        self.status.setWordWrap(True)
        self.status.setOpenExternalLinks(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.status.linkActivated.connect(self._link)
        self.status.hide()  # an empty label would leave a gap above the pane's actions
        window.pane.add_action_widget(self.status)
        window.pane.conversation_changed.connect(lambda _cid: self.refresh())
        window.pane.conversation_changed.connect(lambda _cid: self._article_allowed())
        self.bridge.changed.connect(self._on_changed)
        self.dialog: QDialog | None = None
        self.refresh()

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    # -- settings -------------------------------------------------------------------

    def open_settings(self) -> None:
        from inbox.ui.connector_forms import ConnectorsDialog

        self.dialog = ConnectorsDialog(self.store, self.bridge, self.window)
        self.dialog.open()

    # -- status ---------------------------------------------------------------------

    def _on_changed(self, changed: Changed) -> None:
        if changed.outbox or self.window.pane.conversation_id in changed.conversations:
            self.refresh()
            self._article_allowed()

    def _article_allowed(self) -> None:
        """Articles come from solved cases: the button waits for the conversation to be resolved."""
        summary = self.window.pane.summary
        resolved = summary is not None and summary.status is Status.RESOLVED
        self.article_action.setEnabled(resolved)
        self.article_action.setToolTip(
            "Draft a knowledge-base article from this solved conversation"
            if resolved
            else "Resolve the conversation first: articles are written from solved cases"
        )

    def refresh(self) -> None:
        """Links to tickets and articles, and any push still pending or failed, with its error."""
        cid = self.window.pane.conversation_id
        if cid <= 0:
            self._say("")
            return
        lines = []
        for ref in self.store.connectors.refs(cid):
            what = "Ticket" if ref.kind.value == "ticket" else "Article"
            target = f'<a href="{html.escape(ref.url)}">{html.escape(ref.remote_id)}</a>'
            lines.append(
                f"{what} in {html.escape(ref.connector)}: {target if ref.url else ref.remote_id}"
            )
        for item in self.store.outbox.for_conversation(cid):
            if item.kind not in _ops().KINDS or item.status in {"done", "cancelled"}:
                continue
            lines.append(_pending_line(item))
        self._say("<br>".join(lines))

    def _link(self, link: str) -> None:
        if link.startswith("retry:"):
            item_id = int(link.partition(":")[2])
            self.bridge.op("outbox.retry", item_id=item_id)
            self.bridge.run(_ops().deliver_now)

    # -- push -----------------------------------------------------------------------

    def _connectors(self, tickets: bool) -> list[str]:
        from inbox.connectors import base

        kinds = base.load_all()
        return [
            row.name
            for row in self.store.connectors.all()
            if row.kind in kinds
            and (kinds[row.kind].tickets if tickets else kinds[row.kind].articles)
        ]

    def _choose(self, names: list[str], what: str) -> str:
        if not names:
            self._say(f"No {what} yet: add one in File → Connectors….")
            return ""
        if len(names) == 1:
            return names[0]
        name, ok = QInputDialog.getItem(self.window, "Choose", f"Which {what}?", names, 0, False)
        return name if ok else ""

    def push(self, connector: str = "") -> None:
        cid = self.window.pane.conversation_id
        name = connector or self._choose(self._connectors(tickets=True), "service desk")
        if cid <= 0 or not name:
            return

        async def run(engine: Engine) -> None:
            engine_ops.run(engine, "connectors.push", conversation_id=cid, connector=name)
            await _ops().deliver_now(engine)

        self._say(f"Pushing to {html.escape(name)}…")
        self.bridge.run(run, on_done=lambda _r: self.refresh())

    # -- article --------------------------------------------------------------------

    def write_article(self, connector: str = "") -> None:
        cid = self.window.pane.conversation_id
        names = self._connectors(tickets=False)
        if cid <= 0 or not names:
            self._choose(names, "knowledge base")
            return
        self.bridge.run(
            lambda e: e.store.connectors.transcript(cid),
            on_done=lambda t: self._open_editor(t, names, connector),
        )

    def _open_editor(self, transcript: Transcript, names: list[str], connector: str) -> None:
        editor = ArticleEditor(transcript, names, self.window)
        if connector:
            editor.connector.setCurrentText(connector)
        editor.accepted.connect(
            lambda: self._publish(editor.article(), editor.connector.currentText())
        )
        self.dialog = editor
        editor.open()

    def _publish(self, article: Article, name: str) -> None:
        async def run(engine: Engine) -> None:
            ops = _ops()
            args = ops.article_args(article)
            engine_ops.run(engine, "connectors.article", article=args, connector=name)
            await ops.deliver_now(engine)

        self._say(f"Publishing to {html.escape(name)}…")
        self.bridge.run(run, on_done=lambda _r: self.refresh())


def _pending_line(item: OutboxItem) -> str:
    what = {"push": "Ticket", "append": "Follow-up", "article": "Article"}[item.kind]
    error = f": {html.escape(item.last_error)}" if item.last_error else ""
    if item.status == "failed":
        retry = f'<a href="retry:{item.id}">Retry</a>'
        return f"<b>{what} for {html.escape(item.target)} failed</b>{error} {retry}"
    return f"{what} for {html.escape(item.target)} queued (attempt {item.attempts}){error}"


class ArticleEditor(QDialog):
    """A knowledge-base article pre-filled from the thread; personal data removed by default."""

    def __init__(
        self, transcript: Transcript, connectors: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.transcript = transcript
        self.setWindowTitle("Write knowledge-base article")
        self.resize(640, 560)
        self.connector = QComboBox()
        self.connector.setObjectName("connector")
        self.connector.addItems(connectors)
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("title")
        self.target = QLineEdit()
        self.target.setObjectName("target")
        self.target.setPlaceholderText("the connector's default space / section")
        self.labels = QLineEdit()
        self.labels.setObjectName("labels")
        self.redact = QCheckBox("Remove personal data (handles, names, profile links)")
        self.redact.setObjectName("redact")
        self.redact.setChecked(True)
        self.show_removed = QCheckBox("Show what was removed")
        self.show_removed.setObjectName("showRemoved")
        self.removed = QLabel()
        self.removed.setObjectName("removed")
        self.removed.setWordWrap(True)
        self.removed.hide()
        self.question = QPlainTextEdit()
        self.question.setObjectName("question")
        self.answer = QPlainTextEdit()
        self.answer.setObjectName("answer")
        form = QFormLayout()
        form.addRow("Publish to", self.connector)
        form.addRow("Title", self.title_edit)
        form.addRow("Space / section", self.target)
        form.addRow("Labels", self.labels)
        form.addRow(self.redact)
        form.addRow(self.show_removed)
        form.addRow(self.removed)
        form.addRow("Question", self.question)
        form.addRow("Answer", self.answer)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Publish")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.redact.toggled.connect(lambda _on: self.fill())
        self.show_removed.toggled.connect(self.removed.setVisible)
        self._draft: Article | None = None
        self.fill()

    def fill(self) -> None:
        """(Re)draft from the thread: the toggle decides whether personal data stays."""
        draft = draft_article(self.transcript, redact_personal=self.redact.isChecked())
        previous = self._draft
        if previous is None or self.title_edit.text() == previous.title:
            self.title_edit.setText(draft.title)
        if previous is None:
            self.labels.setText(", ".join(draft.labels))
        self.question.setPlainText(draft.question)
        self.answer.setPlainText(draft.answer)
        removed = ", ".join(draft.removed) or "nothing"
        self.removed.setText(f"Removed: {html.escape(removed)}")
        self._draft = draft

    def article(self) -> Article:
        assert self._draft is not None
        labels = tuple(x.strip() for x in self.labels.text().split(",") if x.strip())
        return Article(
            marker=self._draft.marker,
            conversation_id=self._draft.conversation_id,
            title=self.title_edit.text().strip() or self._draft.title,
            question=self.question.toPlainText(),
            answer=self.answer.toPlainText(),
            labels=labels,
            target=self.target.text().strip(),
            source=self._draft.source,
            removed=self._draft.removed,
        )
