"""The Reports window (View → Reports…, Ctrl+Shift+R): a period against the one before.

Figures (received, response and resolution times, SLA, backlog…) as tiles with the change,
and charts drawn with pyqtgraph, which is imported only when the first report arrives
(its import is the window's main start-up cost; see docs/architecture.md "Reports").
The counting runs on the bridge's reader thread (`store.reports.period_report`, SQL), so
the window stays live; a busy bar shows meanwhile, an empty period says so. Each chart
exports its numbers as CSV and itself as PNG; the whole period exports as one CSV (the
CLI's long format) and one PDF (QPdfWriter, every chart on A4 pages).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QEvent, QMarginsF, QRect, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter, QPalette, QPdfWriter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inbox.core import reports
from inbox.core.bulk import safe_cell
from inbox.core.errors import ConfigError, InboxError, user_words
from inbox.store import Store
from inbox.store import reports as report_store
from inbox.ui import fmt, theme
from inbox.ui.bridge import EngineBridge

CUSTOM = "custom"
CHART_HEIGHT = 230
# Okabe-Ito hues for sentiment (told apart with every common colour blindness).
POSITIVE = ("#009e73", "#35c9a0")
NEGATIVE = ("#d55e00", "#ff8a4c")


@dataclass(frozen=True)
class Request:
    """What to count: a preset (reports.PRESETS) or custom days, and a team (None: all)."""

    preset: str = "last_7_days"
    first: date | None = None
    last: date | None = None
    team_id: int | None = None


@dataclass
class Result:
    current: reports.PeriodReport
    previous: reports.PeriodReport


def compute(store: Store, request: Request) -> Result:
    """Both periods' figures; runs on the reader thread (SQL over the read-only store).

    Raises:
        ConfigError: the end is before the start, or the team is gone.
    """
    zone = report_store.report_zone(store, request.team_id)
    now = store.clock.now()
    if request.preset != CUSTOM:
        first, last = reports.preset(request.preset, now.astimezone(ZoneInfo(zone)).date())
    else:
        assert request.first is not None and request.last is not None
        first, last = request.first, request.last
        if last < first:
            raise ConfigError("The period ends before it starts: pick an end on or after the start")
        if (last - first).days >= reports.MAX_DAYS:
            raise ConfigError("A report covers at most ten years")
    period = reports.Period(first, last, zone)
    return Result(
        report_store.period_report(store, period, request.team_id, now),
        report_store.period_report(store, period.previous(), request.team_id, now),
    )


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _pg() -> Any:
    """pyqtgraph, imported on first use: ~0.3 s on a quiet machine (numpy and its Qt shim)."""
    import pyqtgraph as pg

    pg.setConfigOptions(antialias=True, imageAxisOrder="row-major")
    return pg


def span_words(period: reports.Period) -> str:
    first, last = period.first, period.last
    if first == last:
        return first.strftime("%a %-d %b %Y")
    if first.year == last.year:
        return f"{first.strftime('%-d %b')} – {last.strftime('%-d %b %Y')}"
    return f"{first.strftime('%-d %b %Y')} – {last.strftime('%-d %b %Y')}"


def change_words(now: float | None, before: float | None, as_time: bool = False) -> str:
    """ "before 240 · +38%": the figure of the period before and the change."""
    shown = reports.duration(before) if as_time else ("—" if before is None else f"{before:g}")
    if now is None or before is None:
        return f"before {shown}"
    if not before:
        return f"before {shown}" + ("" if not now else " · new")
    percent = round(100 * (now - before) / before)
    arrow = "▲" if percent > 0 else "▼" if percent < 0 else "="
    return f"before {shown} · {arrow} {abs(percent)}%"


class Tile(QFrame):
    """One figure: its name, the value of the period, and the period before with the change."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportTile")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        box = QVBoxLayout(self)
        box.setContentsMargins(10, 6, 10, 6)
        box.setSpacing(0)
        self.name = QLabel(name)
        self.value = QLabel("—")
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.value.setFont(font)
        self.change = QLabel("")
        for label in (self.name, self.value, self.change):
            box.addWidget(label)

    def show_figure(self, value: str, change: str) -> None:
        muted = theme.colours().muted
        self.name.setStyleSheet(f"color: {muted}")
        self.change.setStyleSheet(f"color: {muted}")
        self.value.setText(value)
        self.change.setText(change)


