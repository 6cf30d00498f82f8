"""Paints one conversation row: avatar, who, where, when, what, and how urgent."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
    QTextLayout,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from inbox.core import sla, spoof
from inbox.core.models import ConversationSummary, band
from inbox.ui import fmt, theme
from inbox.ui.column_model import SUMMARY_ROLE

ROW_HEIGHT = 122
PAD = 10
AVATAR = 36
SNIPPET_LINES = 2
MARK = 14  # the network's lettered square
ASSIGNEE = 18  # the assignee's initials circle

AnyIndex = QModelIndex | QPersistentModelIndex
MARK_BG, MARK_FG = "#ffe066", "#1f2328"  # a searched word: the pane's marker, both themes
SLA_BADGE = sla.SlaPolicy()  # its amber window: the badge turns amber 15 minutes before due


def band_colour(priority: int, c: theme.Colours) -> str | None:
    """The filled pill's colour of a priority band; None for "low" (no badge)."""
    return {
        "urgent": c.band_urgent,
        "high": c.band_high,
        "normal": c.band_normal,
    }.get(band(priority))


def priority_text(priority: int) -> str:
    """ "Urgent 205": the band in words (colour is not the only cue), then the score."""
    return f"{band(priority).capitalize()} {priority}"


def sla_badge(due: datetime | None, now: datetime, c: theme.Colours) -> tuple[str, str, bool]:
    """(text, colour, bold) of the SLA badge: overdue, nearly due, or running (muted)."""
    if due is None:
        return ("", "", False)
    state = sla.state(due, now, SLA_BADGE)
    words = fmt.sla_words(due, now)
    if state is sla.SlaState.BREACHED:
        return (f"⏱ {words}", c.sla_breached, True)
    if state is sla.SlaState.AMBER:
        return (f"⏱ {words}", c.sla_amber, True)
    return (f"⏱ {words}", c.muted, False)


BLOCKED = "⊘ Blocked"
MUTED = "Muted"


