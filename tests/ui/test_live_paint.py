"""While a sync lands, new cards are drawn a few per turn of the event loop, never all at
once: the deck catches up by itself, and a grab (screenshots) is always drawn whole."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from inbox.core.models import ColumnFilter, Status
from inbox.store import Store
from inbox.ui import column_view
from inbox.ui.column_model import ColumnModel
from inbox.ui.column_view import ColumnView
from inbox.ui.delegate import ROW_HEIGHT, ConversationDelegate
from inbox.ui.reader import SyncReader
from tests.ui.test_cards import NOW, summary


@pytest.fixture
def view(store: Store, account_info: Any, make_message: Any, qtbot: QtBot) -> ColumnView:
    account = store.add_account(account_info)
    store.ingest.messages(
        account.id, [make_message(key=f"k{i}", minutes_ago=30 + i) for i in range(20)]
    )
    model = ColumnModel(SyncReader(store), ColumnFilter(statuses=(), sort="newest"))
    column = ColumnView(model, "All", store.clock.now)
    column.resize(360, 5 * ROW_HEIGHT + 40)
    column.show()
    qtbot.waitExposed(column)
    return column


def count_draws(column: ColumnView) -> list[int]:
    """Conversation ids of the cards the column's delegate draws (not copies), in order."""
    delegate = column.list.itemDelegate()
    assert isinstance(delegate, ConversationDelegate)
    drawn: list[int] = []
    draw = delegate.draw

    def counting(painter: Any, rect: Any, pal: Any, font: Any, row: Any, **kw: Any) -> None:
        drawn.append(row.id)
        draw(painter, rect, pal, font, row, **kw)

    delegate.draw = counting  # type: ignore[method-assign]
    return drawn


def land_new_rows(store: Store, make_message: Any, column: ColumnView, n: int) -> None:
    """n new conversations, newest of all (on top of the column), as a sync lands them."""
    account = store.accounts()[0].id
    changed = store.ingest.messages(account, [make_message(key=f"new{i}") for i in range(n)])
    column.model.on_changed(changed)


def test_a_live_change_draws_its_new_cards_over_several_turns(
    view: ColumnView, store: Store, make_message: Any, qtbot: QtBot, monkeypatch: Any
) -> None:
    monkeypatch.setattr(column_view, "CARD_BUDGET_S", 0.0)  # one new card per turn
    drawn = count_draws(view)
    land_new_rows(store, make_message, view, 4)
    top = [view.model.summary(r).id for r in range(4)]  # type: ignore[union-attr]
    view.list.viewport().repaint()  # one repaint, as the event loop's next turn does
    assert drawn == top[:1] and view.list.behind  # one card drawn, the rest later
    # Nobody asks again: the column draws the rest on the next turns by itself.
    qtbot.waitUntil(lambda: not view.list.behind)
    assert sorted(drawn[:4]) == sorted(top)
    again = len(drawn)
    view.list.viewport().repaint()
    assert len(drawn) == again  # all cached now: a repaint only copies


def test_a_grab_and_a_first_page_are_drawn_whole(
    view: ColumnView, store: Store, make_message: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(column_view, "CARD_BUDGET_S", 0.0)
    drawn = count_draws(view)
    view.list.viewport().repaint()  # no change landed: nothing to spread
    assert drawn == [] and not view.list.behind  # the first page's cards are cached
    land_new_rows(store, make_message, view, 3)
    view.list.viewport().grab()  # a screenshot in the middle of a sync
    assert len(drawn) == 3  # every new card at once


def test_a_card_not_drawn_yet_keeps_its_previous_look_meanwhile(qtbot: QtBot) -> None:
    delegate = ConversationDelegate(lambda: NOW)
    pal, font = QApplication.palette(), QApplication.font()
    rect = QRect(0, 0, 360, ROW_HEIGHT)

    def paint(row: Any, may_draw: Any) -> tuple[QImage, list[QRect]]:
        image = QImage(360, ROW_HEIGHT, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(0)
        painter = QPainter(image)
        later = delegate.paint_cards(painter, pal, font, [(rect, row, False, False)], may_draw)
        painter.end()
        return image, later

    before, later = paint(summary(), None)
    assert later == []
    meanwhile, later = paint(summary(status=Status.OPEN), lambda: False)
    assert later == [rect] and meanwhile == before  # the old card stands in
    after, later = paint(summary(status=Status.OPEN), lambda: True)
    assert later == [] and after != before  # drawn on its turn
    unknown, later = paint(summary(id=2), lambda: False)
    assert later == [rect] and unknown.pixelColor(5, 5).alpha() == 0  # nothing to show yet
