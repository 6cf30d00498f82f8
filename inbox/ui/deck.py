"""The deck: a horizontal, scrollable row of columns kept in step with the stored columns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QMessageBox, QScrollArea, QWidget

from inbox.core.clock import from_iso
from inbox.core.errors import NotFound
from inbox.core.events import Changed, SearchStatus
from inbox.core.models import Column, ColumnFilter
from inbox.core.monitoring import FetchState, SearchSpec
from inbox.store import Store
from inbox.ui.bridge import EngineBridge
from inbox.ui.column_model import ColumnModel
from inbox.ui.column_view import WIDTHS, ColumnView
from inbox.ui.deck_empty import USUAL_COLUMNS, EmptyDeck
from inbox.ui.fmt import network_label, time_ago

COLUMNS_CHANGED = Changed(columns=True)
WIDTHS_SETTING = "deck.column_widths"
CHANGE_BATCH_MS = 60  # short enough to feel live, long enough to merge a sync's pages


def search_filter(text: str) -> ColumnFilter:
    """The filter store.conversations.search uses, so a search column follows changes too."""
    return ColumnFilter(query=text, statuses=(), include_hidden=True, sort="newest")


# The operations' argument helpers are imported when a column is written: importing
# inbox.engine.ops loads every operation module, which the deck's first paint does not need.
def filter_args(flt: ColumnFilter) -> dict[str, Any]:
    """A filter as an operation argument (engine.ops.columns.filter_args)."""
    from inbox.engine.ops.columns import filter_args as args

    return args(flt)


def spec_args(spec: SearchSpec) -> dict[str, Any]:
    """A search as operation arguments (engine.ops.monitoring.spec_args)."""
    from inbox.engine.ops.monitoring import spec_args as args

    return args(spec)


class Deck(QScrollArea):
    """Columns side by side; every write goes to the engine, the deck redraws from the store.

    Signals:
        opened(int): a conversation was opened from any column.
        layout_changed: columns were added, removed, renamed or reordered.
    """

    opened = Signal(int)
    layout_changed = Signal()

    def __init__(
        self,
        store: Store,
        bridge: EngineBridge,
        now: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.bridge = bridge
        self._now = now
        self._views: list[ColumnView] = []
        self._search: ColumnView | None = None
        self._current: ColumnView | None = None
        self.team_id: int | None = None  # whose deck is shown; None is the shared deck
        # Narrows every column (triage's "My work", "Unassigned"); None shows them as stored.
        self.scope: Callable[[ColumnFilter], ColumnFilter] | None = None
        self.setObjectName("deck")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        inner = QWidget()
        inner.setObjectName("deckInner")
        self._layout = QHBoxLayout(inner)
        self._layout.setContentsMargins(12, 12, 12, 12)
        self._layout.setSpacing(12)
        self._layout.addStretch(1)
        self.empty_card = EmptyDeck()
        self.empty_card.usual_requested.connect(self.add_usual_columns)
        self.empty_card.new_requested.connect(self.new_column)
        self.setWidget(inner)
        self._pending: set[int] = set()
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(CHANGE_BATCH_MS)
        self._flush_timer.timeout.connect(self._flush_changes)
        bridge.changed.connect(self.on_changed)
        bridge.search_status.connect(self._on_search_status)
        self.reload_columns()

    # -- reading ------------------------------------------------------------------

    def columns(self) -> list[ColumnView]:
        """Every column in screen order, the search column (if open) first."""
        return ([self._search] if self._search else []) + list(self._views)

    def stored_columns(self) -> list[ColumnView]:
        return list(self._views)

    def view_for(self, column_id: int) -> ColumnView | None:
        return next((v for v in self._views if v.column_id == column_id), None)

    @property
    def search_view(self) -> ColumnView | None:
        return self._search

    def content_width(self) -> int:
        """Width that shows every column without scrolling."""
        margins = self._layout.contentsMargins()
        n = len(self.columns())
        spacing = self._layout.spacing() * max(0, n - 1)
        widths = sum(WIDTHS[v.width_name] for v in self.columns())
        inner = widths + spacing if n else self.empty_card.width()
        return margins.left() + margins.right() + inner + 2

    def loaded(self) -> bool:
        """True when every column shows its first page (screenshots, tests)."""
        return all(v.model.loaded for v in self.columns())

    def current_column(self) -> ColumnView | None:
        cols = self.columns()
        if self._current in cols:
            return self._current
        return cols[0] if cols else None

    # -- keeping in step with the store ---------------------------------------------

    def on_changed(self, changed: Changed) -> None:
        if changed.columns:
            self.reload_columns()
        if changed.conversations:
            # A sync publishes one Changed per page: gather a burst into one re-query per
            # column (each costs a matching query and an unread count on the reader thread).
            self._pending |= changed.conversations
            self._flush_timer.start()

    def _flush_changes(self) -> None:
        ids, self._pending = frozenset(self._pending), set()
        if ids and not self.bridge.detached:
            for view in self.columns():
                view.model.on_changed(Changed(conversations=ids))

    def reload_columns(self) -> None:
        """Reconcile the widgets with the stored columns, reusing each one by id."""
        stored: list[Column] = self.store.columns.for_team(self.shown_team())
        keep = {c.id for c in stored}
        for view in [v for v in self._views if v.column_id not in keep]:
            self._views.remove(view)
            view.deleteLater()
        views: list[ColumnView] = []
        for column in stored:
            found = self.view_for(column.id)
            if found is None:
                found = self._make_view(column)
            else:
                found.apply(self._scoped(column))
            self._show_source(found, column.filter.search_id)
            views.append(found)
        self._views = views
        self._relayout()
        self.layout_changed.emit()

    def _show_source(
        self, view: ColumnView, search_id: int | None, fetch: FetchState | None = None
    ) -> None:
        """A search column's terms, networks and fetch state in its header."""
        view.search_id = search_id
        if search_id is None:
            view.set_source("")
            return
        try:
            search = self.store.searches.get(search_id)
        except NotFound:
            view.set_source("Search: (removed)")
            return
        spec, state = search.spec, fetch or search.fetch
        where = ", ".join(network_label(n) for n in spec.networks) or "every network"
        source = f"Search: {spec.describe()} · {where}"
        words = {"new": "not fetched yet", "fetching": "fetching…"}.get(state.state, "")
        if state.state in ("ok", "error") and state.fetched_at:
            words = f"fetched {time_ago(from_iso(state.fetched_at), self._now())}"
        if state.detail and state.state != "fetching":
            words = f"{words} · {state.detail}" if state.state == "ok" else state.detail
        view.set_source(source, words, error=state.state == "error" or bool(state.detail))

    def _on_search_status(self, event: SearchStatus) -> None:
        for view in self._views:
            if view.search_id == event.search_id:
                fetch = FetchState(event.state, event.detail, event.fetched_at)
                self._show_source(view, event.search_id, fetch)

    def shown_team(self) -> int | None:
        """The team whose columns are shown: the chosen one, else the first that has any."""
        if self.team_id is not None or self.store.columns.for_team(None):
            return self.team_id
        teams = sorted({c.team_id for c in self.store.columns.all() if c.team_id is not None})
        return teams[0] if teams else None

    def _scoped(self, column: Column) -> Column:
        return column if self.scope is None else replace(column, filter=self.scope(column.filter))

    def _make_view(self, column: Column) -> ColumnView:
        column = self._scoped(column)
        model = ColumnModel(self.bridge, column.filter)
        view = ColumnView(model, column.name, self._now, column_id=column.id)
        model.setParent(view)
        self._wire(view)
        view.edit_requested.connect(lambda: self.edit_column(view))
        view.rename_requested.connect(lambda: self.rename_column(view))
        view.remove_requested.connect(lambda: self.remove_column(view))
        view.move_requested.connect(lambda delta: self.move_column(view, delta))
        view.width_requested.connect(lambda name: self.set_column_width(view, name))
        view.set_width(self._widths().get(str(column.id), "medium"))
        return view

    def _widths(self) -> dict[str, str]:
        stored = self.store.setting(WIDTHS_SETTING)
        return dict(stored) if isinstance(stored, dict) else {}

    def set_column_width(self, view: ColumnView, name: str) -> None:
        """narrow / medium / wide, at once on screen and kept for the next start."""
        if name not in WIDTHS or view.column_id is None:
            return
        view.set_width(name)
        self.layout_changed.emit()
        self.bridge.op("columns.set_width", column_id=view.column_id, width=name)

    def _wire(self, view: ColumnView) -> None:
        view.opened.connect(self.opened)
        view.focused.connect(lambda: self._set_current(view))

    def _set_current(self, view: ColumnView) -> None:
        self._current = view

    def room_for(self, count: int) -> int:
        """The deck's width that shows its first `count` columns whole at their least width."""
        views = self.columns()[:count]
        margins = self._layout.contentsMargins()
        return (
            margins.left()
            + margins.right()
            + sum(v.minimumWidth() for v in views)
            + self._layout.spacing() * max(0, len(views) - 1)
            + 2 * self.frameWidth()
        )

    def _relayout(self) -> None:
        while self._layout.count():
            self._layout.takeAt(0)
        for view in self.columns():
            self._layout.addWidget(view, 1)  # columns share the room, up to their most width
        self.empty_card.setVisible(not self.columns())
        if not self.columns():
            self._layout.addWidget(self.empty_card, 0, Qt.AlignmentFlag.AlignTop)
        self._layout.addStretch(0)

    # -- writes (through the engine) -----------------------------------------------

    def add_usual_columns(self) -> None:
        """Priority, direct messages, mentions: one write, one redraw."""
        team = self.shown_team()

        self.bridge.op(
            "columns.add_many",
            columns=[{"name": n, "filter": filter_args(f)} for n, f in USUAL_COLUMNS],
            team_id=team,
        )

    def add_column(self, name: str, flt: ColumnFilter) -> None:
        team = self.shown_team()
        self.bridge.op("columns.add", name=name, filter=filter_args(flt), team_id=team)

    def new_column(self) -> None:
        """Ask for a filter and a name, then add the column."""
        from inbox.ui.filter_dialog import FilterDialog  # the dialogs load on first use

        dialog = FilterDialog(self.store.accounts(), ColumnFilter(), "New column", self)
        if dialog.exec():
            self.add_column(dialog.name(), dialog.result_filter())

    def new_search_column(self) -> None:
        """Ask for a search (terms, exclusions, networks) and a name, then add the column;
        the engine fetches it at once."""
        from inbox.ui.filter_dialog import SearchDialog

        dialog = SearchDialog(parent=self)
        if dialog.exec():
            spec = dialog.spec()
            self.bridge.op(
                "columns.add_search",
                name=dialog.name(),
                team_id=self.shown_team(),
                **spec_args(spec),
            )

    def edit_search_column(self, view: ColumnView) -> None:
        from inbox.ui.filter_dialog import SearchDialog

        if view.column_id is None or view.search_id is None:
            return
        try:
            spec = self.store.searches.get(view.search_id).spec
        except NotFound:
            spec = None
        dialog = SearchDialog(view.name, spec, self)
        if dialog.exec():
            self.bridge.op(
                "columns.edit_search",
                column_id=view.column_id,
                name=dialog.name(),
                **spec_args(dialog.spec()),
            )

    def edit_column(self, view: ColumnView) -> None:
        from inbox.ui.filter_dialog import FilterDialog

        if view.column_id is None:
            return
        if view.search_id is not None:
            self.edit_search_column(view)
            return
        cid = view.column_id
        # The stored filter, not the scoped one the model shows, so a scope is never saved.
        stored = next((c.filter for c in self.store.columns.all() if c.id == cid), None)
        flt_shown = stored if stored is not None else view.model.filter
        dialog = FilterDialog(self.store.accounts(), flt_shown, view.name, self)
        if dialog.exec():
            name, flt = dialog.name(), dialog.result_filter()
            self.bridge.op("columns.update", column_id=cid, name=name, filter=filter_args(flt))

    def rename_column(self, view: ColumnView) -> None:
        if view.column_id is None:
            return
        name, ok = QInputDialog.getText(self, "Rename column", "Name:", text=view.name)
        if ok and name.strip():
            self.rename(view.column_id, name.strip())

    def rename(self, column_id: int, name: str) -> None:
        self.bridge.op("columns.update", column_id=column_id, name=name)

    def remove_column(self, view: ColumnView, confirm: bool = True) -> None:
        if view is self._search:
            self.close_search()
            return
        if view.column_id is None:
            return
        if confirm:
            answer = QMessageBox.question(
                self, "Remove column", f"Remove the column “{view.name}”? Conversations stay."
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        cid = view.column_id
        self.bridge.op("columns.remove", column_id=cid)

    def move_column(self, view: ColumnView, delta: int) -> None:
        ids = [v.column_id for v in self._views if v.column_id is not None]
        if view.column_id not in ids:
            return
        at = ids.index(view.column_id)
        to = max(0, min(len(ids) - 1, at + delta))
        if to == at:
            return
        ids.insert(to, ids.pop(at))
        self.bridge.op("columns.reorder", column_ids=ids)

    # -- search -------------------------------------------------------------------

    def show_search(self, text: str) -> ColumnView | None:
        """Show (or update) the temporary search column; an empty text closes it."""
        text = text.strip()
        if not text:
            self.close_search()
            return None
        flt = search_filter(text)
        if self._search is None:
            model = ColumnModel(self.bridge, flt)
            view = ColumnView(
                model, "", self._now, None, empty_text="No conversation matches this search."
            )
            model.setParent(view)
            view.setObjectName("searchColumn")
            self._wire(view)
            view.remove_requested.connect(self.close_search)
            self._search = view
            self._relayout()
        else:
            self._search.model.set_filter(flt)
        self._search.set_name(f"Search: {text}")
        self.ensureWidgetVisible(self._search)
        return self._search

    def close_search(self) -> None:
        if self._search is None:
            return
        view, self._search = self._search, None
        if self._current is view:
            self._current = None
        view.hide()
        view.deleteLater()
        self._relayout()

    # -- keyboard -----------------------------------------------------------------

    def focus_column(self, n: int) -> bool:
        """Focus the n-th column (0-based, screen order)."""
        cols = self.columns()
        if not 0 <= n < len(cols):
            return False
        view = cols[n]
        self._current = view
        view.focus_list()
        self.ensureWidgetVisible(view)
        return True

    def step(self, delta: int) -> None:
        view = self.current_column()
        if view is not None:
            if not view.list.hasFocus():
                view.focus_list()
            view.step(delta)

    def following(self, ids: list[int]) -> int | None:
        """The row that comes after these conversations in the current column (else before)."""
        view = self.current_column()
        if view is None:
            return None
        rows = [r.id for r in view.model.rows()]
        gone = set(ids)
        places = [i for i, cid in enumerate(rows) if cid in gone]
        if not places:
            return None
        after = [cid for cid in rows[max(places) + 1 :] if cid not in gone]
        before = [cid for cid in rows[: min(places)] if cid not in gone]
        return after[0] if after else (before[-1] if before else None)

    def select(self, conversation_id: int) -> bool:
        """Make a conversation the current row of the current column (no open)."""
        view = self.current_column()
        row = view.model.row_of(conversation_id) if view is not None else -1
        if view is None or row < 0:
            return False
        index = view.model.index(row)
        view.list.setCurrentIndex(index)
        view.list.scrollTo(index)
        return True

    def open_current(self) -> None:
        view = self.current_column()
        cid = view.current_id() if view else None
        if cid is not None:
            self.opened.emit(cid)
