"""ColumnModel keeps its loaded rows a prefix of the column in the store's order,
through random changes, bulk changes, paging and releasing rows (vs a full re-sort)."""

from __future__ import annotations

import random

import pytest
from PySide6.QtCore import QPersistentModelIndex, QPoint
from PySide6.QtWidgets import QApplication

from inbox.core.events import Changed
from inbox.core.models import ColumnFilter, Kind, Status
from inbox.store import Store
from inbox.store.queries import ORDERS, where_clause
from inbox.ui import column_model
from inbox.ui.column_model import ID_ROLE, ColumnModel
from inbox.ui.column_view import ColumnView
from inbox.ui.reader import SyncReader

FILTERS = [
    ColumnFilter(),
    ColumnFilter(sort="newest"),
    ColumnFilter(statuses=(), include_hidden=True),
    ColumnFilter(kinds=(Kind.DM, Kind.REPLY), min_priority=10),
]


@pytest.fixture
def deck_store(store: Store, account_info, make_message) -> Store:
    account = store.add_account(account_info)
    rng = random.Random(11)
    store.ingest.messages(
        account.id,
        [
            make_message(
                key=f"k{i}",
                kind=rng.choice([Kind.DM, Kind.MENTION, Kind.REPLY]),
                minutes_ago=rng.choice([1, 2, 3, 4]),
            )
            for i in range(400)
        ],
    )
    return store


def _column(store: Store, flt: ColumnFilter) -> list[int]:
    where, params = where_clause(flt, store.now())
    sql = f"SELECT c.id FROM conversations c WHERE {where} ORDER BY {ORDERS[flt.sort]}"
    return [r[0] for r in store.query(sql, params)]


def _mutate(store: Store, rng: random.Random, ids: list[int]) -> set[int]:
    """Change a few conversations the way syncs and triage do; returns their ids."""
    touched = set(rng.sample(ids, rng.choice([1, 3, 10, 60])))
    with store.transaction() as conn:
        for cid in touched:
            conn.execute(
                "UPDATE conversations SET priority = ?, status = ?, hidden = ?,"
                " last_message_at = ?, sla_due_at = ? WHERE id = ?",
                (
                    rng.choice([0, 10, 20, 30, 40]),
                    rng.choice([Status.NEW.value, Status.OPEN.value, Status.RESOLVED.value]),
                    int(rng.random() < 0.1),
                    f"2026-01-05T0{rng.randint(0, 9)}:00:00.000000Z",
                    rng.choice(["9999", "2026-01-06T00:00:00.000000Z"]),
                    cid,
                ),
            )
    return touched


def _assert_prefix(model: ColumnModel, store: Store) -> None:
    expected = _column(store, model.filter)
    got = [r.id for r in model.rows()]
    assert got == expected[: len(got)]
    if model.exhausted:
        assert got == expected
    for n, cid in enumerate(got):
        assert model.row_of(cid) == n


@pytest.mark.parametrize("flt", FILTERS, ids=["priority", "newest", "all", "kinds"])
def test_random_changes_keep_the_rows_a_prefix_of_the_stores_order(
    deck_store: Store, qapp, flt: ColumnFilter
) -> None:
    rng = random.Random(len(flt.kinds) * 7 + len(flt.sort))
    model = ColumnModel(SyncReader(deck_store), flt)
    ids = [r[0] for r in deck_store.query("SELECT id FROM conversations")]
    for step in range(40):
        if step % 4 == 0:
            model.fetchMore()
        model.on_changed(Changed(conversations=frozenset(_mutate(deck_store, rng, ids))))
        _assert_prefix(model, deck_store)
    while model.canFetchMore():
        model.fetchMore()
    assert [r.id for r in model.rows()] == _column(deck_store, flt)


def test_a_bulk_change_keeps_the_selected_row_selected(deck_store: Store, qapp) -> None:
    model = ColumnModel(SyncReader(deck_store), ColumnFilter(statuses=(), include_hidden=True))
    model.fetchMore()
    chosen = model.rows()[5].id
    held = QPersistentModelIndex(model.index(5))
    others = [r.id for r in model.rows() if r.id != chosen][:40]
    with deck_store.transaction() as conn:
        conn.executemany(
            "UPDATE conversations SET priority = priority + 90 WHERE id = ?", [(i,) for i in others]
        )
    model.on_changed(Changed(conversations=frozenset(others)))  # > BULK_CHANGE rows
    _assert_prefix(model, deck_store)
    assert held.isValid() and model.rows()[held.row()].id == chosen


