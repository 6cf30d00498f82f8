"""Presence in the window: "Sam is viewing" / "Sam is replying…" on the card and in the pane.

This window says what its member does (engine.team.set_presence) when the open
conversation changes and when the reply box gets its first character or is emptied; the
engine's heartbeat keeps the row alive, so a laptop that disappears drops out after
store.presence.PRESENCE_EXPIRY. Every REFRESH_MS the window reads the others' presence
(one small query on its read-only connection) and shows it in the pane's presence line
and on the cards (ConversationDelegate.presence).
"""

from __future__ import annotations

from PySide6.QtCore import QTimer

from inbox.core.errors import InboxError
from inbox.core.events import Changed
from inbox.engine import Engine, team
from inbox.store.presence import Presence
from inbox.ui import theme
from inbox.ui.delegate import ConversationDelegate
from inbox.ui.features.reply import ReplyBox
from inbox.ui.main_window import MainWindow

REFRESH_MS = 2000


def words(people: list[Presence]) -> str:
    """ "Sam is replying…", "Sam and Jordan are viewing" (replying first)."""
    parts = []
    for activity, verb in (("replying", "replying…"), ("viewing", "viewing")):
        names = sorted({p.member for p in people if p.activity == activity})
        if names:
            who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            parts.append(f"{who} {'is' if len(names) == 1 else 'are'} {verb}")
    return " · ".join(parts)


class PresenceView:
    """Tells the others what this member does; shows what the others do."""

    def __init__(self, window: MainWindow, engine: Engine) -> None:
        self.window = window
        self.engine = engine
        self.said: tuple[int, str] = (0, "")
        self.shown: dict[int, str] = {}
        self.reply_box = window.pane.findChild(ReplyBox)
        window.pane.presence_label.setStyleSheet(
            f"color: {theme.colours().unread}; font-weight: 600;"
        )
        window.pane.conversation_changed.connect(lambda _id: self.say())
        if self.reply_box is not None:
            self.reply_box.editor.textChanged.connect(self.say)
        window.bridge.changed.connect(self._on_changed)
        self.timer = QTimer(window)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    def say(self) -> None:
        """Tell the other laptops what this member does now (only when it changed)."""
        conversation = self.window.pane.conversation_id or 0
        typing = self.reply_box is not None and bool(self.reply_box.editor.toPlainText().strip())
        now = (conversation, "replying" if typing else "viewing")
        if now == self.said:
            return
        self.said = now
        self.window.bridge.run(
            lambda e: team.set_presence(e, now[0] or None, now[1]),
            lambda _r: None,
            lambda _exc: None,  # presence is best effort: a busy database is no error
        )

    def _on_changed(self, changed: Changed) -> None:
        """Who is at this keyboard changed (members.set_current): say it again, by the new
        name (the engine reads it from this laptop's settings)."""
        if changed.teams and changed.initiator != "remote":
            self.said = (-1, "")
            self.say()

    def refresh(self) -> None:
        if not self.window.isVisible() or not self.engine.running:
            return  # hidden in the tray, or the session is closing (its store goes first)
        try:
            others = self.window.store.presence.others(self.engine.holder)
        except InboxError:  # a busy or closed database: the next look will do
            return
        shown = {cid: words(people) for cid, people in others.items()}
        pane = self.window.pane
        text = shown.get(pane.conversation_id or 0, "")
        pane.presence_label.setText(text)
        pane.presence_label.setVisible(bool(text))
        self.shown = shown
        for column in self.window.deck.columns():  # columns come and go: each look
            delegate = column.list.itemDelegate()
            if isinstance(delegate, ConversationDelegate) and delegate.presence != shown:
                delegate.presence = shown
                column.list.viewport().update()


def install(window: MainWindow, engine: Engine) -> None:
    window.presence = PresenceView(window, engine)  # type: ignore[attr-defined]
