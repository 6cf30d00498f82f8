"""Paints one conversation row: avatar, who, where, when, what, and how urgent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QTextLayout
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from inbox.core import sla
from inbox.core.models import ConversationSummary
from inbox.ui import fmt, theme
from inbox.ui.column_model import SUMMARY_ROLE

ROW_HEIGHT = 104
PAD = 12
AVATAR = 36
SNIPPET_LINES = 2

AnyIndex = QModelIndex | QPersistentModelIndex
SLA_BADGE = sla.SlaPolicy()  # its amber window: the badge turns amber 15 minutes before due


def priority_colour(priority: int, c: theme.Colours) -> str | None:
    if priority >= 50:
        return c.urgent
    if priority >= 30:
        return c.high
    if priority >= 10:
        return c.medium
    return None


def paint_avatar(painter: QPainter, rect: QRect, name: str, handle: str) -> None:
    """A filled circle with initials; shared by the deck and the author card."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(fmt.avatar_colour(handle or name)))
    painter.drawEllipse(rect)
    font = QFont(painter.font())
    font.setBold(True)
    font.setPixelSize(max(10, int(rect.height() * 0.38)))
    painter.setFont(font)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, fmt.initials(name, handle))
    painter.restore()


class ConversationDelegate(QStyledItemDelegate):
    """Cheap to paint: reads only the row's summary, wraps snippets once per width."""

    def __init__(self, now: Callable[[], datetime], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._now = now
        self._wrapped: dict[tuple[int, str, int], list[str]] = {}

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        return QSize(320, ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        row: ConversationSummary | None = index.data(SUMMARY_ROLE)
        if row is None:
            return
        c = theme.colours()
        pal: QPalette = option.palette
        rect: QRect = option.rect
        state = option.state
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)

        selected = bool(state & QStyle.StateFlag.State_Selected)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        if selected:
            painter.fillRect(rect, pal.color(QPalette.ColorRole.Highlight))
        elif hovered:
            painter.fillRect(rect, pal.color(QPalette.ColorRole.AlternateBase))
        text_colour = pal.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        muted = QColor(c.muted) if not (selected and c.dark) else QColor("#d5dbe5")

        if row.unread:
            painter.fillRect(QRect(rect.left(), rect.top(), 3, rect.height()), QColor(c.unread))

        # Separator between rows.
        painter.setPen(pal.color(QPalette.ColorRole.Mid))
        painter.drawLine(rect.left() + PAD, rect.bottom(), rect.right() - PAD, rect.bottom())

        avatar = QRect(rect.left() + PAD, rect.top() + PAD, AVATAR, AVATAR)
        paint_avatar(painter, avatar, row.contact_name, row.contact_handle)

        left = avatar.right() + 10
        right = rect.right() - PAD
        base = QFont(option.font)
        small = QFont(base)
        small.setPointSizeF(max(7.0, base.pointSizeF() * 0.88))
        bold = QFont(base)
        bold.setBold(True)
        semi = QFont(base)
        semi.setWeight(QFont.Weight.DemiBold)
        fm_base, fm_small, fm_bold = QFontMetrics(base), QFontMetrics(small), QFontMetrics(bold)

        # Line 1: name, @handle ........ time
        top = rect.top() + PAD
        when = fmt.relative_time(row.last_message_at, self._now())
        painter.setFont(small)
        time_w = fm_small.horizontalAdvance(when)
        painter.setPen(QColor(c.unread) if row.unread else muted)
        line_h = fm_bold.height()
        painter.drawText(
            QRect(right - time_w, top, time_w, line_h),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            when,
        )
        avail = right - time_w - 8 - left
        name = row.contact_name or row.contact_handle
        painter.setFont(bold if row.unread else semi)
        name_text = fm_bold.elidedText(name, Qt.TextElideMode.ElideRight, avail)
        painter.setPen(text_colour)
        painter.drawText(QRect(left, top, avail, line_h), Qt.AlignmentFlag.AlignVCenter, name_text)
        used = fm_bold.horizontalAdvance(name_text) + 6
        if used < avail:
            painter.setFont(small)
            painter.setPen(muted)
            handle = fm_small.elidedText(
                f"@{row.contact_handle}", Qt.TextElideMode.ElideRight, avail - used
            )
            painter.drawText(
                QRect(left + used, top, avail - used, line_h), Qt.AlignmentFlag.AlignVCenter, handle
            )

        # Lines 2-3: the snippet, wrapped once per width and cached.
        painter.setFont(base)
        painter.setPen(text_colour)
        snippet_top = top + line_h + 3
        for n, line in enumerate(self._wrap(row, right - left, base)):
            painter.drawText(
                QRect(
                    left, snippet_top + n * fm_base.lineSpacing(), right - left, fm_base.height()
                ),
                Qt.AlignmentFlag.AlignVCenter,
                line,
            )

        # Bottom line: badges.
        self._badges(
            painter,
            row,
            QRect(left, rect.bottom() - PAD - 18, right - left, 18),
            small,
            muted,
            selected,
            c,
        )
        painter.restore()

    def _wrap(self, row: ConversationSummary, width: int, font: QFont) -> list[str]:
        key = (row.id, row.snippet, width)
        lines = self._wrapped.get(key)
        if lines is not None:
            return lines
        if len(self._wrapped) > 4000:  # bounded: a long scroll session must not grow it forever
            self._wrapped.clear()
        text = " ".join(row.snippet.split())
        layout = QTextLayout(text, font)
        layout.beginLayout()
        lines = []
        fm = QFontMetrics(font)
        while len(lines) < SNIPPET_LINES:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            start, length = line.textStart(), line.textLength()
            if len(lines) == SNIPPET_LINES - 1 and start + length < len(text):
                lines.append(fm.elidedText(text[start:], Qt.TextElideMode.ElideRight, width))
            else:
                lines.append(text[start : start + length].rstrip())
        layout.endLayout()
        self._wrapped[key] = lines
        return lines

    def _badges(
        self,
        painter: QPainter,
        row: ConversationSummary,
        area: QRect,
        font: QFont,
        muted: QColor,
        selected: bool,
        c: theme.Colours,
    ) -> None:
        fm = QFontMetrics(font)
        painter.setFont(font)
        x = area.left()

        def pill(text: str, colour: str, filled: bool) -> None:
            nonlocal x
            w = fm.horizontalAdvance(text) + 12
            if x + w > area.right():
                return
            box = QRectF(x, area.top(), w, area.height())
            col = QColor(colour)
            if filled:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(col)
                painter.drawRoundedRect(box, 4, 4)
                # Dark mode's lighter badge colours need dark text to stay readable.
                painter.setPen(QColor("#15171a" if c.dark else "#ffffff"))
            else:
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(col)
                painter.drawRoundedRect(box.adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
            x += w + 6

        def plain(text: str) -> None:
            nonlocal x
            room = area.right() - x
            if room < 20:
                return
            shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, room)
            painter.setPen(muted)
            painter.drawText(
                QRect(x, area.top(), room, area.height()), Qt.AlignmentFlag.AlignVCenter, shown
            )
            x += fm.horizontalAdvance(shown) + 10

        pcol = priority_colour(row.priority, c)
        if pcol:
            pill(f"P{row.priority}", pcol, True)
        if row.sla_due_at is not None:
            now = self._now()
            state = sla.state(row.sla_due_at, now, SLA_BADGE)
            if state is sla.SlaState.BREACHED:
                pill(f"SLA {sla.countdown(row.sla_due_at, now)}", c.urgent, True)
            elif state is sla.SlaState.AMBER:
                pill(f"SLA {sla.countdown(row.sla_due_at, now)}", c.high, True)
        pill(
            f"{fmt.network_label(row.network)} · @{fmt.short_handle(row.account_handle)}",
            fmt.network_colour(row.network, c.dark) if not selected else muted.name(),
            False,
        )
        kind = "DM" if row.kind.value == "dm" else row.kind.value
        plain(f"{kind} · {row.status.value}")
        if row.assignee_name:
            plain(f"→ {row.assignee_name}")