def test_far_rows_are_released_and_paged_back_in_order(
    deck_store: Store, qapp, monkeypatch
) -> None:
    monkeypatch.setattr(column_model, "KEEP_BEHIND", 20)
    model = ColumnModel(SyncReader(deck_store), ColumnFilter(statuses=()))
    for _ in range(5):
        model.fetchMore()
    assert model.rowCount() == 300
    model.release_after(9)  # the view shows rows 0-9
    assert model.rowCount() == 50  # never less than a page
    assert model.canFetchMore()
    while model.canFetchMore():
        model.fetchMore()
    assert [r.id for r in model.rows()] == _column(deck_store, model.filter)


def test_a_flood_of_new_rows_on_top_keeps_the_loaded_window_bounded(
    deck_store: Store, qapp, account_info, make_message
) -> None:
    model = ColumnModel(SyncReader(deck_store), ColumnFilter(sort="newest"))
    model.fetchMore()
    assert model.rowCount() == 100
    account = deck_store.accounts()[0]
    changed = deck_store.ingest.messages(
        account.id, [make_message(key=f"new{i}", minutes_ago=-1 - i / 100) for i in range(500)]
    )
    model.on_changed(changed)
    assert model.rowCount() == 100  # the 100 newest, not 600 rows
    _assert_prefix(model, deck_store)


def test_scrolling_down_and_back_releases_rows_and_keeps_the_selection(
    deck_store: Store, qtbot, monkeypatch
) -> None:
    """The real column view: page down by scrolling, select a row, scroll back to the top.

    Rows far below the view are let go, the selected conversation stays selected, the
    top of the column shows what it showed, and scrolling down again brings the same
    rows back in the same order."""
    monkeypatch.setattr(column_model, "KEEP_BEHIND", 20)
    flt = ColumnFilter(statuses=())
    model = ColumnModel(SyncReader(deck_store), flt)
    view = ColumnView(model, "All", deck_store.clock.now)
    view.resize(360, 700)
    view.show()
    qtbot.waitExposed(view)
    listing, bar = view.list, view.list.verticalScrollBar()

    def to_bottom() -> None:  # the view asks for the next page at the bottom
        for _ in range(40):
            if model.rowCount() >= 300 or not model.canFetchMore():
                return
            bar.setValue(bar.maximum())
            QApplication.processEvents()

    def seen() -> list[int]:
        """Conversation ids of the cards in view, top to bottom."""
        ids = []
        for y in range(0, listing.viewport().height(), 20):
            index = listing.indexAt(QPoint(5, y))
            if index.isValid() and index.data(ID_ROLE) not in ids:
                ids.append(index.data(ID_ROLE))
        return ids

    top = seen()
    assert top and top == _column(deck_store, flt)[: len(top)]
    to_bottom()
    assert model.rowCount() >= 300
    chosen = model.rows()[150].id
    listing.setCurrentIndex(model.index(150))
    assert listing.selectionModel().isSelected(model.index(150))
    bar.setValue(0)  # back to the top
    QApplication.processEvents()

    # Released, but never the selected row (a release smaller than a page waits).
    assert 151 <= model.rowCount() <= 151 + 20 + column_model.PAGE_SIZE < 300
    assert seen() == top  # what the user sees is unchanged
    selected = listing.selectionModel().selectedIndexes()
    assert [i.data(ID_ROLE) for i in selected] == [chosen]
    assert listing.currentIndex().data(ID_ROLE) == chosen

    listing.clearSelection()
    listing.setCurrentIndex(model.index(0))
    bar.setValue(bar.maximum())  # down again: the released rows page back in, in order
    QApplication.processEvents()
    to_bottom()
    bar.setValue(0)
    QApplication.processEvents()
    assert model.rowCount() == max(column_model.PAGE_SIZE, model.rowCount())
    assert model.rowCount() < 151  # nothing held deep any more: released to a page or two
    while model.canFetchMore():
        model.fetchMore()
    assert [r.id for r in model.rows()] == _column(deck_store, flt)
