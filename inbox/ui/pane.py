"""The conversation pane: author card, the whole thread as safe HTML, and an actions area."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inbox.core import spoof
from inbox.core.events import Changed
from inbox.core.html import sanitize
from inbox.core.models import ConversationSummary, Kind, Note
from inbox.store import Store
from inbox.store.queries import MessageRow
from inbox.ui import fmt, theme
from inbox.ui.delegate import paint_avatar
from inbox.ui.safe_browser import SafeBrowser

if TYPE_CHECKING:
    from inbox.store.outbox import OutboxItem  # the outbox and leases load with the engine

NO_CONVERSATION = 0


class Avatar(QWidget):
    """The initials avatar, as the deck paints it."""

    def __init__(self, size: int = 44, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._name = ""
        self._handle = ""
        self.setFixedSize(QSize(size, size))

    def set_person(self, name: str, handle: str) -> None:
        self._name, self._handle = name, handle
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        paint_avatar(painter, QRect(0, 0, self.width(), self.height()), self._name, self._handle)


NOTE_BG, NOTE_EDGE = "#fff4c2", "#e6b800"


def note_html(note: Note, now: datetime) -> str:
    """An internal note in the thread: yellow, marked as never sent."""
    when = html.escape(
        f"{fmt.relative_time(note.at, now)} · {note.at.astimezone():%a %d %b, %H:%M}"
    )
    text = html.escape(note.text).replace("\n", "<br>")
    return (
        f"<table width='100%' cellspacing='0' cellpadding='10' style='margin-bottom:10px' "
        f"bgcolor='{NOTE_BG}'><tr><td style='border-left:4px solid {NOTE_EDGE}; color:#3d3000'>"
        f"<b>🔒 Internal note</b> · {html.escape(note.author_name or 'You')} · {when} "
        f"<i>(never sent)</i><div style='margin-top:4px'>{text}</div></td></tr></table>"
    )


FAILED = "#c92a2a"


def unsent_html(item: OutboxItem) -> str:
    """A reply not delivered yet, at the end of the thread: "sending…" or "failed — retry"."""
    c = theme.colours()
    who = html.escape(str(item.payload.get("actor") or "You"))
    text = html.escape(str(item.payload.get("text", ""))).replace("\n", "<br>")
    if item.status == "failed":
        state = (
            f"<span style='color:{FAILED}'><b>⚠ failed</b> — "
            f"<a href='retry:{item.id}'>retry</a></span>"
            f"<div style='color:{FAILED}'>{html.escape(item.last_error)}</div>"
        )
    elif item.last_error:  # a transient error: the outbox tries again by itself
        state = (
            f"<span style='color:{c.muted}'>sending… (will try again: "
            f"{html.escape(item.last_error)})</span>"
        )
    else:
        state = f"<span style='color:{c.muted}'>sending…</span>"
    return (
        f"<table width='100%' cellspacing='0' cellpadding='10' style='margin-bottom:10px' "
        f"bgcolor='{c.outbound}'><tr><td><b>{who} <span style='color:{c.accent}'>(us)</span></b> "
        f"{state}<div style='margin-top:4px'>{text}</div></td></tr></table>"
    )


def thread_html(
    summary: ConversationSummary,
    messages: list[MessageRow],
    now: datetime,
    notes: Sequence[Note] = (),
    unsent: Sequence[OutboxItem] = (),
) -> str:
    """The thread as one HTML document; every message body goes through sanitize().

    Internal notes are interleaved by time, in their own style. Replies not
    delivered yet (unsent outbox rows) close the thread: "sending…", or
    "failed — retry" with the network's words.
    """
    c = theme.colours()
    parts = []
    pending = sorted(notes, key=lambda n: (n.at, n.id))
    for m in messages:
        while pending and pending[0].at <= m.created_at:
            parts.append(note_html(pending.pop(0), now))
        out = m.direction == "out"
        who = html.escape(
            spoof.cap(m.author_name or m.author_handle or summary.account_handle, spoof.MAX_NAME)
        )
        raw_handle = m.author_handle or summary.account_handle
        handle = html.escape(spoof.visible(raw_handle))
        if spoof.handle_warning(raw_handle):
            handle = f"<span style='color:{c.urgent}'>⚠ {handle}</span>"
        if out:
            who = f"{who} <span style='color:{c.accent}'>(us)</span>"
        local = m.created_at.astimezone()  # the reader's own time zone
        when = html.escape(f"{fmt.relative_time(m.created_at, now)} · {local:%a %d %b %Y, %H:%M}")
        if m.html and len(m.text) <= spoof.MAX_BODY:
            body = sanitize(m.html)
        else:  # plain text, and a huge body shown capped (the stored message stays whole)
            body = html.escape(spoof.cap_body(m.text)).replace("\n", "<br>")
        if m.spoiler_text:
            body = f"<p><b>CW: {html.escape(m.spoiler_text)}</b></p>{body}"
        for media in m.media:
            # Attachments are listed, never loaded: the user opens them by clicking.
            label = html.escape(media.get("description") or media.get("kind", "attachment"))
            url = html.escape(media.get("url", ""), quote=True)
            if url.startswith(("http://", "https://")):
                body += f"<p>📎 <a href='{url}'>{label}</a></p>"
            else:
                body += f"<p>📎 {label}</p>"
        link = ""
        if m.url.startswith(("http://", "https://")):
            label = "sent ↗" if out else "open"
            link = f" · <a href='{html.escape(m.url, quote=True)}'>{label}</a>"
        elif out:
            link = " · sent"
        bg = c.outbound if out else c.card
        parts.append(
            f"<table width='100%' cellspacing='0' cellpadding='10' "
            f"style='margin-bottom:10px' bgcolor='{bg}'><tr><td>"
            f"<b>{who}</b> <span style='color:{c.muted}'>@{handle} · {when}{link}</span>"
            f"<div style='margin-top:4px'>{body}</div></td></tr></table>"
        )
    parts.extend(note_html(n, now) for n in pending)
    parts.extend(unsent_html(item) for item in unsent)
    if not parts:
        parts.append(f"<p style='color:{c.muted}'>No messages stored for this conversation.</p>")
    return "".join(parts)


MARK_STYLE = "background-color:#ffe066; color:#1f2328"


def highlight(document: str, words: Sequence[str]) -> str:
    """Wrap each word's occurrences (any case, as a word start) in the text of an HTML
    document, never inside a tag or an entity."""
    terms = [re.escape(w) for w in words if w.strip()]
    if not terms:
        return document
    pattern = re.compile(r"(?<![\w&#])(" + "|".join(terms) + r")", re.IGNORECASE)
    parts = re.split(r"(<[^>]*>)", document)
    for n, part in enumerate(parts):
        if part.startswith("<"):
            continue
        parts[n] = pattern.sub(lambda m: f"<span style='{MARK_STYLE}'>{m.group(1)}</span>", part)
    return "".join(parts)


class ConversationPane(QFrame):
    """Shows one conversation. Other features add their controls through its extension points.

    Extension points:
        conversation_changed(int): the shown conversation's id; 0 when the pane is cleared.
        add_action(QAction): a button on the pane's toolbar (assign, push to desk, ...).
        add_action_widget(QWidget): a widget below the thread (the reply box, ...).
        conversation_id / summary: what is shown now.

    Signals:
        conversation_changed(int): see above.
        closed: the user closed the pane (Esc or ✕).
    """

    conversation_changed = Signal(int)
    retry_requested = Signal(int)  # the outbox id of a failed reply whose "retry" was clicked
    closed = Signal()

    def __init__(
        self, store: Store, now: Callable[[], datetime], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._now = now
        self.conversation_id = NO_CONVERSATION
        self.summary: ConversationSummary | None = None
        self.highlight_words: tuple[str, ...] = ()  # the search's words, marked in the thread
        self.setObjectName("conversationPane")
        self.setMinimumWidth(380)

        # Author card.
        self.avatar = Avatar()
        self.name_label = QLabel()
        self.name_label.setObjectName("authorName")
        self.handle_label = QLabel()
        self.handle_label.setObjectName("authorHandle")
        self.handle_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.meta_label = QLabel()
        self.meta_label.setObjectName("authorMeta")
        self.meta_label.setWordWrap(True)  # long handles must wrap, not push the pane wider
        # "Sam is replying…": the other laptops' members on this conversation (features/team)
        self.presence_label = QLabel()
        self.presence_label.setObjectName("presence")
        self.presence_label.setTextFormat(Qt.TextFormat.PlainText)
        self.presence_label.hide()
        self.profile_link = QLabel()
        self.profile_link.setOpenExternalLinks(False)
        self.profile_link.linkActivated.connect(self._open_profile)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Close (Esc)")
        close.clicked.connect(self.clear)
        names = QVBoxLayout()
        names.setSpacing(2)
        names.addWidget(self.name_label)
        names.addWidget(self.handle_label)
        names.addWidget(self.meta_label)
        names.addWidget(self.presence_label)
        card = QWidget()
        card.setObjectName("authorCard")
        cl = QHBoxLayout(card)
        cl.setContentsMargins(16, 14, 10, 14)
        cl.setSpacing(12)
        cl.addWidget(self.avatar, 0, Qt.AlignmentFlag.AlignTop)
        cl.addLayout(names, 1)
        cl.addWidget(self.profile_link, 0, Qt.AlignmentFlag.AlignTop)
        cl.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)

        self.toolbar = QToolBar("Conversation actions")
        self.toolbar.setObjectName("paneToolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.hide()  # shown once another feature adds an action

        self.browser = SafeBrowser()
        self.browser.setObjectName("thread")
        self.browser.setFrameShape(QFrame.Shape.NoFrame)
        self.browser.anchorClicked.connect(self._internal_link)

        self.actions_area = QWidget()
        self.actions_area.setObjectName("paneActions")
        self._actions_layout = QVBoxLayout(self.actions_area)
        self._actions_layout.setContentsMargins(12, 8, 12, 12)
        # Many features add widgets here: they scroll rather than squeeze the thread, and a
        # splitter lets the reader trade thread height for actions height.
        self._actions_scroll = QScrollArea()
        self._actions_scroll.setObjectName("paneActionsScroll")
        self._actions_scroll.setWidgetResizable(True)
        self._actions_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._actions_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._actions_scroll.setWidget(self.actions_area)
        self._actions_scroll.hide()
        self.thread_split = QSplitter(Qt.Orientation.Vertical)
        self.thread_split.setObjectName("threadSplit")
        self.thread_split.setChildrenCollapsible(False)
        self.thread_split.addWidget(self.browser)
        self.thread_split.addWidget(self._actions_scroll)
        self.thread_split.setStretchFactor(0, 3)
        self.thread_split.setStretchFactor(1, 2)
        # The split follows what is shown (fit_split) until the reader drags it.
        self.split_dragged = False
        self.thread_split.splitterMoved.connect(self._dragged)
        # Suggestions arriving, a notice showing: the actions' height changed, fit again.
        self.actions_area.installEventFilter(self)

        shown = QWidget()
        sl = QVBoxLayout(shown)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.setSpacing(0)
        sl.addWidget(card)
        sl.addWidget(self.toolbar)
        sl.addWidget(self.thread_split, 1)

        self.empty = QLabel(
            "<p style='font-size:15px'><b>No conversation open</b></p>"
            "<p>Move with <b>j</b> / <b>k</b>, open with <b>Enter</b>,<br>"
            "jump to a column with <b>1</b>–<b>9</b>, search with <b>/</b>.</p>"
        )
        self.empty.setObjectName("paneEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(shown)
        self._shown = shown
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

    # -- extension points ---------------------------------------------------------

    def add_action(self, action: QAction) -> None:
        """Add a button to the pane's toolbar; it acts on self.conversation_id."""
        self.toolbar.addAction(action)
        self.toolbar.show()

    def add_action_widget(self, widget: QWidget, before: QWidget | None = None) -> None:
        """Add a widget below the thread (reply box, assignment, ...); `before` another one
        already added puts it just above that one (suggested answers above the reply box)."""
        index = self._actions_layout.indexOf(before) if before is not None else -1
        if index >= 0:
            self._actions_layout.insertWidget(index, widget)
        else:
            self._actions_layout.addWidget(widget)
        if self._actions_scroll.isHidden():
            self._actions_scroll.show()
            self.thread_split.setSizes([550, 450])  # proportions: the splitter scales them
        self.fit_split()

    def fit_split(self) -> None:
        """Share the height between the thread and the actions below it by what each holds:
        a short thread leaves the reply box and the note box in sight on a short window, a
        long one takes up to 55 % and scrolls. Once the reader drags the split, theirs stays."""
        if self.split_dragged or self._actions_scroll.isHidden():
            return
        total = sum(self.thread_split.sizes())
        if total <= 0:
            return
        doc = self.browser.document()
        doc.setTextWidth(max(1, self.browser.viewport().width()))
        thread = int(doc.size().height()) + 2 * self.browser.frameWidth() + 8
        actions = self.actions_area.sizeHint().height()
        if thread + actions <= total:
            thread = total - actions  # room for both: the thread takes what is spare
        else:
            thread = max(min(120, total * 3 // 10), min(thread, total * 55 // 100))
        if self.thread_split.sizes() != [thread, total - thread]:
            self.thread_split.setSizes([thread, total - thread])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.actions_area and event.type() == QEvent.Type.LayoutRequest:
            QTimer.singleShot(0, self.fit_split)
        return super().eventFilter(watched, event)

    def _dragged(self, _pos: int, _index: int) -> None:
        self.split_dragged = True

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_split()

    def set_highlight(self, words: Sequence[str]) -> None:
        """Mark these words (the open search's) in the thread; () marks nothing."""
        words = tuple(w for w in words if w)
        if words != self.highlight_words:
            self.highlight_words = words
            if self.summary is not None:
                self._render(self.summary, keep_scroll=True)

    def reveal(self, widget: QWidget) -> None:
        """Scroll the actions area so widget (a note box, the reply box) is in sight."""
        self._actions_scroll.ensureWidgetVisible(widget)

    # -- showing ------------------------------------------------------------------

    def show_conversation(self, conversation_id: int) -> bool:
        """Load and show a conversation; False when it no longer exists."""
        summary = self.store.conversations.get(conversation_id)
        if summary is None:
            self.clear()
            return False
        changed = conversation_id != self.conversation_id
        self.conversation_id = conversation_id
        self.summary = summary
        self._render(summary, keep_scroll=not changed)
        self.stack.setCurrentWidget(self._shown)
        if changed:
            self.conversation_changed.emit(conversation_id)
        return True

    def clear(self) -> None:
        was = self.conversation_id
        self.conversation_id = NO_CONVERSATION
        self.summary = None
        self.browser.clear()
        self.stack.setCurrentWidget(self.empty)
        if was != NO_CONVERSATION:
            self.conversation_changed.emit(NO_CONVERSATION)
            self.closed.emit()

    def on_changed(self, changed: Changed) -> None:
        if self.conversation_id in changed.conversations:
            self.show_conversation(self.conversation_id)

    def _render(self, s: ConversationSummary, keep_scroll: bool) -> None:
        c = theme.colours()
        self.avatar.set_person(s.contact_name, s.contact_handle)
        self.name_label.setText(spoof.cap(s.contact_name or s.contact_handle, spoof.MAX_NAME))
        warning = spoof.handle_warning(s.contact_handle)
        shown = f"@{spoof.visible(s.contact_handle)}"
        self.handle_label.setText(f"⚠ {shown}" if warning else shown)
        self.handle_label.setToolTip(warning)
        self.handle_label.setStyleSheet(f"color: {c.urgent}" if warning else "")
        bits = [warning] if warning else []
        found = s.kind is Kind.MONITORING  # a search found it: not addressed to us
        bits += [
            f"{fmt.network_label(s.network)} · "
            + (
                f"found by a search (via @{s.account_handle}), nobody asked you"
                if found
                else f"to @{s.account_handle}"
            ),
            s.kind.value,
            s.status.value,
            f"priority {s.priority}",
        ]
        if s.assignee_name:
            bits.append(f"assigned to {s.assignee_name}")
        if s.blocked or s.muted:  # what our account did to them (the card's pill, in words)
            bits.append(f"{'blocked' if s.blocked else 'muted'} by @{s.account_handle}")
        self.meta_label.setText(" · ".join(bits))
        target = self.store.conversations.reply_target(s.id)
        profile = target.author.profile_url if target else ""
        if profile.startswith(("http://", "https://")):
            self.profile_link.setText(
                f"<a href='{html.escape(profile, quote=True)}' "
                f"style='color:{c.accent}'>Profile ↗</a>"
            )
            self.profile_link.show()
        else:
            self.profile_link.hide()
        scroll = self.browser.verticalScrollBar()
        keep = scroll.value() if keep_scroll else 0
        notes = self.store.triage.notes(s.id)
        unsent = [
            r
            for r in self.store.outbox.for_conversation(s.id)
            if r.kind == "reply" and r.status in ("queued", "sending", "failed")
        ]
        self.browser.setHtml(
            highlight(
                thread_html(s, self.store.conversations.messages(s.id), self._now(), notes, unsent),
                self.highlight_words,
            )
        )
        scroll.setValue(keep)
        if not keep_scroll:
            self.fit_split()

    def _internal_link(self, url: QUrl) -> None:
        """retry:<outbox id> under a failed reply (SafeBrowser ignores the scheme)."""
        if url.scheme() == "retry" and url.path().isdigit():
            self.retry_requested.emit(int(url.path()))

    def _open_profile(self, link: str) -> None:
        url = QUrl(link)
        if url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)
