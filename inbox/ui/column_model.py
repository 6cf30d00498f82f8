"""A column's rows: a lazily paged list model over a saved filter, updated only by what changed."""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from inbox.core.events import Changed
from inbox.core.models import ColumnFilter, ConversationSummary
from inbox.store import Store
from inbox.store.queries import OrderKey, order_key
from inbox.ui.reader import ReadFn, Reads, Ticket

PAGE_SIZE = 50
SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
# A change touching more loaded rows than this is applied as one layout change, not
# row by row (each row signal makes every view do work).
BULK_CHANGE = 24
# Rows kept loaded behind the last one the view shows; more are released (see release_after).
KEEP_BEHIND = 300

AnyIndex = QModelIndex | QPersistentModelIndex


def sort_key(row: ConversationSummary, sort: str) -> OrderKey:
    """The store's column order (queries.ORDERS) in Python, to place a changed row."""
    return order_key(row, sort)


class ColumnModel(QAbstractListModel):
    """Conversations matching one filter, loaded 50 at a time as the view scrolls.

    Queries run on the reader thread (reads: the bridge); results are applied in
    request order on the GUI thread. The loaded rows are always a prefix of the
    filter's full ordered result, kept with their sort keys (`_keys`, sorted, unique),
    so the next page is asked by the last row's key (keyset paging) and a changed
    row finds its place by binary search: a change costs O(changed x log loaded),
    never a walk over the loaded rows. Changes arriving while a change query is out
    are merged into the next one.

    Signals:
        counts_changed: the unread count, the loaded state or the emptiness changed.
    """

    counts_changed = Signal()

    def __init__(self, reads: Reads, flt: ColumnFilter, parent: Any = None) -> None:
        super().__init__(parent)
        self._reads = reads
        self._filter = flt
        self._rows: list[ConversationSummary] = []
        self._keys: list[OrderKey] = []  # order_key of each row, sorted
        self._key_of: dict[int, OrderKey] = {}  # conversation id -> its row's key
        self._more = False
        self._loading = False  # a next page is on its way
        self._loaded = False  # the first page has arrived
        self._filter_gen = 0  # bumped on every new filter: stale results are dropped
        self._tickets: list[Ticket] = []
        self._changing = False  # a change query is out
        self._waiting: set[int] = set()  # ids changed meanwhile: one query when it returns
        self.unread = 0
        # time.monotonic() when a change last landed: the view spreads the drawing of
        # new cards over several turns of the event loop for a while (ColumnList).
        self.changed_at = -1e9
        self.reload()

    # -- Qt model API -------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == SUMMARY_ROLE:
            return row
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{row.contact_name or row.contact_handle}: {row.snippet}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            unread = "unread, " if row.unread else ""
            return f"{unread}{row.contact_name} @{row.contact_handle}: {row.snippet}"
        return None

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more and not self._loading

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._more or self._loading or not self._rows:
            return
        self._loading = True
        flt, filter_gen, last = self._filter, self._filter_gen, self._rows[-1]
        self._ask(
            lambda s: s.conversations.page(flt, PAGE_SIZE, after=last),
            lambda page: self._next_page(filter_gen, last, page),
        )

    # -- what the deck asks -------------------------------------------------------

    @property
    def filter(self) -> ColumnFilter:
        return self._filter

    def set_filter(self, flt: ColumnFilter) -> None:
        if flt != self._filter:
            self._filter = flt
            self.reload()

    def rows(self) -> list[ConversationSummary]:
        return list(self._rows)

    def row_of(self, conversation_id: int) -> int:
        key = self._key_of.get(conversation_id)
        return -1 if key is None else bisect.bisect_left(self._keys, key)

    def summary(self, row: int) -> ConversationSummary | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    @property
    def loaded(self) -> bool:
        """True once the first page of the current filter has arrived."""
        return self._loaded

    @property
    def exhausted(self) -> bool:
        """True when every matching row is loaded (an empty exhausted column is empty)."""
        return self._loaded and not self._more

    def reload(self) -> None:
        """Drop everything and ask for the first page and the unread count (a new filter)."""
        for ticket in self._tickets:
            ticket.cancel()
        self._tickets = []
        self._filter_gen += 1
        self._loading = False
        self._loaded = False
        self._more = False
        self._changing = False
        self._waiting = set()
        if self._rows:
            self.beginResetModel()
            self._set_rows([])
            self.endResetModel()
        self.counts_changed.emit()
        filter_gen, flt = self._filter_gen, self._filter
        self._ask(
            lambda s: (
                s.conversations.page(flt, PAGE_SIZE),
                s.conversations.count(flt, unread_only=True),
            ),
            lambda result: self._first_page(filter_gen, *result),
        )

    def release_after(self, row: int) -> None:
        """Let go of loaded rows far behind `row` (the last one in view): bounded memory.

        Rows more than KEEP_BEHIND past it are dropped, never a row a view still holds
        (the selection, the current row: persistent indexes); the loaded rows stay a
        prefix, so scrolling down again pages them back in by key.
        """
        held = max((p.row() for p in self.persistentIndexList()), default=-1)
        keep = max(row + 1 + KEEP_BEHIND, held + 1, PAGE_SIZE)
        if len(self._rows) <= keep + PAGE_SIZE:  # not worth a signal for a page or less
            return
        self._truncate(keep)

    def on_changed(self, changed: Changed) -> None:
        """Re-query only the conversations that concern this column (merged while one is out)."""
        if not changed.conversations:
            return
        self._waiting |= changed.conversations
        if not self._changing:
            self._ask_changes()

    def _ask_changes(self) -> None:
        if not self._waiting or not self._loaded:
            return  # before the first page: asked again once it is in
        ids, self._waiting = frozenset(self._waiting), set()
        flt, filter_gen = self._filter, self._filter_gen
        through = self._rows[-1] if self._more else None
        # The loaded rows stay a prefix: at most as many changed rows as are loaded can
        # land in it; the query returns them in order and the tail behind them goes.
        limit = max(len(self._rows), PAGE_SIZE)
        self._changing = True

        def query(s: Store) -> tuple[list[ConversationSummary], int]:
            rows = s.conversations.changed_rows(flt, ids, through, limit)
            return rows, s.conversations.count(flt, unread_only=True)

        self._ask(query, lambda result: self._apply_change(filter_gen, ids, limit, *result))

    # -- results, on the GUI thread -----------------------------------------------

    def _ask(self, fn: ReadFn, on_done: Callable[[Any], None]) -> None:
        self._tickets = [t for t in self._tickets if not t.cancelled]
        asked: list[Ticket | None] = []  # [ticket] while out, [None] once answered
        ticket = self._reads.read(fn, lambda result: self._guarded(on_done, result, asked))
        if not asked:  # a synchronous reader has answered already
            asked.append(ticket)
            self._tickets.append(ticket)

    def _guarded(
        self, on_done: Callable[[Any], None], result: Any, asked: list[Ticket | None]
    ) -> None:
        if shiboken6.isValid(self):  # the column may be gone by the time a result lands
            if asked and asked[0] in self._tickets:
                self._tickets.remove(asked[0])
            asked[:] = [None]
            on_done(result)

    def _set_rows(self, rows: list[ConversationSummary]) -> None:
        sort = self._filter.sort
        self._rows = rows
        self._keys = [order_key(r, sort) for r in rows]
        self._key_of = {r.id: k for r, k in zip(rows, self._keys, strict=True)}

    def _first_page(self, filter_gen: int, page: list[ConversationSummary], unread: int) -> None:
        if filter_gen != self._filter_gen:
            return
        self.beginResetModel()
        self._set_rows(sorted(page, key=lambda r: order_key(r, self._filter.sort)))
        self._more = len(page) == PAGE_SIZE
        self._loaded = True
        self.endResetModel()
        self.unread = unread
        self.counts_changed.emit()
        if self._waiting:
            self._ask_changes()

    def _next_page(
        self, filter_gen: int, last: ConversationSummary, page: list[ConversationSummary]
    ) -> None:
        self._loading = False
        if filter_gen != self._filter_gen:
            return
        if not self._rows or self._rows[-1] != last:
            # The tail moved meanwhile: ask again behind the row that is last now.
            if self._loaded and self._more:
                self.fetchMore()
            return
        full = len(page) == PAGE_SIZE  # a short page is the last one
        sort = self._filter.sort
        tail = self._keys[-1]
        keyed = [(order_key(r, sort), r) for r in page if r.id not in self._key_of]
        keyed = sorted((k, r) for k, r in keyed if k > tail)  # only what lies behind
        if not full:
            self._more = False
        if not keyed:
            self._more = self._more and full
            self.counts_changed.emit()
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(keyed) - 1)
        for key, row in keyed:
            self._rows.append(row)
            self._keys.append(key)
            self._key_of[row.id] = key
        self.endInsertRows()
        if not self._more:
            self.counts_changed.emit()

    def _apply_change(
        self,
        filter_gen: int,
        ids: frozenset[int],
        limit: int,
        found: list[ConversationSummary],
        unread: int,
    ) -> None:
        if filter_gen != self._filter_gen:
            return  # a newer filter: its first page is fresher
        self._changing = False
        if found or not ids.isdisjoint(self._key_of):
            self.changed_at = time.monotonic()
        sort = self._filter.sort
        shown = {r.id: (order_key(r, sort), r) for r in found}
        gone = [cid for cid in ids if cid in self._key_of and cid not in shown]
        if len(gone) + len(shown) > BULK_CHANGE:
            self._apply_bulk(gone, shown)
        else:
            for cid in gone:
                self._remove(cid)
            for key, summary in shown.values():
                self._place(key, summary)
        if len(found) >= limit and found:
            # More changed rows than fit: everything behind the last one we got is unknown.
            self._truncate(self.row_of(found[-1].id) + 1)
        self.unread = unread
        self.counts_changed.emit()
        if self._waiting:
            self._ask_changes()

    # -- row surgery ----------------------------------------------------------------

    def _truncate(self, keep: int) -> None:
        """Drop the rows from `keep` on; the rest of the column comes back by paging."""
        if keep >= len(self._rows):
            return
        self.beginRemoveRows(QModelIndex(), keep, len(self._rows) - 1)
        for row in self._rows[keep:]:
            del self._key_of[row.id]
        del self._rows[keep:]
        del self._keys[keep:]
        self._more = True
        self.endRemoveRows()

    def _remove(self, cid: int) -> None:
        row = self.row_of(cid)
        if row >= 0:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            del self._keys[row]
            del self._key_of[cid]
            self.endRemoveRows()

    def _place(self, key: OrderKey, summary: ConversationSummary) -> None:
        """Put a (new or changed) row where the store's order puts it: two binary searches."""
        old = self.row_of(summary.id)
        target = bisect.bisect_left(self._keys, key)
        if old >= 0 and old < target:
            target -= 1  # its own old place is taken out first
        if old == target:
            self._rows[old] = summary
            self._keys[old] = key
            self._key_of[summary.id] = key
            index = self.index(old)
            self.dataChanged.emit(index, index)
            return
        if old >= 0:
            dest = target if target < old else target + 1
            self.beginMoveRows(QModelIndex(), old, old, QModelIndex(), dest)
            del self._rows[old]
            del self._keys[old]
            self._rows.insert(target, summary)
            self._keys.insert(target, key)
            self._key_of[summary.id] = key
            self.endMoveRows()
            index = self.index(target)
            self.dataChanged.emit(index, index)
            return
        self.beginInsertRows(QModelIndex(), target, target)
        self._rows.insert(target, summary)
        self._keys.insert(target, key)
        self._key_of[summary.id] = key
        self.endInsertRows()

    def _apply_bulk(
        self, gone: list[int], shown: dict[int, tuple[OrderKey, ConversationSummary]]
    ) -> None:
        """Many rows at once: one layout change, persistent indexes (selection) carried over."""
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [self._rows[p.row()].id if 0 <= p.row() < len(self._rows) else 0 for p in persistent]
        drop = set(gone) | shown.keys()
        kept = [(k, r) for k, r in zip(self._keys, self._rows, strict=True) if r.id not in drop]
        merged = sorted([*kept, *shown.values()], key=lambda kr: kr[0])
        self._rows = [r for _, r in merged]
        self._keys = [k for k, _ in merged]
        for cid in gone:
            self._key_of.pop(cid, None)
        for cid, (key, _) in shown.items():
            self._key_of[cid] = key
        moved = [self.index(self.row_of(cid)) if cid in self._key_of else QModelIndex()
                 for cid in held]  # fmt: skip
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()
