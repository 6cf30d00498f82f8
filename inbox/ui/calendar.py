"""The publishing calendar: a week as an hour grid, or a month of days; drag to move.

Each entry shows its time, text, network icon, account and state in words; the
tooltip holds the whole text. A drop moves the post to the target day (and, in
the week's hour grid, to the target hour, keeping its minutes) in the post's
zone, through the engine with the approval rules of core.posts.edit. A
double-click on an empty hour asks to compose a post there (`compose_at`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QDropEvent, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from inbox.core.clock import to_iso
from inbox.core.events import Changed
from inbox.core.posts import Post, PostState
from inbox.core.schedule import local_to_utc, utc_to_local, week_start
from inbox.store import Store
from inbox.ui import fmt, theme
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
STATE_WORDS = {
    PostState.DRAFT: "draft",
    PostState.AWAITING_APPROVAL: "needs approval",
    PostState.SCHEDULED: "scheduled",
    PostState.SENDING: "sending",
    PostState.PUBLISHED: "published",
    PostState.FAILED: "failed",
    PostState.MISSED: "missed",
    PostState.SKIPPED: "skipped",
}
HOUR_HEIGHT = 52
HOUR_LABEL_WIDTH = 44
EMPTY_TEXT = (
    "Nothing planned in this {span}. Double-click an hour to write a post for it, "
    "or press N for a new post."
)
MOVABLE = frozenset(
    {PostState.DRAFT, PostState.AWAITING_APPROVAL, PostState.SCHEDULED, PostState.MISSED}
)


class DayList(QListWidget):
    """One day's posts; a drop from another day asks the calendar to move the post.

    Signals:
        dropped: (post id, this day).
    """

    dropped = Signal(int, object, object)
    empty_double_clicked = Signal(object, object)  # day, hour (None in the month view)

    def __init__(self, day: date, parent: QWidget | None = None, hour: int | None = None) -> None:
        super().__init__(parent)
        self.day = day
        self.hour = hour
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
            self.dropped.emit(int(item.data(POST_ID)), self.day, self.hour)
        # The move happens in the store; the refresh after Changed redraws both days.
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()

    def mouseDoubleClickEvent(self, event: Any) -> None:
        if self.itemAt(event.position().toPoint()) is None:
            self.empty_double_clicked.emit(self.day, self.hour)
            return
        super().mouseDoubleClickEvent(event)


def network_icon(network: str, size: int = 16) -> QIcon:
    """The network's lettered square, as the deck's cards draw it."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(fmt.network_colour(network, theme.colours().dark))
    painter.setBrush(colour)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(0, 0, size, size, 3, 3)
    font = QFont(painter.font())
    font.setBold(True)
    font.setPixelSize(size - 5)
    painter.setFont(font)
    painter.setPen(QColor("#ffffff" if colour.lightness() < 150 else "#15171a"))
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, fmt.network_label(network)[:1])
    painter.end()
    return QIcon(pixmap)


