"""A column's rows: a lazily paged list model over a saved filter, updated only by what changed."""

from __future__ import annotations

from typing import Any

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

    The loaded rows are always a prefix of the filter's full ordered result, so
    the next page's offset is simply the number of rows loaded.

    Signals:
        counts_changed: the unread count or the emptiness of the column may have changed.
    """

    counts_changed = Signal()

    def __init__(self, store: Store, flt: ColumnFilter, parent: Any = None) -> None:
        super().__init__(parent)
        self._store = store
        self._filter = flt
        self._rows: list[ConversationSummary] = []
        self._more = True
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
        return not parent.isValid() and self._more

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._more:
            return
        page = self._page(len(self._rows))
        known = {r.id for r in self._rows}
        page = [r for r in page if r.id not in known]
        if not page:
            self._more = False
            self.counts_changed.emit()
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

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
    def exhausted(self) -> bool:
        """True when every matching row is loaded (an empty exhausted column is empty)."""
        return not self._more

    def reload(self) -> None:
        """Drop everything and load the first page (a new filter)."""
        self.beginResetModel()
        self._rows = self._page(0)
        self._more = len(self._rows) == PAGE_SIZE
        self.endResetModel()
        self._recount()

    def on_changed(self, changed: Changed) -> None:
        """Re-query only the conversations that concern this column."""
        if not changed.conversations:
            return
        shown = {r.id for r in self._rows} & changed.conversations
        admitted = self._store.conversations.matching(self._filter, changed.conversations)
        if not shown and not admitted:
            return
        for cid in shown - admitted:
            self._remove(cid)
        for cid in sorted(admitted):
            summary = self._store.conversations.get(cid)
            if summary is not None:
                self._place(summary)
        self._recount()

    # -- internals ----------------------------------------------------------------

    def _page(self, offset: int) -> list[ConversationSummary]:
        return self._store.conversations.page(self._filter, PAGE_SIZE, offset)

    def _recount(self) -> None:
        self.unread = self._store.conversations.count(self._filter, unread_only=True)
        self.counts_changed.emit()

    def _remove(self, cid: int) -> None:
        row = self.row_of(cid)
        if row >= 0:
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
