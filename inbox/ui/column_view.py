"""One deck column: a header (name, unread count, menu), the list, and its empty state."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import QModelIndex, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCursor, QFocusEvent, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inbox.core.models import Column
from inbox.ui.column_model import ID_ROLE, ColumnModel
from inbox.ui.delegate import ConversationDelegate

# Like TweetDeck: each column is narrow, medium or wide (persisted per column); a column
# may grow by up to GROW when the deck has room, so a few columns fill the window.
WIDTHS = {"narrow": 290, "medium": 360, "wide": 480}
COLUMN_WIDTH = WIDTHS["medium"]
GROW = 2.0


# While changes land, the deck's repaint (every column, one turn of the event loop) spends
# at most this long drawing cards that are not cached yet; the others keep their previous
# card (or the background) for a turn or two and are drawn on the next turns. On a busy
# machine each millisecond the window's thread works costs several of lateness.
CARD_BUDGET_S = 0.004
LIVE_S = 2.0  # a column's repaints within this long after a change landed are budgeted


class _Turn:
    """The card-drawing budget of one turn of the event loop, shared by every column."""

    deadline: float | None = None
    drawn = 0

    @classmethod
    def may_draw(cls) -> bool:
        """True (and counted) when one more card may be drawn in this turn: at least one
        per turn, so the deck always catches up."""
        now = time.perf_counter()
        if cls.deadline is None:
            cls.deadline = now + CARD_BUDGET_S
            QTimer.singleShot(0, cls._next_turn)
        if cls.drawn and now >= cls.deadline:
            return False
        cls.drawn += 1
        return True

    @classmethod
    def _next_turn(cls) -> None:
        cls.deadline, cls.drawn = None, 0


class ColumnList(QListView):
    """The list of a column; tells the deck when it takes focus.

    Signals:
        focused: this list got keyboard focus.
    """

    focused = Signal()
    behind = False  # the last repaint left cards to draw on a later turn

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.focused.emit()

    def paintEvent(self, event: QPaintEvent) -> None:
        """Copy the visible cards in one call from Qt into Python.

        QListView's own paintEvent calls the delegate once per visible row, and each call
        from Qt into Python waits for the interpreter lock; while a sync keeps the engine
        thread busy, a repaint of 8 columns so waited ~70 times. Here a column's repaint is
        one wait. Rows, selection and hover are the view's own; the cards are the
        delegate's cached pixmaps. While changes land, cards not drawn yet are drawn
        within the turn's budget (_Turn), the rest on the next turns.
        """
        delegate = self.itemDelegate()
        model = self.model()
        if not isinstance(delegate, ConversationDelegate) or not isinstance(model, ColumnModel):
            super().paintEvent(event)
            return
        viewport = self.viewport()
        first = self.indexAt(QPoint(0, 0))
        if not first.isValid():
            return
        area = event.rect()
        pal, font = self.palette(), self.font()
        selection = self.selectionModel()
        hover = QModelIndex()
        if viewport.underMouse():
            hover = self.indexAt(viewport.mapFromGlobal(QCursor.pos()))
        cards = []
        rect = self.visualRect(first)
        row = first.row()
        while rect.top() < viewport.height():
            summary = model.summary(row)
            if summary is None:
                break
            if rect.intersects(area):
                index = model.index(row, 0)
                cards.append((rect, summary, selection.isSelected(index), index == hover))
            row += 1
            rect = rect.translated(0, rect.height())
        # A grab (screenshots) is drawn whole; so is a column no change landed in lately
        # (its first page, scrolling): only live updates are spread over turns.
        live = time.monotonic() - model.changed_at < LIVE_S
        grab = isinstance(viewport.redirected(QPoint()), QPixmap)
        painter = QPainter(viewport)
        later = delegate.paint_cards(
            painter, pal, font, cards, _Turn.may_draw if live and not grab else None
        )
        painter.end()
        self.behind = bool(later)
        if later:  # drawn on the next turn (each of those is a turn of its own again)
            area = QRect(later[0])
            for rect in later[1:]:
                area = area.united(rect)
            QTimer.singleShot(0, viewport, lambda: viewport.update(area))


class ColumnView(QFrame):
    """A column of the deck. column_id is None for a temporary column (search).

    Signals:
        opened(int): the user opened a conversation (Enter, double-click).
        focused: the column's list got focus.
        edit_requested / rename_requested / remove_requested: header menu choices.
        move_requested(int): -1 left, +1 right.
    """

    opened = Signal(int)
    focused = Signal()
    edit_requested = Signal()
    rename_requested = Signal()
    remove_requested = Signal()
    move_requested = Signal(int)
    width_requested = Signal(str)

    def __init__(
        self,
        model: ColumnModel,
        name: str,
        now: Callable[[], datetime],
        column_id: int | None = None,
        empty_text: str = "Nothing here. All caught up.",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.column_id = column_id
        self.model = model
        self.setObjectName("deckColumn")
        self.width_name = "medium"
        self.set_width("medium")
        self.setFrameShape(QFrame.Shape.StyledPanel)

        self.title = QLabel(name)
        self.title.setObjectName("columnTitle")
        self.count = QLabel()
        self.count.setObjectName("columnCount")
        self.menu_button = QToolButton()
        self.menu_button.setObjectName("columnMenu")
        self.menu_button.setText("⋯")
        self.menu_button.setAutoRaise(True)
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_button.setToolTip("Column menu")
        self.menu = QMenu(self)
        if column_id is None:
            close = QAction("Close", self)
            close.triggered.connect(self.remove_requested)
            self.menu.addAction(close)
            self.menu_button.setText("✕")
            self.menu_button.setToolTip("Close (Esc)")
            self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.DelayedPopup)
            self.menu_button.clicked.connect(self.remove_requested)
        else:
            for text, signal in (
                ("Edit filter…", self.edit_requested),
                ("Rename…", self.rename_requested),
            ):
                act = QAction(text, self)
                act.triggered.connect(signal)
                self.menu.addAction(act)
            self.menu.addSeparator()
            left = QAction("Move left", self)
            left.triggered.connect(lambda: self.move_requested.emit(-1))
            right = QAction("Move right", self)
            right.triggered.connect(lambda: self.move_requested.emit(1))
            self.menu.addActions([left, right])
            widths = self.menu.addMenu("Width")
            self.width_actions: dict[str, QAction] = {}
            for name in WIDTHS:
                act = QAction(name.capitalize(), self)
                act.setCheckable(True)
                act.triggered.connect(lambda _c=False, n=name: self.width_requested.emit(n))
                widths.addAction(act)
                self.width_actions[name] = act
            self.menu.addSeparator()
            remove = QAction("Remove column", self)
            remove.triggered.connect(self.remove_requested)
            self.menu.addAction(remove)
            self.menu_button.setMenu(self.menu)

        header = QWidget()
        header.setObjectName("columnHeader")
        hl = QHBoxLayout(header)
        hl.setContentsMargins(14, 8, 6, 8)
        hl.setSpacing(8)
        hl.addWidget(self.title, 1)
        hl.addWidget(self.count)
        hl.addWidget(self.menu_button)

        self.list = ColumnList()
        self.list.setObjectName("columnList")
        self.list.setModel(model)
        self.list.setItemDelegate(ConversationDelegate(now, self.list))
        self.list.setUniformItemSizes(True)  # fixed row height: cheap scrolling
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.setMouseTracking(True)
        self.list.setAccessibleName(name)
        self.list.activated.connect(self._activated)
        # A click opens, as in every mail client; j/k only move, so passing rows stay unread.
        self.list.clicked.connect(self._clicked)
        self.list.focused.connect(self.focused)
        # Scrolled back up: rows far below the view are let go (bounded memory).
        self.list.verticalScrollBar().valueChanged.connect(self._release_far_rows)

        self._empty_text = empty_text
        self.empty = QLabel("Loading…")
        self.empty.setObjectName("columnEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.list)
        self.stack.addWidget(self.empty)

        # A search column says what it listens for and where its last fetch stands.
        self.search_id: int | None = None
        self.source = QLabel()
        self.source.setObjectName("columnSource")
        self.source.setWordWrap(True)
        self.source.setContentsMargins(14, 0, 8, 6)
        self.source.setTextFormat(Qt.TextFormat.PlainText)
        self.source.setVisible(False)
        self.fetch_state = QLabel()
        self.fetch_state.setObjectName("columnFetchState")
        self.fetch_state.setWordWrap(True)
        self.fetch_state.setContentsMargins(14, 0, 8, 6)
        self.fetch_state.setTextFormat(Qt.TextFormat.PlainText)
        self.fetch_state.setVisible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(self.source)
        layout.addWidget(self.fetch_state)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setObjectName("columnRule")
        layout.addWidget(line)
        layout.addWidget(self.stack, 1)

        model.counts_changed.connect(self._update_counts)
        model.modelReset.connect(self._update_counts)
        model.rowsInserted.connect(self._update_counts)
        model.rowsRemoved.connect(self._update_counts)
        self._update_counts()

    @property
    def name(self) -> str:
        return self.title.text()

    def set_name(self, name: str) -> None:
        self.title.setText(name)
        self.list.setAccessibleName(name)

    def set_highlight(self, words: Sequence[str]) -> None:
        """Mark a search's words in this column's snippets."""
        delegate = self.list.itemDelegate()
        if isinstance(delegate, ConversationDelegate):
            delegate.set_highlight(words)
            self.list.viewport().update()

    def apply(self, column: Column) -> None:
        """Take a stored column's name and filter (after an edit or a restart)."""
        self.set_name(column.name)
        self.model.set_filter(column.filter)

    def set_source(self, source: str, state: str = "", error: bool = False) -> None:
        """Under the name: what a search column listens for, and its fetch state in words
        ("fetching…", "fetched 5m ago", "⚠ X: your X plan does not include search").
        An empty source hides both (an ordinary column)."""
        self.source.setText(source)
        self.source.setVisible(bool(source))
        self.fetch_state.setText(f"⚠ {state}" if error and state else state)
        self.fetch_state.setVisible(bool(source) and bool(state))
        self.fetch_state.setEnabled(error)  # muted unless something is wrong
        self.source.setEnabled(False)  # muted text colour
        self.setToolTip(f"{source}\n{state}" if source else "")

    def set_width(self, name: str) -> None:
        """narrow / medium / wide: the column's least width; it may grow by GROW."""
        name = name if name in WIDTHS else "medium"
        self.width_name = name
        self.setMinimumWidth(WIDTHS[name])
        self.setMaximumWidth(int(WIDTHS[name] * GROW))
        for key, act in getattr(self, "width_actions", {}).items():
            act.setChecked(key == name)

    @property
    def is_empty(self) -> bool:
        return self.model.rowCount() == 0 and self.model.exhausted

    def _release_far_rows(self) -> None:
        bottom = self.list.indexAt(self.list.viewport().rect().bottomLeft())
        if bottom.isValid():
            self.model.release_after(bottom.row())

    def _update_counts(self) -> None:
        unread = self.model.unread
        self.count.setText(f"{unread} unread" if unread else "")
        self.count.setVisible(bool(unread))
        if not self.model.loaded:
            self.empty.setText("Loading…")
            self.stack.setCurrentWidget(self.empty)
        elif self.is_empty:
            self.empty.setText(self._empty_text)
            self.stack.setCurrentWidget(self.empty)
        else:
            self.stack.setCurrentWidget(self.list)

    def _clicked(self, index: QModelIndex) -> None:
        # Ctrl/Shift-click extends a selection (bulk triage): that is not "open this one".
        if QApplication.keyboardModifiers() == Qt.KeyboardModifier.NoModifier:
            self._activated(index)

    def _activated(self, index: QModelIndex) -> None:
        cid = index.data(ID_ROLE)
        if cid is not None:
            self.opened.emit(int(cid))

    # -- keyboard ---------------------------------------------------------------

    def focus_list(self) -> None:
        self.list.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if not self.list.currentIndex().isValid() and self.model.rowCount():
            self.list.setCurrentIndex(self.model.index(0))

    def step(self, delta: int) -> None:
        """Move the current row by delta (j/k), loading the next page at the end."""
        rows = self.model.rowCount()
        current = self.list.currentIndex()
        row = current.row() + delta if current.isValid() else 0
        if row >= rows and self.model.canFetchMore():
            self.model.fetchMore()
            rows = self.model.rowCount()
        if rows == 0:
            return
        row = max(0, min(rows - 1, row))
        index = self.model.index(row)
        self.list.setCurrentIndex(index)
        self.list.scrollTo(index)

    def current_id(self) -> int | None:
        index = self.list.currentIndex()
        cid = index.data(ID_ROLE) if index.isValid() else None
        return int(cid) if cid is not None else None
