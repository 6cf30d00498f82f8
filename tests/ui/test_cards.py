"""A deck card shows its facts whole at every width; only the snippet gives way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QImage, QPainter, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from inbox.core.models import ConversationSummary, Kind, Status
from inbox.ui import fmt, theme
from inbox.ui.column_model import SUMMARY_ROLE
from inbox.ui.delegate import ROW_HEIGHT, ConversationDelegate, sla_badge

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class Recording(QPainter):
    """A painter that remembers every text it draws (what the user can read)."""

    def __init__(self, device: QImage) -> None:
        super().__init__(device)
        self.texts: list[str] = []

    def drawText(self, *args: Any) -> None:  # type: ignore[override]
        self.texts.append(str(args[-1]))
        super().drawText(*args)


def summary(**kw: Any) -> ConversationSummary:
    values: dict[str, Any] = dict(
        id=1,
        account_id=1,
        account_handle="teashop@mastodon.demo",
        network="mastodon",
        kind=Kind.DM,
        status=Status.PENDING,
        priority=125,
        contact_handle="sofia@tea.social",
        contact_name="Sofia Lind",
        snippet="I was charged twice for order #49850, can you refund one of them? " * 8,
        last_message_at=NOW - timedelta(hours=2),
        unread=True,
        message_count=3,
        assignee_name="Alex Morgan",
        sla_due_at=NOW - timedelta(days=2, hours=1),
        tags=("billing", "refund", "vip"),
    )
    values.update(kw)
    return ConversationSummary(**values)


def paint(row: ConversationSummary, width: int) -> list[str]:
    delegate = ConversationDelegate(lambda: NOW)
    image = QImage(width, ROW_HEIGHT, QImage.Format.Format_ARGB32)
    painter = Recording(image)
    rect = QRect(0, 0, width, ROW_HEIGHT)
    delegate.draw(painter, rect, QApplication.palette(), QApplication.font(), row)
    painter.end()
    return painter.texts


@pytest.mark.parametrize("width", [300, 360, 520, 1200])
def test_facts_are_whole_and_only_the_snippet_is_cut(qtbot: QtBot, width: int) -> None:
    texts = paint(summary(), width)
    joined = " | ".join(texts)
    assert " · DM · pending" in texts, joined  # kind and status, never "DM · n…"
    assert "AM" in texts  # the assignee's initials avatar
    assert "Urgent 125" in texts
    assert "⏱ overdue 2 d" in texts  # words, not "SLA -2d"
    assert "#billing" in texts
    shown_tags = [t for t in texts if t.startswith("#")]
    assert all(t in ("#billing", "#refund", "#vip") for t in shown_tags)  # a tag is never cut
    if len(shown_tags) < 3:
        assert f"+{3 - len(shown_tags)}" in texts  # the rest are counted
    snippet = " ".join(summary().snippet.split())
    assert any(t.endswith("…") and t[:-1].strip() in snippet for t in texts)


def test_priority_sla_and_network_do_not_share_a_look() -> None:
    for c in (theme.LIGHT, theme.DARK):
        bands = {c.band_urgent, c.band_high, c.band_normal}
        sla = {c.sla_breached, c.sla_amber}
        assert len(bands) == 3 and not bands & sla
        networks = {fmt.network_colour(n, c.dark) for n in ("mastodon", "bluesky", "x")}
        assert not networks & (bands | sla)
    assert sla_badge(NOW + timedelta(minutes=5), NOW, theme.LIGHT)[0] == "⏱ due in 5 m"
    assert sla_badge(NOW - timedelta(hours=3), NOW, theme.LIGHT)[0] == "⏱ overdue 3 h 00 m"
    assert sla_badge(None, NOW, theme.LIGHT)[0] == ""


def test_a_low_priority_card_has_no_priority_pill(qtbot: QtBot) -> None:
    texts = paint(summary(priority=5, sla_due_at=None, tags=(), assignee_name=""), 360)
    assert not any(t.startswith(("Urgent", "High", "Normal", "Low")) for t in texts)
    assert " · DM · pending" in texts


def test_cards_draw_in_the_dark_theme(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(theme.THEME_ENV, "dark")
    texts = paint(summary(), 360)
    assert "Urgent 125" in texts and " · DM · pending" in texts


class CountingDelegate(ConversationDelegate):
    """Counts the cards actually drawn (a cached card is only copied)."""

    drawn = 0

    def draw(self, *args: Any, **kw: Any) -> None:
        self.drawn += 1
        super().draw(*args, **kw)


def paint_through_view_path(delegate: ConversationDelegate, row: ConversationSummary) -> QImage:
    """What a list view does: paint(painter, option, index) for the row."""
    model = QStandardItemModel()
    item = QStandardItem()
    item.setData(row, SUMMARY_ROLE)
    model.appendRow(item)
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, 360, ROW_HEIGHT)
    option.font = QApplication.font()
    option.palette = QApplication.palette()
    image = QImage(360, ROW_HEIGHT, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    delegate.paint(painter, option, model.index(0, 0))
    painter.end()
    return image


def test_a_repaint_copies_the_card_and_a_change_draws_it_again(qtbot: QtBot) -> None:
    delegate = CountingDelegate(lambda: NOW)
    first = paint_through_view_path(delegate, summary())
    again = paint_through_view_path(delegate, summary())
    assert delegate.drawn == 1  # the second paint of the same row only copied the card
    assert again == first  # and looks the same
    changed = paint_through_view_path(delegate, summary(status=Status.OPEN))
    assert delegate.drawn == 2  # any change to what the card shows draws it again
    assert changed != first
    direct = QImage(360, ROW_HEIGHT, QImage.Format.Format_ARGB32_Premultiplied)
    direct.fill(0)
    painter = QPainter(direct)
    rect = QRect(0, 0, 360, ROW_HEIGHT)
    delegate.draw(painter, rect, QApplication.palette(), QApplication.font(), summary())
    painter.end()
    assert direct == first  # the cached card is pixel for pixel the drawn one