def moderation_badges(row: ConversationSummary) -> list[str]:
    """What our account did to the card's person, as the card's bottom line says it
    (outlined pills after the SLA; engine/moderation.py records it when the server
    confirmed the block or mute). A block says it all: a blocked person who is also
    muted shows "Blocked" alone, so the bottom line keeps room for the priority and SLA."""
    if row.blocked:
        return [BLOCKED]
    return [MUTED] if row.muted else []


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
    """Cheap to paint: reads only the row's summary; each card is drawn once into a pixmap.

    A repaint of the deck (every Changed during a sync repaints the columns' visible rows)
    then costs one `drawPixmap` per row instead of ~60 Qt calls from Python, each of which
    competes for the interpreter lock with the engine thread while a sync runs. The key is
    everything the card shows: the summary itself (a frozen dataclass: any change is a new
    key), the words that depend on the clock (relative time, SLA badge), the size, the
    selection/hover state, the palette and the font.
    """

    CACHED = 48  # cards kept per column: the visible rows plus about a page either way

    def __init__(self, now: Callable[[], datetime], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._now = now
        self._wrapped: dict[tuple[int, str, int], list[str]] = {}
        self._cards: OrderedDict[tuple[object, ...], QPixmap] = OrderedDict()
        self._latest: dict[int, tuple[object, ...]] = {}  # conversation id -> its newest card
        self.highlight: tuple[str, ...] = ()  # the open search's words, marked in snippets
        self._marks: re.Pattern[str] | None = None

    def set_highlight(self, words: Sequence[str]) -> None:
        """Mark these words (any case, as a word start) in the snippets; () marks none."""
        self.highlight = tuple(w for w in words if w.strip())
        terms = [re.escape(w) for w in self.highlight]
        self._marks = re.compile(r"(?<!\w)(" + "|".join(terms) + ")", re.I) if terms else None

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        return QSize(320, ROW_HEIGHT)

    # conversation id -> "Sam is replying…" (other laptops' members; ui/features/team.py)
    presence: dict[int, str] = {}

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        row: ConversationSummary | None = index.data(SUMMARY_ROLE)
        if row is None:
            return
        state = option.state
        self.paint_card(
            painter,
            option.rect,
            option.palette,
            option.font,
            row,
            selected=bool(state & QStyle.StateFlag.State_Selected),
            hovered=bool(state & QStyle.StateFlag.State_MouseOver),
        )

    def paint_card(
        self,
        painter: QPainter,
        rect: QRect,
        pal: QPalette,
        font: QFont,
        row: ConversationSummary,
        *,
        selected: bool = False,
        hovered: bool = False,
    ) -> None:
        """Copy the row's card into rect, drawing it first when it is not cached."""
        self.paint_cards(painter, pal, font, [(rect, row, selected, hovered)])

    def paint_cards(
        self,
        painter: QPainter,
        pal: QPalette,
        font: QFont,
        cards: list[tuple[QRect, ConversationSummary, bool, bool]],
        may_draw: Callable[[], bool] | None = None,
    ) -> list[QRect]:
        """paint_card for each (rect, row, selected, hovered): what does not change between
        the cards of one repaint (clock, theme, palette, font, pixel ratio) is asked once.

        may_draw, when given, is asked before each card that must be drawn (not cached):
        when it says no, the conversation's last card drawn stands in for it (or nothing,
        the view's background) and its rect is returned, for the caller to repaint on a
        later turn of the event loop (ColumnList: a time budget per repaint).
        """
        c = theme.colours()
        now = self._now()
        ratio = painter.device().devicePixelRatioF()
        look = (pal.cacheKey(), font.key(), c.dark, ratio)
        later: list[QRect] = []
        for rect, row, selected, hovered in cards:
            width, height = rect.width(), rect.height()
            key = (
                row,
                fmt.relative_time(row.last_message_at, now),
                sla_badge(row.sla_due_at, now, c),
                width,
                height,
                selected,
                hovered,
                look,
                self.presence.get(row.id, ""),  # "Sam is viewing" is part of the card
                self.highlight,
            )
            card = self._cards.get(key)
            if card is None and may_draw is not None and not may_draw():
                later.append(rect)
                last = self._latest.get(row.id)
                card = None if last is None else self._cards.get(last)
                if card is None or card.size() != rect.size() * ratio:
                    continue  # nothing like it yet: the background until it is drawn
            elif card is None:
                card = QPixmap(rect.size() * ratio)
                card.setDevicePixelRatio(ratio)
                card.fill(Qt.GlobalColor.transparent)
                drawing = QPainter(card)
                self.draw(drawing, QRect(0, 0, width, height), pal, font, row,
                          selected=selected, hovered=hovered)  # fmt: skip
                drawing.end()
                self._cards[key] = card
                self._latest[row.id] = key
                if len(self._cards) > self.CACHED:
                    self._cards.popitem(last=False)
                    if len(self._latest) > 4 * self.CACHED:  # keep the ids still cached
                        self._latest = {i: k for i, k in self._latest.items() if k in self._cards}
            elif key in self._cards:
                self._cards.move_to_end(key)
            # One copy: Qt's raster thread pool is off (inbox/ui/__init__.py), so a tall
            # copy no longer waits for pool threads (it was copied in bands before).
            painter.drawPixmap(rect, card)
        return later

    def draw(
        self,
        painter: QPainter,
        rect: QRect,
        pal: QPalette,
        font: QFont,
        row: ConversationSummary,
        *,
        selected: bool = False,
        hovered: bool = False,
    ) -> None:
        """Draw one card into rect, uncached (paint() caches what this draws)."""
        c = theme.colours()
        when = fmt.relative_time(row.last_message_at, self._now())
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)

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
        base = QFont(font)
        small = QFont(base)
        small.setPointSizeF(max(7.0, base.pointSizeF() * 0.88))
        bold = QFont(base)
        bold.setBold(True)
        semi = QFont(base)
        semi.setWeight(QFont.Weight.DemiBold)
        fm_base, fm_small, fm_bold = QFontMetrics(base), QFontMetrics(small), QFontMetrics(bold)

        # Line 1: name, @handle ........ time
        top = rect.top() + PAD
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
        name = spoof.cap(row.contact_name or row.contact_handle, spoof.MAX_NAME)
        # A handle with invisible or bidi characters may pose as another account's: it is
        # shown with a warning sign and its hidden characters spelled out, and it keeps
        # its room on the line (the name gives way).
        suspicious = bool(spoof.handle_warning(row.contact_handle))
        shown = f"@{spoof.visible(row.contact_handle)}"
        warned = fm_small.elidedText(f"⚠ {shown}", Qt.TextElideMode.ElideRight, avail * 2 // 3)
        name_room = avail - fm_small.horizontalAdvance(warned) - 6 if suspicious else avail
        painter.setFont(bold if row.unread else semi)
        name_text = fm_bold.elidedText(name, Qt.TextElideMode.ElideRight, name_room)
        painter.setPen(text_colour)
        painter.drawText(QRect(left, top, avail, line_h), Qt.AlignmentFlag.AlignVCenter, name_text)
        used = fm_bold.horizontalAdvance(name_text) + 6
        if used < avail:
            painter.setFont(small)
            painter.setPen(QColor(c.urgent) if suspicious else muted)
            handle = fm_small.elidedText(
                f"⚠ {shown}" if suspicious else shown, Qt.TextElideMode.ElideRight, avail - used
            )
            painter.drawText(
                QRect(left + used, top, avail - used, line_h), Qt.AlignmentFlag.AlignVCenter, handle
            )

        # Line 2: the facts, never cut: network, our account, kind, status, assignee.
        facts_top = top + line_h + 2
        facts_h = max(fm_small.height(), ASSIGNEE)
        self._facts(
            painter, row, QRect(left, facts_top, right - left, facts_h), small, muted, selected, c
        )

        # Lines 3-4: the snippet (the only thing that gives way), wrapped once per width.
        # Tags go on the bottom line after the badges when they fit, else on a line of
        # their own and the snippet keeps one line.
        tags = [f"#{t}" for t in row.tags if t]
        bottom = QRect(left, rect.bottom() - PAD - 18, right - left, 18)
        tags_w = sum(fm_small.horizontalAdvance(t) + 18 for t in tags)
        tags_below = bool(tags) and self._badges_width(row, small) + tags_w > bottom.width()
        painter.setFont(base)
        painter.setPen(text_colour)
        snippet_top = facts_top + facts_h + 3
        lines = SNIPPET_LINES - 1 if tags_below else SNIPPET_LINES
        for n, line in enumerate(self._wrap(row, right - left, base, lines)):
            line_rect = QRect(
                left, snippet_top + n * fm_base.lineSpacing(), right - left, fm_base.height()
            )
            painter.drawText(line_rect, Qt.AlignmentFlag.AlignVCenter, line)
            if self._marks is not None:
                self._mark(painter, line, line_rect, fm_base)

        # Bottom line: priority band, SLA (and the tags when they fit).
        x = self._badges(painter, row, bottom, small, muted, selected, c)
        if tags_below:
            line_top = snippet_top + fm_base.lineSpacing() + 2
            self._tags(painter, tags, QRect(left, line_top, right - left, 18), small, c)
        elif tags:
            self._tags(painter, tags, bottom.adjusted(x - bottom.left(), 0, 0, 0), small, c)
        here = self.presence.get(row.id)
        if here:
            self._presence(painter, here, bottom, small, c)
        painter.restore()

    def _mark(self, painter: QPainter, line: str, area: QRect, fm: QFontMetrics) -> None:
        """Draw the searched words of one snippet line again over the marker's yellow."""
        assert self._marks is not None
        pen = painter.pen()
        for found in self._marks.finditer(line):
            x = area.left() + fm.horizontalAdvance(line[: found.start()])
            word = found.group(1)
            box = QRect(x, area.top(), fm.horizontalAdvance(word), area.height())
            painter.fillRect(box.adjusted(-1, 0, 1, 0), QColor(MARK_BG))
            painter.setPen(QColor(MARK_FG))
            painter.drawText(box, Qt.AlignmentFlag.AlignVCenter, word)
        painter.setPen(pen)

    def _presence(
        self, painter: QPainter, text: str, area: QRect, font: QFont, c: theme.Colours
    ) -> None:
        """ "Sam is replying…" as a pill at the right of the bottom line, over what is there."""
        fm = QFontMetrics(font)
        shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, area.width() // 2)
        w = fm.horizontalAdvance(shown) + 14
        pill = QRectF(area.right() - w, area.top(), w, area.height())
        painter.setFont(font)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(c.unread))
        painter.drawRoundedRect(pill, 9, 9)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, shown)

    def _wrap(
        self, row: ConversationSummary, width: int, font: QFont, most: int = SNIPPET_LINES
    ) -> list[str]:
        key = (row.id, row.snippet, width * 8 + most)
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
        while len(lines) < most:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            start, length = line.textStart(), line.textLength()
            if len(lines) == most - 1 and start + length < len(text):
                lines.append(fm.elidedText(text[start:], Qt.TextElideMode.ElideRight, width))
            else:
                lines.append(text[start : start + length].rstrip())
        layout.endLayout()
        self._wrapped[key] = lines
        return lines

    def _facts(
        self,
        painter: QPainter,
        row: ConversationSummary,
        area: QRect,
        font: QFont,
        muted: QColor,
        selected: bool,
        c: theme.Colours,
    ) -> None:
        """Network mark, @account, kind · status, and the assignee's initials on the right.

        Only our account's handle may be shortened (it is also in the tooltip of the
        network mark's column); kind, status and assignee initials always show whole.
        """
        fm = QFontMetrics(font)
        painter.setFont(font)
        y = area.top() + (area.height() - MARK) // 2
        net_colour = QColor(fmt.network_colour(row.network, c.dark))
        mark = QRectF(area.left(), y, MARK, MARK)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(net_colour)
        painter.drawRoundedRect(mark, 3, 3)
        letter = QFont(font)
        letter.setBold(True)
        letter.setPixelSize(MARK - 4)
        painter.setFont(letter)
        painter.setPen(QColor("#ffffff" if net_colour.lightness() < 150 else "#15171a"))
        painter.drawText(mark, Qt.AlignmentFlag.AlignCenter, fmt.network_label(row.network)[:1])
        painter.setFont(font)

        right = area.right()
        if row.assignee_name:
            circle = QRect(
                right - ASSIGNEE + 1,
                area.top() + (area.height() - ASSIGNEE) // 2,
                ASSIGNEE,
                ASSIGNEE,
            )
            paint_avatar(painter, circle, row.assignee_name, row.assignee_name)
            right = circle.left() - 4
            first = row.assignee_name.split()[0]
            if fm.horizontalAdvance(first) + 120 < right - area.left():
                w = fm.horizontalAdvance(first)
                painter.setPen(muted)
                painter.drawText(
                    QRect(right - w, area.top(), w, area.height()),
                    Qt.AlignmentFlag.AlignVCenter,
                    first,
                )
                right -= w + 8
        kind = "DM" if row.kind.value == "dm" else row.kind.value
        tail = f" · {kind} · {row.status.value}"
        x = area.left() + MARK + 5
        tail_w = fm.horizontalAdvance(tail)
        room = max(0, right - x - tail_w)
        account = fm.elidedText(
            f"@{fmt.short_handle(row.account_handle)}", Qt.TextElideMode.ElideRight, room
        )
        painter.setPen(muted)
        aw = fm.horizontalAdvance(account)
        painter.drawText(
            QRect(x, area.top(), aw, area.height()), Qt.AlignmentFlag.AlignVCenter, account
        )
        painter.drawText(
            QRect(x + aw, area.top(), tail_w + 2, area.height()),
            Qt.AlignmentFlag.AlignVCenter,
            tail,
        )

    def _badges(
        self,
        painter: QPainter,
        row: ConversationSummary,
        area: QRect,
        font: QFont,
        muted: QColor,
        selected: bool,
        c: theme.Colours,
    ) -> int:
        fm = QFontMetrics(font)
        painter.setFont(font)
        x = area.left()
        dark_text = QColor("#15171a")

        def width(text: str) -> int:
            return fm.horizontalAdvance(text) + 12

        def pill(text: str, colour: str, kind: str) -> None:
            """kind: "filled" (priority), "outline" (SLA), "tag" (soft chip)."""
            nonlocal x
            w = width(text)
            box = QRectF(x, area.top(), w, area.height())
            col = QColor(colour)
            if kind == "filled":
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(col)
                painter.drawRoundedRect(box, 9, 9)
                painter.setPen(dark_text if c.dark else QColor("#ffffff"))
            elif kind == "outline":
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(QPen(col, 1.5))
                painter.drawRoundedRect(box.adjusted(0.75, 0.75, -0.75, -0.75), 3, 3)
            else:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(c.tag_bg))
                painter.drawRoundedRect(box, 3, 3)
                painter.setPen(QColor(c.tag_text))
                col = QColor(c.tag_text)
            if kind == "outline":
                painter.setPen(col)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
            x += w + 6

        pcol = band_colour(row.priority, c)
        if pcol:
            bold = QFont(font)
            bold.setBold(True)
            painter.setFont(bold)
            text = priority_text(row.priority)
            w = QFontMetrics(bold).horizontalAdvance(text) + 14
            box = QRectF(x, area.top(), w, area.height())
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(pcol))
            painter.drawRoundedRect(box, 9, 9)
            painter.setPen(dark_text if c.dark else QColor("#ffffff"))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
            painter.setFont(font)
            x += w + 6
        text, colour, strong = sla_badge(row.sla_due_at, self._now(), c)
        if text:
            if selected and not strong:
                colour = muted.name()
            if strong:
                sla_font = QFont(font)
                sla_font.setBold(True)
                painter.setFont(sla_font)
                fm = QFontMetrics(sla_font)
            pill(text, colour, "outline")
            painter.setFont(font)
            fm = QFontMetrics(font)
        for text in moderation_badges(row):
            blocked = text == BLOCKED
            pill(text, muted.name() if selected or not blocked else c.urgent, "outline")
        return x

    def _badges_width(self, row: ConversationSummary, font: QFont) -> int:
        """How much of the bottom line the priority and SLA badges take."""
        bold = QFont(font)
        bold.setBold(True)
        fm = QFontMetrics(bold)
        w = 0
        if band_colour(row.priority, theme.colours()):
            w += fm.horizontalAdvance(priority_text(row.priority)) + 20
        text = sla_badge(row.sla_due_at, self._now(), theme.colours())[0]
        if text:
            w += fm.horizontalAdvance(text) + 18
        for text in moderation_badges(row):
            w += QFontMetrics(font).horizontalAdvance(text) + 18
        return w

    def _tags(
        self, painter: QPainter, tags: list[str], area: QRect, font: QFont, c: theme.Colours
    ) -> None:
        """Soft chips, each whole; what does not fit is counted ("+2"), never cut."""
        fm = QFontMetrics(font)
        painter.setFont(font)
        x = area.left()

        def chip(text: str) -> None:
            nonlocal x
            w = fm.horizontalAdvance(text) + 12
            box = QRectF(x, area.top(), w, area.height())
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(c.tag_bg))
            painter.drawRoundedRect(box, 3, 3)
            painter.setPen(QColor(c.tag_text))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
            x += w + 6

        for n, tag in enumerate(tags):
            rest = len(tags) - n - 1
            more = fm.horizontalAdvance(f"+{rest}") + 18 if rest else 0
            if x + fm.horizontalAdvance(tag) + 12 + more > area.right():
                if x + fm.horizontalAdvance(f"+{rest + 1}") + 12 <= area.right():
                    chip(f"+{rest + 1}")
                break
            chip(tag)
