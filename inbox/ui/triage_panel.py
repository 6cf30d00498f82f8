"""Below the thread: the suggested template, the triage history, the internal-note box."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QLineEdit, QTextBrowser, QVBoxLayout, QWidget

from inbox.core import history as words
from inbox.core.events import Changed
from inbox.store import Store, reading
from inbox.ui.bridge import EngineBridge


def history_html(store: Store, conversation_id: int) -> str:
    """The audit history in words ("Alex replied"), as small grey lines."""
    history = store.triage.history(conversation_id)
    if not history:
        return "<div style='color:#6b7280'><small>No history yet.</small></div>"
    members = {m.id: m.name for m in store.teams.members()}
    teams = {t.id: t.name for t in store.teams.list_teams()}
    entries = [(h.at, h.actor, h.action, h.detail) for h in history]
    parts = ["<div><b>History</b></div>"]
    for at, line in words.lines(entries, members, teams):
        parts.append(
            f"<div style='color:#6b7280'><small>{at.astimezone():%d %b %H:%M} · "
            f"{html.escape(line)}</small></div>"
        )
    return "".join(parts)


class TriagePanel(QWidget):
    """History of the open conversation and the box to add a note (shown in the thread)."""

    def __init__(
        self,
        store: Store,
        bridge: EngineBridge,
        current: Callable[[], int],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("triagePanel")
        self._store = store
        self._bridge = bridge
        self._current = current
        self.view = QTextBrowser()
        self.view.setObjectName("historyView")
        self.view.setOpenLinks(False)
        self.view.setMaximumHeight(140)
        self.template = QLabel()
        self.template.setObjectName("suggestedTemplate")
        self.note_box = QLineEdit()
        self.note_box.setObjectName("noteBox")
        self.note_box.setPlaceholderText("Add an internal note (never sent)…  Enter to save")
        self.note_box.returnPressed.connect(self.add_note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.template)
        layout.addWidget(self.note_box)  # above the history: never scrolled out of a short pane
        layout.addWidget(self.view)
        bridge.changed.connect(self.on_changed)

    def show_for(self, conversation_id: int) -> None:
        if not conversation_id:
            self.view.clear()
            self.template.clear()
            return
        self.view.setHtml(history_html(self._store, conversation_id))
        template = reading.suggested_template(self._store, conversation_id)
        self.template.setText(
            f"Suggested template: <b>{html.escape(template)}</b>" if template else ""
        )
        self.template.setVisible(bool(template))

    def on_changed(self, changed: Changed) -> None:
        cid = self._current()
        if cid and cid in changed.conversations:
            self.show_for(cid)

    def add_note(self) -> None:
        text = self.note_box.text().strip()
        cid = self._current()
        if not text or not cid:
            return
        self.note_box.clear()
        self._bridge.op("conversations.add_note", conversation_id=cid, text=text)