class ChartCard(QFrame):
    """A titled chart with its numbers: exports them as CSV and itself as PNG."""

    def __init__(self, key: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.title = title
        self.setObjectName(f"chart-{key}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.headers: tuple[str, ...] = ()
        self.rows: list[tuple[Any, ...]] = []
        box = QVBoxLayout(self)
        box.setContentsMargins(8, 6, 8, 6)
        top = QHBoxLayout()
        self.heading = QLabel(title)
        bold = self.heading.font()
        bold.setBold(True)
        self.heading.setFont(bold)
        top.addWidget(self.heading, 1)
        self.csv_button = QToolButton()
        self.csv_button.setText("CSV")
        self.csv_button.setObjectName(f"csv-{key}")
        self.csv_button.setToolTip(f"Save the numbers of “{title}” as CSV")
        self.png_button = QToolButton()
        self.png_button.setText("PNG")
        self.png_button.setObjectName(f"png-{key}")
        self.png_button.setToolTip(f"Save “{title}” as a PNG picture")
        top.addWidget(self.csv_button)
        top.addWidget(self.png_button)
        box.addLayout(top)
        self.legend = QLabel("")  # what the colours mean, where the page-wide key does not say
        self.legend.setWordWrap(True)
        self.legend.hide()
        box.addWidget(self.legend)
        self.plot: Any = None
        self.body = box

    def set_legend(self, text: str) -> None:
        self.legend.setText(text)
        self.legend.setVisible(bool(text))

    def set_plot(self, plot: QWidget) -> None:
        plot.setFixedHeight(CHART_HEIGHT)
        self.plot = plot
        self.body.addWidget(plot, 1)

    def write_csv(self, path: Path) -> None:
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(self.headers)
            writer.writerows([safe_cell(v) for v in row] for row in self.rows)

    def write_png(self, path: Path) -> None:
        """The card as it is on screen, buttons left out."""
        self.csv_button.hide()
        self.png_button.hide()
        try:
            if not self.grab().save(str(path), "PNG"):
                raise OSError(f"Could not write {path}")
        finally:
            self.csv_button.show()
            self.png_button.show()


class ReportsWindow(QDialog):
    """Pick a period (last 7 days by default), a team, compare with the period before."""

    def __init__(
        self,
        store: Store,
        bridge: EngineBridge,
        parent: QWidget | None = None,
        request: Request | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reports")
        self.resize(1024, 760)
        self._store = store
        self._bridge = bridge
        self._ticket: Any = None
        self.figures: Result | None = None
        self.cards: dict[str, ChartCard] = {}
        self.last_saved: Path | None = None

        outer = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.period = QComboBox()
        self.period.setObjectName("period")
        for key, label in reports.PRESETS.items():
            self.period.addItem(label, key)
        self.period.addItem("Custom…", CUSTOM)
        bar.addWidget(QLabel("Period:"))
        bar.addWidget(self.period)
        today = QDate.currentDate()
        self.first = QDateEdit(today.addDays(-6))
        self.last = QDateEdit(today)
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        bar.addWidget(self.first)
        bar.addWidget(QLabel("to"))
        bar.addWidget(self.last)
        self.team = QComboBox()
        self.team.setObjectName("team")
        self.team.addItem("All teams", None)
        for team_id, name in sorted(store.teams.all().items(), key=lambda kv: kv[1]):
            self.team.addItem(name, team_id)
        bar.addWidget(QLabel("Team:"))
        bar.addWidget(self.team)
        self.compare = QCheckBox("Compare with the period before")
        self.compare.setChecked(True)
        bar.addWidget(self.compare)
        bar.addStretch(1)
        self.export_csv = QPushButton("Export CSV…")
        self.export_csv.setToolTip("Every figure of both periods in one CSV (long format)")
        self.export_pdf = QPushButton("Export PDF…")
        self.export_pdf.setToolTip("The figures and every chart on A4 pages")
        bar.addWidget(self.export_csv)
        bar.addWidget(self.export_pdf)
        outer.addLayout(bar)

        self.stack = QStackedWidget()
        busy = QWidget()
        busy_box = QVBoxLayout(busy)
        busy_box.addStretch(1)
        self.busy_label = QLabel("Counting…")
        self.busy_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        busy_box.addWidget(self.busy_label)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # how long SQL takes is not known: a moving bar
        self.progress.setMaximumWidth(320)
        busy_box.addWidget(self.progress, 0, Qt.AlignmentFlag.AlignHCenter)
        busy_box.addStretch(1)
        self.stack.addWidget(busy)
        self.message = QLabel("")
        self.message.setObjectName("reportMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.stack.addWidget(self.message)
        self.area = QScrollArea()
        self.area.setWidgetResizable(True)
        self.area.setFrameShape(QFrame.Shape.NoFrame)
        self.stack.addWidget(self.area)
        outer.addWidget(self.stack, 1)
        self.status = QLabel("")
        self.status.setObjectName("reportStatus")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.status)

        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(self.refresh)
        self.period.currentIndexChanged.connect(self._period_changed)
        self.first.dateChanged.connect(lambda _d: self._debounce.start())
        self.last.dateChanged.connect(lambda _d: self._debounce.start())
        self.team.currentIndexChanged.connect(lambda _i: self._debounce.start())
        self.compare.toggled.connect(lambda _on: self._render())
        self.export_csv.clicked.connect(self._export_all_csv)
        self.export_pdf.clicked.connect(self._export_pdf)
        if request is not None:
            self.set_request(request)
        QTimer.singleShot(0, self.refresh)

    # -- asking ---------------------------------------------------------------------

    def request(self) -> Request:
        team_id = self.team.currentData()
        key = self.period.currentData()
        if key == CUSTOM:
            return Request(CUSTOM, _day(self.first.date()), _day(self.last.date()), team_id)
        return Request(key, team_id=team_id)

    def set_request(self, request: Request) -> None:
        """Show a request's choices (the report follows)."""
        if request.first is not None and request.last is not None:
            self.first.setDate(QDate(request.first.year, request.first.month, request.first.day))
            self.last.setDate(QDate(request.last.year, request.last.month, request.last.day))
        self.period.setCurrentIndex(max(0, self.period.findData(request.preset)))
        self.team.setCurrentIndex(max(0, self.team.findData(request.team_id)))
        self._debounce.start()

    def _period_changed(self, _index: int) -> None:
        custom = self.period.currentData() == CUSTOM
        self.first.setEnabled(custom)
        self.last.setEnabled(custom)
        self._debounce.start()

    def refresh(self) -> None:
        """Count the chosen period (and the one before) on the reader thread."""
        if self._ticket is not None:
            self._ticket.cancel()  # a newer choice supersedes the one still counting
        request = self.request()
        self.busy_label.setText("Counting…")
        self.stack.setCurrentIndex(0)
        self.export_csv.setEnabled(False)
        self.export_pdf.setEnabled(False)
        self._ticket = self._bridge.read(
            lambda store: compute(store, request), self._arrived, self._failed
        )

    def busy(self) -> bool:
        return self.stack.currentIndex() == 0

    def _failed(self, exc: BaseException) -> None:
        self._ticket = None
        words = user_words(exc) if isinstance(exc, InboxError) else f"The report failed: {exc}"
        self.message.setText(words)
        self.stack.setCurrentIndex(1)

    def _arrived(self, result: Result) -> None:
        self._ticket = None
        self.figures = result
        period = result.current.period
        if result.current.empty and result.previous.empty:
            self.message.setText(
                f"Nothing in {span_words(period)}, nor in the {period.days} days before: no "
                "conversations received, no tickets, articles or posts.\n\nPick a longer "
                "period or another team, or add an account (File → Add account…)."
            )
            self.stack.setCurrentIndex(1)
            return
        self._render()

    # -- drawing --------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.stack.currentIndex() == 2:
            self._render()  # light <-> dark: the charts take the new colours

    def _render(self) -> None:
        result = self.figures
        if result is None or (result.current.empty and result.previous.empty):
            return
        pg = _pg()
        position = self.area.verticalScrollBar().value()
        content = QWidget()
        box = QVBoxLayout(content)
        box.setContentsMargins(4, 4, 4, 4)
        now, before = result.current, result.previous
        compare = self.compare.isChecked()
        colours = theme.colours()
        key = (
            " &nbsp;&nbsp; "
            + _Painter.key_of(
                [("this period", colours.accent), ("the period before", colours.muted)]
            )
            if compare
            else ""
        )
        heading = QLabel(
            f"<b>{span_words(now.period)}</b> ({now.period.tz})"
            + (f" against {span_words(before.period)}" if compare else "")
            + key
        )
        heading.setObjectName("reportHeading")
        box.addWidget(heading)
        if now.empty:
            note = QLabel(
                "Nothing was received in this period; the figures of the period before "
                "are shown for comparison."
            )
            note.setWordWrap(True)
            box.addWidget(note)
        box.addLayout(self._tiles(now, before, compare))
        grid = QGridLayout()
        grid.setSpacing(8)
        self.cards = {}
        for n, card in enumerate(self._charts(pg, now, before, compare)):
            self.cards[card.key] = card
            card.csv_button.clicked.connect(
                lambda _c=False, k=card.key: self._export_card(k, "csv")
            )
            card.png_button.clicked.connect(
                lambda _c=False, k=card.key: self._export_card(k, "png")
            )
            grid.addWidget(card, n // 2, n % 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        box.addLayout(grid)
        box.addStretch(1)
        old = self.area.takeWidget()
        if old is not None:
            old.deleteLater()
        self.area.setWidget(content)
        self.stack.setCurrentIndex(2)
        self.export_csv.setEnabled(True)
        self.export_pdf.setEnabled(True)
        QTimer.singleShot(0, lambda: self.area.verticalScrollBar().setValue(position))

    def _tiles(
        self, now: reports.PeriodReport, before: reports.PeriodReport, compare: bool
    ) -> QGridLayout:
        a, b = now.to_json(), before.to_json()

        def sla_share(data: dict[str, Any]) -> float | None:
            timed = data["sla_met"] + data["sla_breached"]
            return None if not timed else round(100 * data["sla_met"] / timed)

        figures: list[tuple[str, str, float | None, float | None, bool]] = [
            ("Received", "received", a["received"], b["received"], False),
            (
                "First response, median",
                "frt",
                a["first_response_median_business_minutes"],
                b["first_response_median_business_minutes"],
                True,
            ),
            (
                "First response, p90",
                "frt90",
                a["first_response_p90_business_minutes"],
                b["first_response_p90_business_minutes"],
                True,
            ),
            ("SLA met (%)", "sla", sla_share(a), sla_share(b), False),
            ("Resolved", "resolved", a["resolved"], b["resolved"], False),
            (
                "Resolution, median",
                "res",
                a["resolution_median_business_minutes"],
                b["resolution_median_business_minutes"],
                True,
            ),
            (
                "Open at the end",
                "backlog",
                list(now.backlog_by_day.values())[-1] if now.backlog_by_day else 0,
                list(before.backlog_by_day.values())[-1] if before.backlog_by_day else 0,
                False,
            ),
            ("Tickets pushed", "tickets", a["tickets_pushed"], b["tickets_pushed"], False),
            (
                "Articles published",
                "articles",
                a["articles_published"],
                b["articles_published"],
                False,
            ),
            ("Posts · replies", "posts", a["posts_published"], b["posts_published"], False),
            ("Found by monitoring", "monitoring", a["monitoring"], b["monitoring"], False),
            # Suggested answers (issue 19): how often one was put into a reply box, and the
            # first response of conversations answered with one used before it vs without.
            (
                "Suggestions used",
                "suggestions",
                a["suggestions_used"],
                b["suggestions_used"],
                False,
            ),
            (
                "First response with a suggestion",
                "frt_suggested",
                a["first_response_median_with_suggestion_business_minutes"],
                b["first_response_median_with_suggestion_business_minutes"],
                True,
            ),
            (
                "First response without one",
                "frt_unsuggested",
                a["first_response_median_without_suggestion_business_minutes"],
                b["first_response_median_without_suggestion_business_minutes"],
                True,
            ),
        ]
        grid = QGridLayout()
        grid.setSpacing(6)
        for n, (name, key, value, was, as_time) in enumerate(figures):
            tile = Tile(name)
            tile.setObjectName(f"tile-{key}")
            shown = reports.duration(value) if as_time else ("—" if value is None else f"{value:g}")
            if key == "posts":
                shown = f"{a['posts_published']} · {a['post_replies']}"
            if key == "sla" and value is not None:
                shown = f"{value:g}%"
            tile.show_figure(shown, change_words(value, was, as_time) if compare else "")
            if as_time:
                tile.setToolTip("Counted in business hours (the team's SLA calendar)")
            if key == "monitoring":
                tile.setToolTip(
                    "Found by search columns: nobody asked us, so not counted as received work"
                )
            if key == "suggestions":
                by_source = a["suggestions_used_by_source"]
                tile.setToolTip(
                    "Suggested answers put into a reply box (Alt+1…3, a click, suggest --use): "
                    + (", ".join(f"{n} {k}" for k, n in by_source.items()) or "none")
                )
            if key in ("frt_suggested", "frt_unsuggested"):
                count = a[
                    "answered_with_suggestion"
                    if key == "frt_suggested"
                    else "answered_without_suggestion"
                ]
                tile.setToolTip(
                    f"Median over {count} conversation{'s' if count != 1 else ''} received in the "
                    "period and answered "
                    + ("after" if key == "frt_suggested" else "without")
                    + " a suggested answer was used; counted in business hours"
                )
            grid.addWidget(tile, n // 6, n % 6)
        return grid

    def _charts(
        self, pg: Any, now: reports.PeriodReport, before: reports.PeriodReport, compare: bool
    ) -> list[ChartCard]:
        painter = _Painter(pg, self.palette(), compare)
        days = list(now.by_day)
        labels = day_labels(now.period)
        out = []

        card = ChartCard("by_day", "Conversations received per day")
        card.headers = ("day", "received", "day before", "received before")
        card.rows = _paired(now.by_day, before.by_day)
        card.set_plot(painter.bars(labels, list(now.by_day.values()), list(before.by_day.values())))
        out.append(card)

        card = ChartCard("backlog", "Open at the end of each day (backlog)")
        card.headers = ("day", "open", "day before", "open before")
        card.rows = _paired(now.backlog_by_day, before.backlog_by_day)
        card.set_plot(
            painter.lines(
                labels, list(now.backlog_by_day.values()), list(before.backlog_by_day.values())
            )
        )
        out.append(card)

        card = ChartCard("hour_of_week", f"When they arrive (hour of the week, {now.period.tz})")
        card.headers = ("hour", "received", "received before")
        card.rows = [
            (k, v, before.by_hour_of_week.get(k, 0)) for k, v in now.by_hour_of_week.items()
        ]
        busiest = max(now.by_hour_of_week.items(), key=lambda kv: kv[1], default=("", 0))
        if busiest[1]:
            card.set_legend(
                f"Brighter is busier; the busiest hour was {busiest[0]}:00 ({busiest[1]})"
            )
        card.set_plot(painter.heatmap(now.by_hour_of_week))
        out.append(card)

        card = ChartCard("sentiment", "Sentiment of what customers wrote, per day")
        card.headers = ("day", "positive", "neutral", "negative", "mean score")
        card.rows = [
            (day, row["positive"], row["neutral"], row["negative"], row["mean"])
            for day, row in now.sentiment_by_day.items()
        ]
        card.set_legend(_Painter.key_of([(n, painter.sentiment(n)) for n in reports.SENTIMENTS]))
        card.set_plot(painter.stacked(labels, [now.sentiment_by_day[d] for d in days]))
        out.append(card)

        card = ChartCard("times", "Response and resolution times (business hours)")
        names = ["1st reply median", "1st reply p90", "Resolved median", "Resolved p90"]
        hours_now = _hours(now)
        hours_before = _hours(before)
        card.headers = ("figure", "hours", "hours before")
        card.rows = [(n, x, y) for n, x, y in zip(names, hours_now, hours_before, strict=True)]
        card.set_plot(painter.bars(names, hours_now, hours_before, unit="h"))
        out.append(card)

        card = ChartCard("sla", "First-response SLA")
        card.headers = ("outcome", "conversations", "conversations before")
        met = (now.responses.sla_met, before.responses.sla_met)
        breached = (now.responses.sla_breached, before.responses.sla_breached)
        card.rows = [("met", *met), ("breached", *breached)]
        card.set_plot(
            painter.bars(["met", "breached"], [met[0], breached[0]], [met[1], breached[1]])
        )
        out.append(card)

        for key, title, now_by, before_by in (
            (
                "by_network",
                "Received by network",
                _networks(now.by_network),
                _networks(before.by_network),
            ),
            ("by_account", "Received by account", now.by_account, before.by_account),
            ("by_team", "Received by team", now.by_team, before.by_team),
            (
                "assigned",
                "Received, by assignee",
                now.assigned_by_member,
                before.assigned_by_member,
            ),
            (
                "resolved",
                "Resolved, by assignee",
                now.resolved_by_member,
                before.resolved_by_member,
            ),
        ):
            keys = sorted(set(now_by) | set(before_by), key=lambda k: (-now_by.get(k, 0), k))
            card = ChartCard(key, title)
            card.headers = ("name", "count", "count before")
            card.rows = [(k, now_by.get(k, 0), before_by.get(k, 0)) for k in keys]
            card.set_plot(
                painter.bars(
                    [_short(k) for k in keys],
                    [now_by.get(k, 0) for k in keys],
                    [before_by.get(k, 0) for k in keys],
                )
            )
            out.append(card)

        card = ChartCard("published", "Tickets, articles, posts and the replies they got")
        names = ["Tickets", "Articles", "Posts", "Replies to posts"]
        figures_now = [
            now.tickets_pushed,
            now.articles_published,
            now.posts_published,
            now.post_replies,
        ]
        figures_before = [
            before.tickets_pushed,
            before.articles_published,
            before.posts_published,
            before.post_replies,
        ]
        card.headers = ("figure", "count", "count before")
        card.rows = [(n, x, y) for n, x, y in zip(names, figures_now, figures_before, strict=True)]
        card.set_plot(painter.bars(names, figures_now, figures_before))
        out.append(card)

        # Listening: what the search columns found, apart from the work (nobody asked us).
        card = ChartCard("monitoring", "Found by search columns (monitoring), by network")
        now_by = _networks(now.monitoring_by_network)
        before_by = _networks(before.monitoring_by_network)
        keys = sorted(set(now_by) | set(before_by), key=lambda k: (-now_by.get(k, 0), k))
        card.headers = ("network", "found", "found before")
        card.rows = [(k, now_by.get(k, 0), before_by.get(k, 0)) for k in keys]
        card.set_legend(
            f"{now.monitoring} found"
            + (f", {before.monitoring} the period before" if compare else "")
            + "; not counted as received work"
        )
        card.set_plot(
            painter.bars(
                [_short(k) for k in keys],
                [now_by.get(k, 0) for k in keys],
                [before_by.get(k, 0) for k in keys],
            )
        )
        out.append(card)
        return out

    # -- saving ---------------------------------------------------------------------

    def _ask(self, title: str, name: str, kind: str) -> Path | None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        chosen, _ = QFileDialog.getSaveFileName(
            self, title, str(Path(folder or Path.home()) / name), f"{kind.upper()} (*.{kind})"
        )
        if not chosen:
            return None
        path = Path(chosen)
        return path if path.suffix.lower() == f".{kind}" else path.with_name(f"{path.name}.{kind}")

    def _stem(self) -> str:
        assert self.figures is not None
        period = self.figures.current.period
        return f"report-{period.first}-{period.last}"

    def _saved(self, path: Path, write: Callable[[Path], None]) -> None:
        try:
            write(path)
        except OSError as exc:
            self.status.setText(f"Could not save {path}: {exc.strerror or exc}")
            return
        self.last_saved = path
        self.status.setText(f"Saved {path}")

    def _export_card(self, key: str, kind: str) -> None:
        card = self.cards[key]
        path = self._ask(f"Save “{card.title}”", f"{self._stem()}-{key}.{kind}", kind)
        if path is not None:
            self._saved(path, card.write_csv if kind == "csv" else card.write_png)

    def _export_all_csv(self) -> None:
        if self.figures is None:
            return
        result = self.figures
        path = self._ask("Save the report as CSV", f"{self._stem()}.csv", "csv")

        def write(target: Path) -> None:
            with target.open("w", newline="", encoding="utf-8") as out:
                csv.writer(out, lineterminator="\n").writerows(
                    reports.csv_rows(result.current, result.previous)
                )

        if path is not None:
            self._saved(path, write)

    def _export_pdf(self) -> None:
        if self.figures is None:
            return
        path = self._ask("Save the report as PDF", f"{self._stem()}.pdf", "pdf")
        if path is not None:
            self._saved(path, self.write_pdf)

    def write_pdf(self, path: Path) -> None:
        """The heading, the tiles and every chart, two charts a row, on A4 landscape pages."""
        writer = QPdfWriter(str(path))
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Landscape,
                QMarginsF(12, 12, 12, 12),
            )
        )
        writer.setResolution(120)
        writer.setTitle(f"Social Inbox report {self._stem()}")
        content = self.area.widget()
        if content is None:
            raise OSError("There is no report to save yet")
        painter = QPainter()
        if not painter.begin(writer):
            raise OSError(f"Could not write {path}")
        try:
            page = writer.pageLayout().paintRectPixels(writer.resolution())
            width, height = page.width(), page.height()
            y = 0
            pictures = []
            heading = content.findChild(QLabel, "reportHeading")
            if heading is not None:
                pictures.append(heading.grab())
            tiles = content.findChildren(Tile)
            if tiles:  # the tiles as laid out: the strip of the content they sit in
                top = min(t.geometry().top() for t in tiles)
                bottom = max(t.geometry().bottom() for t in tiles)
                pictures.append(content.grab(QRect(0, top, content.width(), bottom - top + 1)))
            for picture in pictures:
                scaled = picture.scaledToWidth(min(width, picture.width() * 2))
                painter.drawPixmap(0, y, scaled)
                y += scaled.height() + 10
            cards = list(self.cards.values())
            column = (width - 10) // 2
            for n in range(0, len(cards), 2):
                row = [c.grab() for c in cards[n : n + 2]]
                scaled_row = [p.scaledToWidth(column) for p in row]
                tallest = max(p.height() for p in scaled_row)
                if y + tallest > height:
                    writer.newPage()
                    y = 0
                for i, picture in enumerate(scaled_row):
                    painter.drawPixmap(i * (column + 10), y, picture)
                y += tallest + 10
        finally:
            painter.end()

    def closeEvent(self, event: Any) -> None:
        if self._ticket is not None:
            self._ticket.cancel()
        super().closeEvent(event)


# -- charts -----------------------------------------------------------------------------


def day_labels(period: reports.Period) -> list[str]:
    """ "Mon 23" for up to two weeks, "23 Mar" beyond."""
    out = []
    for n in range(period.days):
        day = period.first + timedelta(days=n)
        out.append(day.strftime("%a %-d") if period.days <= 14 else day.strftime("%-d %b"))
    return out


def _paired(now: dict[str, Any], before: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Day n of the period beside day n of the one before."""
    b = list(before.items())
    return [
        (day, value, *(b[n] if n < len(b) else ("", None)))
        for n, (day, value) in enumerate(now.items())
    ]


def _hours(report: reports.PeriodReport) -> list[float]:
    figures = (
        report.responses.median_minutes,
        report.responses.p90_minutes,
        report.resolution.median_minutes,
        report.resolution.p90_minutes,
    )
    return [round((m or 0) / 60, 2) for m in figures]


def _networks(by_network: dict[str, int]) -> dict[str, int]:
    return {fmt.network_label(k): v for k, v in by_network.items()}


def _short(text: str, most: int = 18) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


class _Painter:
    """Makes pyqtgraph plots in the window's palette: this period in the accent colour,
    the period before in grey (dashed for lines), text and axes readable in dark mode."""

    def __init__(self, pg: Any, palette: QPalette, compare: bool) -> None:
        self.pg = pg
        self.compare = compare
        colours = theme.colours()
        self.dark = colours.dark
        self.background = palette.color(QPalette.ColorRole.Base)
        self.text = palette.color(QPalette.ColorRole.Text)
        self.now = QColor(colours.accent)
        self.before = QColor(colours.muted)
        self.before.setAlpha(170)
        self.grid = QColor(self.text)
        self.grid.setAlpha(60)

    def _plot(self, labels: Sequence[str], unit: str = "") -> Any:
        pg = self.pg
        plot = pg.PlotWidget(background=self.background)
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        plot.setMinimumWidth(200)
        item = plot.getPlotItem()
        small = QFont()
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(self.grid))
            axis.setTextPen(pg.mkPen(self.text))
            axis.setStyle(tickFont=small, maxTickLevel=0)  # no minor ticks: a calm grid
        item.showGrid(x=False, y=True, alpha=0.25)
        if unit:
            item.getAxis("left").setLabel(unit, color=self.text.name())
        step = max(1, round(len(labels) / 10))
        item.getAxis("bottom").setTicks([[(i, labels[i]) for i in range(0, len(labels), step)]])
        return plot

    def sentiment(self, label: str) -> str:
        if label == "positive":
            return POSITIVE[self.dark]
        if label == "negative":
            return NEGATIVE[self.dark]
        return theme.colours().muted

    @staticmethod
    def key_of(entries: Sequence[tuple[str, str]]) -> str:
        """Rich text: a coloured square before each name (the charts' legend)."""
        return " &nbsp; ".join(
            f"<span style='color:{colour}'>■</span> {name}" for name, colour in entries
        )

    def bars(
        self, labels: Sequence[str], now: Sequence[float], before: Sequence[float], unit: str = ""
    ) -> Any:
        pg = self.pg
        plot = self._plot(labels, unit)
        n = len(now)
        width = 0.38 if self.compare else 0.7
        shift = width / 2 if self.compare else 0.0
        plot.addItem(
            pg.BarGraphItem(
                x=[i - shift for i in range(n)],
                height=list(now),
                width=width,
                brush=self.now,
                pen=pg.mkPen(None),
            )
        )
        if self.compare:
            plot.addItem(
                pg.BarGraphItem(
                    x=[i + shift for i in range(n)],
                    height=[before[i] if i < len(before) else 0 for i in range(n)],
                    width=width,
                    brush=self.before,
                    pen=pg.mkPen(None),
                )
            )
        top = max([*now, *(before if self.compare else []), 1])
        plot.setYRange(0, top * 1.15, padding=0)
        plot.setXRange(-0.6, max(n, 1) - 0.4, padding=0)
        return plot

    def lines(self, labels: Sequence[str], now: Sequence[float], before: Sequence[float]) -> Any:
        pg = self.pg
        plot = self._plot(labels)
        xs = list(range(len(now)))
        symbol = "o" if len(now) <= 31 else None
        plot.plot(
            xs, list(now), pen=pg.mkPen(self.now, width=2.5), symbol=symbol, symbolSize=6,
            symbolBrush=self.now, symbolPen=None,
        )  # fmt: skip
        if self.compare and before:
            count = min(len(before), len(now))
            plot.plot(
                xs[:count], list(before)[:count],
                pen=pg.mkPen(self.before, width=2, style=Qt.PenStyle.DashLine),
            )  # fmt: skip
        top = max([*now, *(before if self.compare else []), 1])
        plot.setYRange(0, top * 1.15, padding=0)
        plot.setXRange(-0.5, max(len(now), 1) - 0.5, padding=0)
        return plot

    def stacked(self, labels: Sequence[str], days: Sequence[dict[str, Any]]) -> Any:
        pg = self.pg
        plot = self._plot(labels)
        xs = list(range(len(days)))
        base = [0.0] * len(days)
        neutral = QColor(theme.colours().muted)
        for label, colour in (
            ("positive", QColor(self.sentiment("positive"))),
            ("neutral", neutral),
            ("negative", QColor(self.sentiment("negative"))),
        ):
            heights = [float(d.get(label, 0)) for d in days]
            bars = pg.BarGraphItem(
                x=xs, y0=list(base), height=heights, width=0.7, brush=colour, pen=pg.mkPen(None)
            )
            plot.addItem(bars)
            base = [b + h for b, h in zip(base, heights, strict=True)]
        plot.setYRange(0, max([*base, 1]) * 1.2, padding=0)
        plot.setXRange(-0.6, max(len(days), 1) - 0.4, padding=0)
        return plot

    def heatmap(self, by_hour: dict[str, int]) -> Any:
        import numpy

        pg = self.pg
        plot = self._plot([f"{h:02d}" for h in range(24)])
        item = plot.getPlotItem()
        item.showGrid(x=False, y=False)
        grid = numpy.array(
            [[by_hour.get(reports.hour_of_week_key(d, h), 0) for h in range(24)] for d in range(7)],
            dtype=float,
        )
        image = pg.ImageItem(grid)
        low = QColor(self.background)
        image.setColorMap(pg.ColorMap([0.0, 1.0], [low, self.now]))
        image.setLevels((0, max(1.0, float(grid.max()))))
        image.setRect(-0.5, -0.5, 24, 7)
        plot.addItem(image)
        item.invertY(True)
        item.getAxis("left").setTicks([[(d, reports.WEEKDAYS[d]) for d in range(7)]])
        item.getAxis("bottom").setTicks([[(h, f"{h:02d}") for h in range(0, 24, 3)]])
        plot.setXRange(-0.5, 23.5, padding=0)
        plot.setYRange(-0.5, 6.5, padding=0)
        busiest = max(by_hour.items(), key=lambda kv: kv[1], default=("", 0))
        if busiest[1]:
            plot.setToolTip(f"Busiest hour: {busiest[0]}:00 ({busiest[1]} conversations)")
        return plot


def open_reports(
    store: Store, bridge: EngineBridge, parent: QWidget | None = None
) -> ReportsWindow:
    window = ReportsWindow(store, bridge, parent)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.show()
    return window
