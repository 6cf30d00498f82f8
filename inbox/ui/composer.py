"""The post composer: accounts, per-network variants and counters, highlighting, media, time.

Signals:
    saved: the Post as stored after an autosave or a submit.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QDateTime, QStringListModel, Qt, QTimer, QTimeZone, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QKeyEvent,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QDialog,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inbox.core import guidelines as core_guidelines
from inbox.core import preview
from inbox.core import templates as core_templates
from inbox.core import text as core_text
from inbox.core.errors import ConfigError
from inbox.core.events import Changed
from inbox.core.models import Account
from inbox.core.posts import Post, PostMedia, PostState, Target, post_to_data, problems
from inbox.core.schedule import local_to_utc, utc_to_local
from inbox.core.schedule import zone as find_zone
from inbox.engine import Engine
from inbox.networks import registry
from inbox.store import Store, reading
from inbox.ui.bridge import EngineBridge
from inbox.ui.guidelines import GuidelineNote
from inbox.ui.post_preview import PreviewPane
from inbox.ui.template_picker import TemplatePicker, unresolved

AUTOSAVE_MS = 800
COLOURS = {"mention": "#1d6fd6", "hashtag": "#7b3fc4", "link": "#0f7b5f"}
ZONES = (
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
)


class Highlighter(QSyntaxHighlighter):
    """Colours mentions, hashtags and links the way the chosen network finds them."""

    def __init__(self, document: QTextDocument, network: str) -> None:
        super().__init__(document)
        self.network = network

    def highlightBlock(self, text: str) -> None:
        for span in registry.spans(self.network, text):
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(COLOURS[span.kind]))
            if span.kind == "link":
                fmt.setFontUnderline(True)
            self.setFormat(span.start, span.end - span.start, fmt)


class PostEditor(QPlainTextEdit):
    """A text box with @ completion from known contacts and media drops."""

    files_dropped = Signal(list)

    def __init__(self, network: str, handles: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.highlighter = Highlighter(self.document(), network)
        self.completer = QCompleter(QStringListModel(handles, self), self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setWidget(self)
        self.completer.activated.connect(self.insert_completion)
        self.setAcceptDrops(True)

    def insert_completion(self, handle: str) -> None:
        cursor = self.textCursor()
        found = core_text.mention_at(self.toPlainText(), cursor.position())
        if found is None:
            return
        start, _prefix = found
        cursor.setPosition(start)
        cursor.setPosition(self.textCursor().position(), QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(f"@{handle} ")
        self.setTextCursor(cursor)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        popup = self.completer.popup()
        assert popup is not None  # QCompleter always has one
        if popup.isVisible() and event.key() in (
            Qt.Key.Key_Enter,
            Qt.Key.Key_Return,
            Qt.Key.Key_Escape,
            Qt.Key.Key_Tab,
        ):
            event.ignore()
            return
        super().keyPressEvent(event)
        found = core_text.mention_at(self.toPlainText(), self.textCursor().position())
        if found is None or not found[1]:
            popup.hide()
            return
        self.completer.setCompletionPrefix(found[1])
        if self.completer.completionCount():
            rect = self.cursorRect()
            rect.setWidth(220)
            self.completer.complete(rect)
        else:
            popup.hide()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        if event.mimeData().hasUrls():
            paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
            self.files_dropped.emit(paths)
            event.acceptProposedAction()
        else:
            super().dropEvent(event)


class Composer(QDialog):
    """Write, check and submit a post; every change is autosaved as a draft."""

    saved = Signal(object)

    def __init__(
        self,
        store: Store,
        bridge: EngineBridge,
        post: Post | None = None,
        member_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("New post" if post is None or not post.id else f"Post {post.id}")
        self.resize(760, 760)
        self.store = store
        self.bridge = bridge
        self.member_id = member_id
        self.post = post or Post("")
        # This window's client key for the post it makes: autosaves and the submit all
        # name the same post, even before the first save's id has come back.
        self._key = "" if self.post.id else uuid.uuid4().hex
        self._accounts: list[Account] = store.accounts()
        self._limits = {
            t.account_id: t for t in store.posts.send_targets([a.id for a in self._accounts])
        }
        self._dirty = False
        handles = reading.known_handles(store)

        layout = QVBoxLayout(self)
        self.account_list = QListWidget()
        self.account_list.setMaximumHeight(110)
        for account in self._accounts:
            item = QListWidgetItem(f"{account.handle}  ·  {account.network}")
            item.setData(Qt.ItemDataRole.UserRole, account.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = account.id in self.post.account_ids
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.account_list.addItem(item)
        layout.addWidget(QLabel("Accounts"))
        layout.addWidget(self.account_list)

        self.tabs = QTabWidget()
        self.editors: dict[str, PostEditor] = {}
        networks = registry.known()
        # The shared text is highlighted the first network's way; each variant its own.
        self.main_editor = self._editor(networks[0].name if networks else "", handles)
        self.main_editor.setPlainText(self.post.text)
        self.template_picker = TemplatePicker(
            self.main_editor,
            store.templates.all,
            lambda: core_templates.context(today=date.today()),
        )
        self.tabs.addTab(self.main_editor, "All networks")
        for caps in networks:
            editor = self._editor(caps.name, handles)
            editor.setPlaceholderText(f"Leave empty to send the shared text to {caps.label}.")
            editor.setPlainText(self.post.variants.get(caps.name, ""))
            self.editors[caps.name] = editor
            self.tabs.addTab(editor, f"{caps.label} variant")
        layout.addWidget(self.tabs, 1)

        self.counters = QLabel()
        self.counters.setObjectName("counters")
        self.counters.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.counters)

        self.preview_box = QGroupBox("Preview")
        self.preview_box.setCheckable(True)  # unticked: folded away, nothing is drawn
        self.preview_box.setChecked(True)
        self.preview = PreviewPane()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.preview)
        scroll.setMinimumHeight(120)
        box_layout = QVBoxLayout(self.preview_box)
        box_layout.setContentsMargins(4, 4, 4, 4)
        box_layout.addWidget(scroll)
        self.preview_box.toggled.connect(scroll.setVisible)
        self.preview_box.toggled.connect(lambda _on: self.refresh())
        layout.addWidget(self.preview_box, 1)

        media_row = QHBoxLayout()
        self.media_list = QListWidget()
        self.media_list.setMaximumHeight(80)
        self.media_list.currentRowChanged.connect(self._media_selected)
        for m in self.post.media:
            self._add_media_item(m.path, m.alt)
        self.alt_edit = QLineEdit()
        self.alt_edit.setPlaceholderText("Alt text for the selected image (required)")
        self.alt_edit.textEdited.connect(self._alt_edited)
        attach = QPushButton("Attach image…")
        attach.clicked.connect(self._pick_files)
        media_col = QVBoxLayout()
        media_col.addWidget(self.alt_edit)
        media_col.addWidget(attach)
        media_row.addWidget(self.media_list, 1)
        media_row.addLayout(media_col, 1)
        layout.addLayout(media_row)

        when_row = QHBoxLayout()
        self.schedule_box = QCheckBox("Schedule for")
        self.when = QDateTimeEdit()
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.zone = QComboBox()
        self.zone.setEditable(True)
        self.zone.addItems(sorted({*ZONES, system_zone()}))
        # A new post is planned in this computer's zone; a stored one keeps its own.
        # (A new post for a calendar slot keeps the calendar's zone.)
        planned = self.post.id or self.post.scheduled_at is not None
        self.zone.setCurrentText(self.post.zone if planned else system_zone())
        if self.post.scheduled_at is not None:
            local = utc_to_local(self.post.scheduled_at, self.post.zone).replace(tzinfo=None)
            self.when.setDateTime(_qdatetime(local))
            self.schedule_box.setChecked(True)
        else:
            self.when.setDateTime(QDateTime.currentDateTime().addSecs(3600))
        schedulers = ", ".join(c.label for c in networks if c.server_scheduling)
        self.network_scheduler = QCheckBox(f"Let the network schedule it ({schedulers})")
        self.network_scheduler.setChecked(self.post.use_network_scheduler)
        when_row.addWidget(self.schedule_box)
        when_row.addWidget(self.when)
        when_row.addWidget(self.zone)
        when_row.addWidget(self.network_scheduler)
        when_row.addStretch(1)
        layout.addLayout(when_row)

        self.problems_label = QLabel()
        self.problems_label.setObjectName("problems")
        self.problems_label.setWordWrap(True)
        layout.addWidget(self.problems_label)
        # The team's guidelines, checked as you type (core.guidelines); a rule that needs
        # approval makes Submit send the post to the approval queue (engine.publishing).
        self.rules = store.guidelines.all(self.post.team_id)
        self.guideline_note = GuidelineNote()
        layout.addWidget(self.guideline_note)
        # Edited meanwhile (Triage → Guidelines…, the CLI, a colleague's laptop): the open
        # composer checks against the new list at once, not only when opened again.
        bridge.changed.connect(self._on_changed)
        if self.post.review_comment:
            layout.addWidget(QLabel(f"Reviewer: {self.post.review_comment}"))
        self.retry_button = QPushButton("Retry failed accounts")
        self.retry_button.setVisible(self.post.state is PostState.FAILED)
        self.retry_button.clicked.connect(self.retry)
        if self.post.error:
            failure = QLabel(f"Last failure: {self.post.error}")
            failure.setWordWrap(True)
            layout.addWidget(failure)

        buttons = QHBoxLayout()
        self.status = QLabel("")
        self.queue_button = QPushButton("Add to queue")
        self.submit_button = QPushButton("Submit")
        self.submit_button.setDefault(True)
        self.queue_button.clicked.connect(lambda: self.submit(queue=True))
        self.submit_button.clicked.connect(lambda: self.submit(queue=False))
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.queue_button)
        buttons.addWidget(self.submit_button)
        layout.addLayout(buttons)

        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_draft)
        for editor in (self.main_editor, *self.editors.values()):
            editor.textChanged.connect(self._changed)
        self.account_list.itemChanged.connect(lambda _i: self._changed())
        self.schedule_box.toggled.connect(lambda _b: self._changed())
        self.when.dateTimeChanged.connect(lambda _d: self._changed())
        self.zone.currentTextChanged.connect(lambda _t: self._changed())
        self.network_scheduler.toggled.connect(lambda _b: self._changed())
        self._dirty = False
        self.refresh()

    # -- building the post -----------------------------------------------------------

    def _editor(self, network: str, handles: list[str]) -> PostEditor:
        editor = PostEditor(network, handles)
        editor.files_dropped.connect(self.add_files)
        return editor

    def selected_accounts(self) -> tuple[int, ...]:
        ids = []
        for row in range(self.account_list.count()):
            item = self.account_list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                ids.append(int(item.data(Qt.ItemDataRole.UserRole)))
        return tuple(ids)

    def set_accounts(self, ids: tuple[int, ...]) -> None:
        for row in range(self.account_list.count()):
            item = self.account_list.item(row)
            on = int(item.data(Qt.ItemDataRole.UserRole)) in ids
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def current_post(self) -> Post:
        variants = {n: e.toPlainText() for n, e in self.editors.items() if e.toPlainText()}
        media = tuple(
            PostMedia(
                str(self.media_list.item(r).data(Qt.ItemDataRole.UserRole)),
                str(self.media_list.item(r).data(Qt.ItemDataRole.UserRole + 1) or ""),
            )
            for r in range(self.media_list.count())
        )
        scheduled_at = None
        zone = self.zone.currentText().strip() or "UTC"
        if self.schedule_box.isChecked():
            wall = _pydatetime(self.when.dateTime())
            try:
                scheduled_at = local_to_utc(wall, zone)
            except Exception:  # an unknown zone typed in: shown as a problem below
                scheduled_at = None
        return replace(
            self.post,
            text=self.main_editor.toPlainText(),
            account_ids=self.selected_accounts(),
            variants=variants,
            media=media,
            scheduled_at=scheduled_at,
            zone=zone,
            use_network_scheduler=self.network_scheduler.isChecked(),
        )

    def targets(self, post: Post) -> list[Target]:
        return [self._limits[a] for a in post.account_ids if a in self._limits]

    # -- checking --------------------------------------------------------------------

    def refresh(self) -> None:
        """Recount every selected account the network's way; block submit when over."""
        post = self.current_post()
        parts = []
        for target in self.targets(post):
            c = registry.count(
                target.network, post.text_for(target.network), limit=target.max_chars
            )
            if c is None:
                continue
            colour = "#c62828" if c.over else "#2e7d32"
            shown = (
                f"{c.byte_limit - c.byte_length} bytes"  # over a byte limit only (Bluesky)
                if c.bytes_over and c.remaining >= 0
                else str(c.remaining)
            )
            parts.append(f"{target.handle}: <b style='color:{colour}'>{shown}</b>")
        self.counters.setText("  ·  ".join(parts) or "Choose accounts to see what is left.")
        found = problems(
            post,
            self.targets(post),
            require_alt=self.store.posts.require_alt(),
            counter=registry.counter,
        )
        left = unresolved(post.text) + [n for v in post.variants.values() for n in unresolved(v)]
        if left:
            found.append("Fill in " + ", ".join("{" + n + "}" for n in left) + ".")
        if self.schedule_box.isChecked() and post.scheduled_at is None:
            found.append("Unknown time zone.")
        self.problems_label.setText("\n".join(found))
        breaches = _breaches(post, self.rules)
        self.guideline_note.show_breaches(breaches)
        held = core_guidelines.holds(breaches)
        self.submit_button.setText("Submit for approval" if held else "Submit")
        self.submit_button.setEnabled(not found)
        self.queue_button.setEnabled(not found)
        counts = {
            t.account_id: registry.count(t.network, post.text_for(t.network), limit=t.max_chars)
            for t in self.targets(post)
        }
        self.remaining = {a: c.remaining for a, c in counts.items() if c is not None}
        if self.preview_box.isChecked():
            self.preview.show_previews(self.previews(post))

    def _on_changed(self, changed: Changed) -> None:
        if changed.teams:  # guidelines are the teams' own (guidelines.save / delete)
            self.rules = self.store.guidelines.all(self.post.team_id)
            self.refresh()

    def previews(self, post: Post) -> list[preview.Preview]:
        """The post as each selected account's network will show it."""
        found = []
        for target in self.targets(post):
            caps = registry.find(target.network)
            if caps is None:
                continue
            text = post.text_for(target.network)
            found.append(
                preview.build(
                    text,
                    network=target.network,
                    handle=target.handle,
                    label=caps.label,
                    count=functools.partial(_count, caps, target.max_chars),
                    spans=caps.spans(text),
                    media=[m.path for m in post.media],
                )
            )
        return found

    def _changed(self) -> None:
        self._dirty = True
        self.refresh()
        self._autosave.start()

    # -- media -----------------------------------------------------------------------

    def _add_media_item(self, path: str, alt: str = "") -> None:
        item = QListWidgetItem(Path(path).name + ("" if alt else "  (no alt text)"))
        item.setData(Qt.ItemDataRole.UserRole, path)
        item.setData(Qt.ItemDataRole.UserRole + 1, alt)
        self.media_list.addItem(item)

    def add_files(self, paths: list[str]) -> None:
        for path in paths:
            self._add_media_item(path)
        if paths:
            self.media_list.setCurrentRow(self.media_list.count() - 1)
            self.alt_edit.setFocus()
        self._changed()

    def set_alt(self, row: int, alt: str) -> None:
        item = self.media_list.item(row)
        item.setData(Qt.ItemDataRole.UserRole + 1, alt)
        path = str(item.data(Qt.ItemDataRole.UserRole))
        item.setText(Path(path).name + ("" if alt.strip() else "  (no alt text)"))
        self._changed()

    def _media_selected(self, row: int) -> None:
        item = self.media_list.item(row) if row >= 0 else None
        self.alt_edit.setText(str(item.data(Qt.ItemDataRole.UserRole + 1) or "") if item else "")

    def _alt_edited(self, text: str) -> None:
        row = self.media_list.currentRow()
        if row >= 0:
            self.set_alt(row, text)

    def _pick_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Attach images", "", "Images (*.png *.jpg *.jpeg *.gif *.webp)"
        )
        self.add_files(paths)

    # -- saving ----------------------------------------------------------------------

    def save_draft(self) -> None:
        """Autosave through the engine; the draft keeps its state (a draft stays a draft)."""
        self._autosave.stop()
        if not self._dirty:
            return
        post = self.current_post()
        if not post.id and not post.text and not post.variants and not post.media:
            return
        self._dirty = False
        self.bridge.op(
            "posts.save_draft",
            on_done=self._stored,
            on_error=self._failed,
            post=post_to_data(post),
            key=self._key,
        )

    def _stored(self, post: Post) -> None:
        if not shiboken6.isValid(self.status):  # closed meanwhile: the draft is saved anyway
            return
        if not self.post.id or self.post.id == post.id:
            self.post = replace(self.post, id=post.id, state=post.state)
        self.status.setText(f"Saved {datetime.now(UTC).astimezone().strftime('%H:%M:%S')}")
        self.saved.emit(post)

    def _failed(self, exc: BaseException) -> None:
        self._dirty = True
        if shiboken6.isValid(self.status):  # the window may have closed meanwhile
            self.status.setText(str(exc))

    def submit(self, queue: bool = False) -> None:
        post = self.current_post()
        if queue:
            post = replace(post, scheduled_at=None)
        self._autosave.stop()
        self._dirty = False
        self.bridge.op(
            "posts.add_to_queue" if queue else "posts.submit",
            on_done=self._submitted,
            on_error=self._failed,
            post=post_to_data(post),
            member_id=self.member_id,
            key=self._key,
        )

    def retry(self) -> None:
        """Send the failed accounts again (the delivered ones are not sent twice)."""
        post_id = self.post.id
        self.bridge.op(
            "posts.retry", on_done=lambda _r: self.accept(), on_error=self._failed, post_id=post_id
        )

    def _submitted(self, post: Post) -> None:
        self.post = post
        self.saved.emit(post)
        labels = {
            PostState.AWAITING_APPROVAL: "Sent for approval.",
            PostState.SCHEDULED: "Scheduled.",
        }
        self.status.setText(labels.get(post.state, str(post.state)))
        self.accept()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_draft()  # closing never loses text
        super().closeEvent(event)

    def reject(self) -> None:
        self.save_draft()
        super().reject()


