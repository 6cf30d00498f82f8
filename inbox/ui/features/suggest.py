"""Suggested answers beside the reply box, and "Write article from these".

When a conversation opens, store.suggest.suggest runs on the reader thread (the pane
never waits for it; a newer conversation cancels an older answer) and up to three
cards appear above the reply box (fewer rows each when the window is short, so the
reply box stays in sight): the earlier question, our answer (or the article's
summary and link), when, by whom, how often it was reused. Alt+1..3 or a click puts
the answer into the reply box with the placeholders filled for THIS customer
(core.suggest.fill: nothing of the earlier customer is left) and records the use with
the `suggestions.use` operation, so "reused N times" is a count of real uses.

Repeated questions: when setting suggest.article_after solved conversations in the
last suggest.article_days days were answered alike and no article covers them, the
status bar offers "Write article from these"; it opens the most typical of them and
starts the existing article path (Write article…: draft, redaction, publish).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from inbox.core import suggest as core
from inbox.core.clock import to_iso
from inbox.core.events import Changed
from inbox.engine import Engine
from inbox.store import Store
from inbox.store import suggest as store_suggest
from inbox.ui import fmt
from inbox.ui.features.reply import ReplyBox
from inbox.ui.main_window import MainWindow
from inbox.ui.reader import Ticket


def _cut(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + "…"


class SuggestionCard(QFrame):
    """One suggestion in three one-line rows (where from; the earlier question or the
    title; the answer for this customer), elided to the pane's width; the whole text is
    the tooltip. A click uses it."""

    clicked = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("suggestionCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.head = QLabel()
        self.head.setTextFormat(Qt.TextFormat.RichText)
        self.head.setObjectName("suggestionHead")
        self.question = QLabel()
        self.question.setObjectName("suggestionQuestion")
        self.question.setStyleSheet("font-style: italic;")
        self.answer = QLabel()
        self.answer.setObjectName("suggestionAnswer")
        self._texts = ("", "")
        self._short = ""
        self.lines = 3
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(1)
        for label in (self.head, self.question, self.answer):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            layout.addWidget(label)

    def set_rows(self, head: str, question: str, answer: str, tip: str, short: str = "") -> None:
        """short: the head in plain words ("Alt+1 · Sam · 3 d ago"), for the one-row form."""
        self.head.setText(head)
        self._texts = (" ".join(question.split()), " ".join(answer.split()))
        self._short = short
        self.setToolTip(tip)
        self.set_lines(self.lines)

    def set_lines(self, lines: int) -> None:
        """3: where from, the earlier question, the answer; 2: without the question (it stays
        in the tooltip); 1: one row, "Alt+1 · Sam · 3 d ago — the answer" (a short pane)."""
        self.lines = lines
        self.head.setVisible(lines >= 2)
        self.question.setVisible(lines >= 3 and bool(self._texts[0]))
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(self.width() - 20, 40)
        question, answer = self._texts
        if self.lines == 1 and self._short:
            answer = f"{self._short} — {answer}"
        for label, text in zip((self.question, self.answer), (question, answer), strict=True):
            label.setText(label.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, width))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)


class SuggestionPane(QWidget):
    """Up to three suggested answers for the open conversation, above the reply box."""

    used = Signal(int)  # the index used (0-based), after the reply box was filled

    def __init__(self, window: MainWindow, box: ReplyBox, now: Callable[[], datetime]) -> None:
        super().__init__()
        self.setObjectName("suggestions")
        self.now = now
        self.window_ = window
        self.box = box
        self.conversation_id = 0
        self.found = core.Suggestions()
        self.question = ""  # this customer's words (their order number fills {order.number})
        self._ticket: Ticket | None = None
        self.title = QLabel("<b>Suggested answers</b> (Alt+1 … Alt+3 or click to use)")
        self.title.setObjectName("suggestionsTitle")
        self.note = QLabel()
        self.note.setObjectName("suggestionsNote")
        self.note.setWordWrap(True)
        self.cards = [SuggestionCard() for _ in range(core.SHOWN)]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.note)
        for n, card in enumerate(self.cards):
            card.clicked.connect(lambda n=n: self.use(n))
            card.hide()
            layout.addWidget(card)
        window.pane.conversation_changed.connect(self.open)
        # The pane's actions area (reply box, suggestions, triage) scrolls: fit() keeps the
        # reply box in it when the window is short.
        self._fitting = False
        self._scroll = window.pane.findChild(QScrollArea, "paneActionsScroll")
        self._viewport = self._scroll.viewport() if self._scroll is not None else None
        if self._viewport is not None:
            self._viewport.installEventFilter(self)
        self.open(window.pane.conversation_id)

    @property
    def store(self) -> Store:
        return self.window_.store

    def open(self, conversation_id: int) -> None:
        if self._ticket is not None:
            self._ticket.cancel()  # an older conversation's answer must not land here
            self._ticket = None
        self.conversation_id = conversation_id
        self.found = core.Suggestions()
        for card in self.cards:
            card.hide()
        if not conversation_id:
            self.note.setText("")
            self.setVisible(False)
            return
        self.setVisible(True)
        self.note.setText("Looking for answers given before…")
        self.note.show()

        def ask(store: Store) -> tuple[core.Suggestions, str]:
            query = store_suggest.query_for(store, conversation_id)
            return store_suggest.suggest(store, conversation_id), query.text

        def failed(exc: BaseException) -> None:
            if self.conversation_id == conversation_id:
                self.note.setText(f"No suggestions: {exc}")

        self._ticket = self.window_.bridge.read(
            ask, lambda result: self.show_found(conversation_id, *result), failed
        )

    def show_found(self, conversation_id: int, found: core.Suggestions, question: str) -> None:
        if conversation_id != self.conversation_id:
            return
        self._ticket = None
        self.found = found
        self.question = question
        self.title.setVisible(True)
        self.note.setText(found.note)
        self.note.setVisible(bool(found.note))
        now = self.now()
        for n, card in enumerate(self.cards):
            if n >= len(found.items):
                card.hide()
                continue
            card.set_rows(*self.card_rows(n, found.items[n], now))
            card.show()
        # Settle the cards' heights now (the pane's scrolled part too), not on a later turn.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        self.fit()

    def fit(self) -> None:
        """Keep the whole reply box in sight: the cards drop the earlier question (then go to
        one row each) until the reply box fits in the pane's actions area unscrolled (a short
        window, or a split dragged down); the tooltip keeps everything."""
        scroll = self._scroll
        area = scroll.widget() if scroll is not None else None
        shown = [c for c in self.cards if not c.isHidden()]
        if scroll is None or area is None or not shown or self._fitting:
            return
        self._fitting = True
        try:
            room = scroll.viewport().height()
            for lines in (3, 2, 1):
                for card in self.cards:
                    card.set_lines(lines)
                self.title.setVisible(lines > 1)
                # Lay out now, inside out (posted layout requests would land a turn later).
                for widget in (*self.cards, self, area):
                    layout = widget.layout()
                    if layout is not None:
                        layout.activate()
                bottom = self.box.mapTo(area, QPoint(0, self.box.height())).y()
                if bottom <= room:
                    break
        finally:
            self._fitting = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self._viewport:
            QTimer.singleShot(0, self, self.fit)  # after the area has its new height
        return False

    def card_rows(
        self, n: int, s: core.Suggestion, now: datetime
    ) -> tuple[str, str, str, str, str]:
        """(head, question, answer, tooltip, the head in short plain words) of suggestion n."""
        c = s.candidate
        if c.source == core.CONVERSATION:
            origin = f"Answered by {c.by}"
        elif c.source == core.ARTICLE:
            origin = "Article"
        else:
            origin = c.by
        facts = [origin]
        if c.at is not None:
            template = c.source == core.TEMPLATE
            facts.append((fmt.relative_time if template else fmt.time_ago)(c.at, now))
        if c.uses:
            facts.append(f"reused {c.uses} time{'s' if c.uses != 1 else ''}")
        if s.alike > 1:
            facts.append(f"{s.alike} alike")
        head = (
            f"<b>Alt+{n + 1}</b> &nbsp;<span style='color:#868e96'>"
            f"{html.escape(' · '.join(facts))}</span>"
        )
        if c.source == core.CONVERSATION:
            question = f"“{c.question}”"
        else:
            question = c.title + (f" — {c.url}" if c.url else "")
        answer = self.filled(s)
        tip = (
            f"{' · '.join(facts)}\n{question}\n\n{answer}\n\n"
            f"Alt+{n + 1} or click: put this answer into the reply box"
        )
        who = c.by.removeprefix("@") if c.source == core.CONVERSATION else origin
        short = " · ".join([f"Alt+{n + 1}", who, *facts[1:]])
        return head, question, answer, tip, short

    def values(self) -> dict[str, str]:
        return core.values_for(self.question, self.box.values())

    def filled(self, s: core.Suggestion) -> str:
        return core.fill(s.text, self.values())

    def use(self, index: int) -> None:
        """Alt+N / click: fill the reply box for this customer and record the use."""
        if index >= len(self.found.items) or not self.conversation_id:
            return
        s = self.found.items[index]
        if not self.box.conversation_id:
            return
        self.box.editor.setPlainText(self.filled(s))
        self.box.editor.setFocus(Qt.FocusReason.ShortcutFocusReason)
        cursor = self.box.editor.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.box.editor.setTextCursor(cursor)
        conversation_id = self.conversation_id

        def counted(count: object) -> None:
            if conversation_id == self.conversation_id and index < len(self.found.items):
                item = self.found.items[index]
                if isinstance(count, int) and item.source_id == s.source_id:
                    self._set_uses(index, count)
            self.used.emit(index)

        self.window_.bridge.op(
            "suggestions.use",
            on_done=counted,
            conversation_id=conversation_id,
            source=s.source,
            source_id=s.source_id,
            rank=index + 1,
        )

    def _set_uses(self, index: int, count: int) -> None:
        from dataclasses import replace

        items = list(self.found.items)
        s = items[index]
        items[index] = replace(s, candidate=replace(s.candidate, uses=count))
        self.found = replace(self.found, items=tuple(items))
        self.cards[index].set_rows(*self.card_rows(index, items[index], self.now()))


class RepeatedOffer(QPushButton):
    """Status-bar offer: N conversations answered alike, no article yet → write one."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.setObjectName("repeatedOffer")
        self.window_ = window
        self.groups: list[core.Repeated] = []
        self.setFlat(True)
        self.hide()
        self.clicked.connect(self.write)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(2000)  # a burst of changes asks once
        self._timer.timeout.connect(self.check)
        window.bridge.changed.connect(self.on_changed)
        window.statusBar().addPermanentWidget(self)
        QTimer.singleShot(0, self.check)

    def on_changed(self, changed: Changed) -> None:
        if changed.conversations or changed.outbox:
            self._timer.start()

    def check(self) -> None:
        def ask(store: Store) -> list[core.Repeated]:
            at_least = int(store.setting("suggest.article_after"))
            if at_least <= 0:
                return []
            days = int(store.setting("suggest.article_days"))
            since = to_iso(store.clock.now() - timedelta(days=days))
            return store_suggest.repeated(store, at_least, since)

        self.window_.bridge.read(ask, self.show_groups, lambda _exc: None)

    def show_groups(self, groups: list[core.Repeated]) -> None:
        self.groups = groups
        if not groups:
            self.hide()
            return
        n = len(groups[0].conversation_ids)
        self.setText(f"{n} conversations answered alike: Write article from these")
        self.setToolTip(
            f"Asked {n} times: “{_cut(groups[0].question, 100)}”. No article covers it yet."
        )
        self.show()

    def write(self) -> None:
        """Open the most typical conversation and start the article path from it."""
        if not self.groups:
            return
        group = self.groups[0]
        self.window_.open_conversation(group.best)
        action = self.window_.bound().get("write_article")
        if action is not None and action.isEnabled():
            action.trigger()


def install(window: MainWindow, engine: Engine) -> None:
    box = window.findChild(ReplyBox)
    if box is None:  # the reply feature failed to install: nothing to fill
        return
    pane = SuggestionPane(window, box, engine.clock.now)
    window.pane.add_action_widget(pane, before=box)
    window.bind("use_suggestion", pane.use)
    offer = RepeatedOffer(window)
    window.bind("write_repeated_article", offer.write)
    window.suggestions = pane  # type: ignore[attr-defined]
    window.repeated_offer = offer  # type: ignore[attr-defined]