class CalendarView(QWidget):
    """Week or month grid of posts, by the local day of each post's time (display zone).

    Signals:
        open_post: a post id to open in the composer (double-click).
    """

    open_post = Signal(int)
    compose_at = Signal(object)  # a UTC datetime: write a new post for that slot

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
        self.days: dict[date, DayList] = {}  # month view: one list per day
        self.hours: dict[tuple[date, int], DayList] = {}  # week view: one list per hour
        self._posts: dict[int, Post] = {}
        self._accounts: dict[int, Any] = {}

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
        self.empty = QLabel()
        self.empty.setObjectName("calendarEmpty")
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        # The week's day names stay above the scrolling hours.
        self.header_host = QWidget()
        self.header = QGridLayout(self.header_host)
        self.header.setContentsMargins(
            0, 0, self.style().pixelMetric(self.style().PixelMetric.PM_ScrollBarExtent) + 2, 0
        )
        self.header.setSpacing(2)
        layout.addWidget(self.header_host)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setSpacing(2)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroller.setWidget(self.grid_host)
        layout.addWidget(self.scroller, 1)
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
        for row in range(self.grid.rowCount()):
            self.grid.setRowStretch(row, 0)
            self.grid.setRowMinimumHeight(row, 0)
        for col in range(8):
            self.grid.setColumnStretch(col, 0)
            self.header.setColumnStretch(col, 0)
        while self.header.count():
            taken = self.header.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        self.days = {}
        self.hours = {}
        days = self.visible_days()
        if self.mode == "week":
            self._build_week(days)
            self.title.setText(f"Week of {days[0].strftime('%d %b %Y')}")
        else:
            self._build_month(days)
            self.title.setText(self.anchor.strftime("%B %Y"))
        self.reload()

    def _wire(self, cell: DayList) -> None:
        cell.dropped.connect(self.move_post)
        cell.itemDoubleClicked.connect(lambda item: self.open_post.emit(int(item.data(POST_ID))))
        cell.empty_double_clicked.connect(self.compose_slot)

    def _build_month(self, days: list[date]) -> None:
        for n, name in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")):
            label = QLabel(name)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.header.addWidget(label, 0, n)
            self.header.setColumnStretch(n, 1)
            self.grid.setColumnStretch(n, 1)
        for index, day in enumerate(days):
            cell = QWidget()
            box = QVBoxLayout(cell)
            box.setContentsMargins(0, 0, 0, 0)
            label = QLabel(day.strftime("%d %b"))
            if day == self.today:
                label.setText(f"<b>{day.strftime('%d %b')} · today</b>")
            if day.month != self.anchor.month:
                label.setEnabled(False)
            day_list = DayList(day)
            day_list.setMinimumHeight(90)
            self._wire(day_list)
            box.addWidget(label)
            box.addWidget(day_list, 1)
            self.grid.addWidget(cell, 1 + index // 7, index % 7)
            self.days[day] = day_list

    def _build_week(self, days: list[date]) -> None:
        """Hours down, days across: each hour of each day is a drop target."""
        corner = QLabel("")
        corner.setFixedWidth(HOUR_LABEL_WIDTH)
        self.header.addWidget(corner, 0, 0)
        for n, day in enumerate(days):
            text = day.strftime("%a %d %b")
            label = QLabel(f"<b>{text} · today</b>" if day == self.today else text)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.header.addWidget(label, 0, n + 1)
            self.header.setColumnStretch(n + 1, 1)
            self.grid.setColumnStretch(n + 1, 1)
        for hour in range(24):
            hour_label = QLabel(f"{hour:02d}:00")
            hour_label.setFixedWidth(HOUR_LABEL_WIDTH)
            hour_label.setObjectName("calendarHour")
            hour_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(hour_label, hour + 1, 0)
            self.grid.setRowMinimumHeight(hour + 1, HOUR_HEIGHT)
            for n, day in enumerate(days):
                cell = DayList(day, hour=hour)
                cell.setObjectName("calendarSlot")
                cell.setMinimumHeight(HOUR_HEIGHT)
                cell.setWordWrap(False)  # two lines, each cut with "…"; the tooltip has all
                cell.setTextElideMode(Qt.TextElideMode.ElideRight)
                cell.setToolTip(f"{day:%a %d %b} {hour:02d}:00 — double-click to write a post")
                self._wire(cell)
                self.grid.addWidget(cell, hour + 1, n + 1)
                self.hours[(day, hour)] = cell

    def _cell_for(self, local: datetime) -> DayList | None:
        if self.mode == "week":
            return self.hours.get((local.date(), local.hour))
        return self.days.get(local.date())

    def entry_text(self, post: Post, local: datetime) -> str:
        first = post.text.splitlines()[0] if post.text else "(no text)"
        if len(first) > 60:
            first = first[:59] + "…"
        accounts = [self._accounts.get(a) for a in post.account_ids]
        handles = [f"@{fmt.short_handle(a.handle)}" for a in accounts if a is not None]
        who = handles[0] + (f" +{len(handles) - 1}" if len(handles) > 1 else "") if handles else ""
        state = STATE_WORDS.get(post.state, str(post.state))
        if post.state is PostState.SCHEDULED and post.use_network_scheduler:
            state = "handed to the server" if post.note else "scheduled at the network"
        return f"{local:%H:%M} · {state} · {who}\n{first}"

    def reload(self) -> None:
        """Re-read the visible range's posts from the read store."""
        days = self.visible_days()
        start = local_to_utc(datetime.combine(days[0], datetime.min.time()), self.zone)
        end = local_to_utc(
            datetime.combine(days[-1] + timedelta(days=1), datetime.min.time()), self.zone
        )
        for cell in [*self.days.values(), *self.hours.values()]:
            cell.clear()
        self._posts = {}
        self._accounts = {a.id: a for a in self.store.accounts()}
        for post in self.store.posts.find(start=start, end=end):
            assert post.scheduled_at is not None
            local = utc_to_local(post.scheduled_at, self.zone)
            target = self._cell_for(local)
            if target is None:
                continue
            self._posts[post.id] = post
            item = QListWidgetItem(self.entry_text(post, local))
            item.setData(POST_ID, post.id)
            item.setForeground(QColor(STATE_COLOURS[post.state]))
            first = self._accounts.get(post.account_ids[0]) if post.account_ids else None
            if first is not None:
                item.setIcon(network_icon(first.network))
            tip = f"{STATE_WORDS.get(post.state, post.state)} · {local:%a %d %b %H:%M}\n{post.text}"
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
        if self.mode == "week":
            self._fit_hours()
        span = "week" if self.mode == "week" else "month"
        self.empty.setText(EMPTY_TEXT.format(span=span))
        self.empty.setVisible(not self._posts)
        if self.mode == "week" and self._posts:
            first_hour = min(
                utc_to_local(p.scheduled_at, self.zone).hour
                for p in self._posts.values()
                if p.scheduled_at
            )
            self._scroll_to_hour(first_hour)
        elif self.mode == "week":
            self._scroll_to_hour(8)

    def _fit_hours(self) -> None:
        """An hour with several posts grows so each shows whole, not behind a scroll bar."""
        for hour in range(24):
            cells = [c for (_, h), c in self.hours.items() if h == hour]
            need = HOUR_HEIGHT
            for cell in cells:
                if cell.count() > 1:
                    rows = sum(cell.sizeHintForRow(r) for r in range(cell.count()))
                    need = max(need, rows + 2 * cell.frameWidth() + 4)
            self.grid.setRowMinimumHeight(hour + 1, need)
            for cell in cells:
                cell.setMinimumHeight(need)

    def _scroll_to_hour(self, hour: int) -> None:
        """Bring the first busy hour (or the morning) into sight once the grid is laid out."""

        def scroll() -> None:
            cell = next((c for (_, h), c in self.hours.items() if h == max(0, hour - 1)), None)
            value = cell.y() if cell is not None else max(0, (hour - 1) * (HOUR_HEIGHT + 2))
            self.scroller.verticalScrollBar().setValue(value)

        QTimer.singleShot(0, scroll)

    def on_changed(self, changed: Changed) -> None:
        if changed.posts or changed.outbox:
            self.reload()

    def items(self, day: date) -> list[str]:
        """The entries shown on day, in time order (for tests and accessibility)."""
        cells = [self.days[day]] if day in self.days else []
        cells += [self.hours[(day, h)] for h in range(24) if (day, h) in self.hours]
        return [c.item(r).text() for c in cells for r in range(c.count())]

    def compose_slot(self, day: date, hour: int | None) -> None:
        """Double-click on an empty slot: a new post for that hour (09:00 in the month)."""
        wall = datetime.combine(day, datetime.min.time()).replace(hour=9 if hour is None else hour)
        self.compose_at.emit(local_to_utc(wall, self.zone))

    # -- rescheduling ------------------------------------------------------------------

    def move_post(self, post_id: int, day: date, hour: int | None = None) -> Any:
        """Move post to day (and hour), keeping its wall-clock minutes in its own zone."""
        post = self._posts.get(post_id) or self.store.posts.get(post_id)
        if post.scheduled_at is None or post.state not in MOVABLE:
            return None
        local = utc_to_local(post.scheduled_at, post.zone)
        clock = local.time().replace(tzinfo=None)
        if hour is not None:
            clock = clock.replace(hour=hour)
        wall = datetime.combine(day, clock)
        when = local_to_utc(wall, post.zone)
        member = self.member_id
        return self.bridge.op(
            "posts.reschedule", post_id=post_id, when=to_iso(when), member_id=member
        )
