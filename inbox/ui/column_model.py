"""A column's rows: a lazily paged list model over a saved filter, updated only by what changed."""

from __future__ import annotations

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
from inbox.ui.reader import ReadFn, Reads, Ticket

PAGE_SIZE = 50
SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2

_FAR_FUTURE = 253402300799.0  # 9999-12-31T23:59:59Z: no SLA sorts last, as '9999' does

AnyIndex = QModelIndex | QPersistentModelIndex


def sort_key(row: ConversationSummary, sort: str) -> tuple[float, ...]:
    """The store's column order (queries.ORDERS) in Python, to place a changed row."""
    newest = -row.last_message_at.timestamp()
    if sort == "newest":
        return (newest, -row.id)
    sla = row.sla_due_at.timestamp() if row.sla_due_at else _FAR_FUTURE
    return (-row.priority, sla, newest, -row.id)


class ColumnModel(QAbstractListModel):
    """Conversations matching one filter, loaded 50 at a time as the view scrolls.

    Queries run on the reader thread (reads: the bridge); results are applied in
    request order on the GUI thread. The loaded rows are always a prefix of the
    filter's full ordered result, so the next page's offset is the row count; a
    page that was asked for before the rows changed is asked for again.

    Signals:
        counts_changed: the unread count, the loaded state or the emptiness changed.
    """

    counts_changed = Signal()

    def __init__(self, reads: Reads, flt: ColumnFilter, parent: Any = None) -> None:
        super().__init__(parent)
        self._reads = reads
        self._filter = flt
        self._rows: list[ConversationSummary] = []
        self._more = False
        self._loading = False  # a next page is on its way
        self._loaded = False  # the first page has arrived
        self._gen = 0  # bumped whenever the rows change shape: stale pages are re-asked
        self._filter_gen = 0  # bumped on every new filter: stale change results are dropped
        self._tickets: list[Ticket] = []
        self.unread = 0
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
        if parent.isValid() or not self._more or self._loading:
            return
        self._loading = True
        gen, flt, offset = self._gen, self._filter, len(self._rows)
        self._ask(
            lambda s: s.conversations.page(flt, PAGE_SIZE, offset),
            lambda page: self._next_page(gen, page),
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
        for n, row in enumerate(self._rows):
            if row.id == conversation_id:
                return n
        return -1

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
        self._gen += 1
        self._filter_gen += 1
        self._loading = False
        self._loaded = False
        self._more = False
        if self._rows:
            self.beginResetModel()
            self._rows = []
            self.endResetModel()
        self.counts_changed.emit()
        gen, flt = self._gen, self._filter
        self._ask(
            lambda s: (
                s.conversations.page(flt, PAGE_SIZE, 0),
                s.conversations.count(flt, unread_only=True),
            ),
            lambda result: self._first_page(gen, *result),
        )

    def on_changed(self, changed: Changed) -> None:
        """Re-query only the conversations that concern this column."""
        if not changed.conversations:
            return
        ids, flt, filter_gen = changed.conversations, self._filter, self._filter_gen
        shown = ids & {r.id for r in self._rows}  # taken here: the rows live on this thread

        def query(s: Store) -> tuple[set[int], list[ConversationSummary], int] | None:
            admitted = s.conversations.matching(flt, ids)
            if not admitted and not shown:
                return None  # not ours: no row to touch, no count to redo
            found = [s.conversations.get(cid) for cid in sorted(admitted)]
            summaries = [f for f in found if f is not None]
            return admitted, summaries, s.conversations.count(flt, unread_only=True)

        self._ask(query, lambda result: self._apply_change(filter_gen, ids, result))

    # -- results, on the GUI thread -----------------------------------------------

    def _ask(self, fn: ReadFn, on_done: Callable[[Any], None]) -> None:
        self._tickets = [t for t in self._tickets if not t.cancelled]
        ticket = self._reads.read(fn, lambda result: self._guarded(on_done, result))
        self._tickets.append(ticket)

    def _guarded(self, on_done: Callable[[Any], None], result: Any) -> None:
        if shiboken6.isValid(self):  # the column may be gone by the time a result lands
            on_done(result)

    def _first_page(self, gen: int, page: list[ConversationSummary], unread: int) -> None:
        if gen != self._gen:
            return
        self.beginResetModel()
        self._rows = page
        self._more = len(page) == PAGE_SIZE
        self._loaded = True
        self.endResetModel()
        self.unread = unread
        self.counts_changed.emit()

    def _next_page(self, gen: int, page: list[ConversationSummary]) -> None:
        self._loading = False
        if gen != self._gen:
            if self._loaded and self._more:
                self.fetchMore()  # the rows moved meanwhile: ask again at the right offset
            return
        full = len(page) == PAGE_SIZE  # a short page is the last one
        known = {r.id for r in self._rows}
        page = [r for r in page if r.id not in known]
        if not full:
            self._more = False
        if not page:
            self._more = False
            self.counts_changed.emit()
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()
        if not self._more:
            self.counts_changed.emit()

    def _apply_change(
        self,
        filter_gen: int,
        ids: frozenset[int],
        result: tuple[set[int], list[ConversationSummary], int] | None,
    ) -> None:
        if filter_gen != self._filter_gen or not self._loaded or result is None:
            return  # nothing of ours, or a newer filter whose first page is fresher
        admitted, summaries, unread = result
        for cid in ({r.id for r in self._rows} & ids) - admitted:
            self._remove(cid)
        for summary in summaries:
            self._place(summary)
        self.unread = unread
        self.counts_changed.emit()

    # -- row surgery ----------------------------------------------------------------

    def _remove(self, cid: int) -> None:
        row = self.row_of(cid)
        if row >= 0:
            self._gen += 1
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()

    def _place(self, summary: ConversationSummary) -> None:
        """Put a (new or changed) row where the store's order puts it, if it is loaded."""
        sort = self._filter.sort
        key = sort_key(summary, sort)
        old = self.row_of(summary.id)
        rest = [r for r in self._rows if r.id != summary.id]
        target = next((n for n, r in enumerate(rest) if sort_key(r, sort) > key), len(rest))
        if target == len(rest) and self._more:
            # Beyond the loaded prefix: a later page brings it, at the right offset.
            if old >= 0:
                self._remove(summary.id)
            return
        if old == target:
            self._rows[old] = summary
            index = self.index(old)
            self.dataChanged.emit(index, index)
            return
        self._gen += 1
        if old >= 0:
            dest = target if target < old else target + 1
            self.beginMoveRows(QModelIndex(), old, old, QModelIndex(), dest)
            del self._rows[old]
            self._rows.insert(target, summary)
            self.endMoveRows()
            index = self.index(target)
            self.dataChanged.emit(index, index)
            return
        self.beginInsertRows(QModelIndex(), target, target)
        self._rows.insert(target, summary)
        self.endInsertRows()