def _breaches(post: Post, rules: list[core_guidelines.Guideline]) -> list[core_guidelines.Breach]:
    """What the shared text and each variant break, each rule once."""
    found: dict[tuple[int, str], core_guidelines.Breach] = {}
    for text in dict.fromkeys([post.text, *post.variants.values()]):
        for b in core_guidelines.check(text, rules):
            found.setdefault((b.guideline.id, b.guideline.name), b)
    return list(found.values())


def _count(caps: registry.Capabilities, limit: int | None, text: str) -> core_text.Count:
    return caps.count(text, limit=limit)


def system_zone() -> str:
    """This computer's IANA zone (Qt knows it on every platform), else UTC."""
    name = bytes(QTimeZone.systemTimeZoneId().data()).decode() or "UTC"
    try:
        find_zone(name)
    except ConfigError:
        return "UTC"
    return name


def _qdatetime(wall: datetime) -> QDateTime:
    return QDateTime(wall.year, wall.month, wall.day, wall.hour, wall.minute, 0)


def _pydatetime(value: QDateTime) -> datetime:
    d, t = value.date(), value.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())


def open_composer(window: Any, engine: Engine, post: Post | None = None) -> Composer:
    """The composer over the window's read store and bridge, for the current member."""
    me = window.store.teams.current()
    member = me.id if me is not None else None
    composer = Composer(window.store, window.bridge, post, member, window)
    composer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    composer.show()
    return composer
