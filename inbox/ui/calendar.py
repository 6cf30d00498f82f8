"""The publishing calendar: a week or month of posts per day; drag a post to another day.

A drop moves the post to the target day at the same wall-clock time in the
post's zone (through the engine, with the approval rules of core.posts.edit).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inbox.core.events import Changed
from inbox.core.posts import Post, PostState
from inbox.core.schedule import local_to_utc, utc_to_local, week_start
from inbox.engine import publishing as pub
from inbox.store import Store
from inbox.ui.bridge import EngineBridge

POST_ID = Qt.ItemDataRole.UserRole
STATE_COLOURS = {
    PostState.DRAFT: "#9e9e9e",
    PostState.AWAITING_APPROVAL: "#ef6c00",
    PostState.SCHEDULED: "#1565c0",
    PostState.SENDING: "#6a1b9a",
    PostState.PUBLISHED: "#2e7d32",
    PostState.FAILED: "#c62828",
    PostState.MISSED: "#ad1457",
    PostState.SKIPPED: "#757575",
}
MOVABLE = frozenset(
    {PostState.DRAFT, PostState.AWAITING_APPROVAL, PostState.SCHEDULED, PostState.MISSED}
)


class DayList(QListWidget):
    """One day's posts; a drop from another day asks the calendar to move the post.

    Signals:
        dropped: (post id, this day).
    """

    dropped = Signal(int, object)

    def __init__(self, day: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.day = day
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def dropEvent(self, event: QDropEvent) -> None:
        source = event.source()
        item = source.currentItem() if isinstance(source, DayList) else None
        if item is not None and source is not self:
            self.dropped.emit(int(item.data(POST_ID)), self.day)
        # The move happens in the store; the refresh after Changed redraws both days.
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()


class CalendarView(QWidget):
    """Week or month grid of posts, by the local day of each post's time (display zone).

    Signals:
        open_post: a post id to open in the composer (double-click).
    """

    open_post = Signal(int)

    def __init__(
        self,
        store: Store,
        bridge: EngineBridge,
        today: date,
        zone: str = "UTC",
        member_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.bridge = bridge
        self.zone = zone
        self.member_id = member_id
        self.mode = "week"
        self.anchor = today
        self.today = today
        self.days: dict[date, DayList] = {}
        self._posts: dict[int, Post] = {}

        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.prev_button = QPushButton("◀")
        self.next_button = QPushButton("▶")
        self.today_button = QPushButton("Today")
        self.week_button = QPushButton("Week")
        self.month_button = QPushButton("Month")
        for b in (self.week_button, self.month_button):
            b.setCheckable(True)
        self.week_button.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.week_button)
        group.addButton(self.month_button)
        self.title = QLabel()
        self.title.setObjectName("calendarTitle")
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.today_button.clicked.connect(lambda: self.go_to(today))
        self.week_button.clicked.connect(lambda: self.set_mode("week"))
        self.month_button.clicked.connect(lambda: self.set_mode("month"))
        for w in (self.prev_button, self.today_button, self.next_button, self.title):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.week_button)
        bar.addWidget(self.month_button)
        layout.addLayout(bar)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setSpacing(4)
        layout.addWidget(self.grid_host, 1)
        bridge.changed.connect(self.on_changed)
        self.rebuild()

    # -- navigation ------------------------------------------------------------------

    def visible_days(self) -> list[date]:
        if self.mode == "week":
            start = week_start(self.anchor)
            return [start + timedelta(days=n) for n in range(7)]
        first = self.anchor.replace(day=1)
        start = week_start(first)
        return [start + timedelta(days=n) for n in range(42)]

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.week_button.setChecked(mode == "week")
        self.month_button.setChecked(mode == "month")
        self.rebuild()

    def step(self, direction: int) -> None:
        if self.mode == "week":
            self.anchor += timedelta(days=7 * direction)
        else:
            month = self.anchor.month - 1 + direction
            self.anchor = date(self.anchor.year + month // 12, month % 12 + 1, 1)
        self.rebuild()

    def go_to(self, day: date) -> None:
        self.anchor = day
        self.rebuild()

    # -- drawing -----------------------------------------------------------------------

    def rebuild(self) -> None:
        while self.grid.count():
            taken = self.grid.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        self.days = {}
        days = self.visible_days()
        for n, name in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")):
            self.grid.addWidget(QLabel(name), 0, n)
        for index, day in enumerate(days):
            cell = QWidget()
            box = QVBoxLayout(cell)
            box.setContentsMargins(0, 0, 0, 0)
            label = QLabel(day.strftime("%d %b"))
            if day == self.today:
                label.setText(f"<b>{day.strftime('%d %b')} · today</b>")
            if self.mode == "month" and day.month != self.anchor.month:
                label.setEnabled(False)
            day_list = DayList(day)
            day_list.dropped.connect(self.move_post)
            day_list.itemDoubleClicked.connect(
                lambda item: self.open_post.emit(int(item.data(POST_ID)))
            )
            box.addWidget(label)
            box.addWidget(day_list, 1)
            self.grid.addWidget(cell, 1 + index // 7, index % 7)
            self.days[day] = day_list
        if self.mode == "week":
            self.title.setText(f"Week of {days[0].strftime('%d %b %Y')}")
        else:
            self.title.setText(self.anchor.strftime("%B %Y"))
        self.reload()

    def reload(self) -> None:
        """Re-read the visible range's posts from the read store."""
        days = self.visible_days()
        start = local_to_utc(datetime.combine(days[0], datetime.min.time()), self.zone)
        end = local_to_utc(
            datetime.combine(days[-1] + timedelta(days=1), datetime.min.time()), self.zone
        )
        for day_list in self.days.values():
            day_list.clear()
        self._posts = {}
        for post in self.store.posts.find(start=start, end=end):
            assert post.scheduled_at is not None
            local = utc_to_local(post.scheduled_at, self.zone)
            target = self.days.get(local.date())
            if target is None:
                continue
            self._posts[post.id] = post
            first = post.text.splitlines()[0] if post.text else "(no text)"
            item = QListWidgetItem(f"{local.strftime('%H:%M')} {first[:40]}")
            item.setData(POST_ID, post.id)
            item.setForeground(QColor(STATE_COLOURS[post.state]))
            tip = f"{post.state}\n{post.text}"
            if post.error:
                tip += f"\nFailed: {post.error}"
            if post.note:
                tip += f"\n{post.note}"
            item.setToolTip(tip)
            flags = item.flags()
            if post.state not in MOVABLE:
                flags &= ~Qt.ItemFlag.ItemIsDragEnabled
            item.setFlags(flags)
            target.addItem(item)

    def on_changed(self, changed: Changed) -> None:
        if changed.posts or changed.outbox:
            self.reload()

    def items(self, day: date) -> list[str]:
        """The texts shown on day (for tests and accessibility)."""
        day_list = self.days.get(day)
        if day_list is None:
            return []
        return [day_list.item(r).text() for r in range(day_list.count())]

    # -- rescheduling ------------------------------------------------------------------

    def move_post(self, post_id: int, day: date) -> Any:
        """Move post to day, keeping its wall-clock time in its own zone."""
        post = self._posts.get(post_id) or self.store.posts.get(post_id)
        if post.scheduled_at is None or post.state not in MOVABLE:
            return None
        local = utc_to_local(post.scheduled_at, post.zone)
        wall = datetime.combine(day, local.time().replace(tzinfo=None))
        when = local_to_utc(wall, post.zone)
        member = self.member_id
        return self.bridge.run(lambda e: pub.reschedule(e, post_id, when, member))
