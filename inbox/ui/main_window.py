"""The main window: search bar, deck, conversation pane, named menus, status bar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QColor, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGraphicsDropShadowEffect,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from inbox.core.events import AccountStatus, Changed, ErrorEvent
from inbox.store import Store
from inbox.ui import actions, fmt
from inbox.ui.bridge import EngineBridge
from inbox.ui.deck import Deck
from inbox.ui.pane import NO_CONVERSATION, ConversationPane
from inbox.ui.style import stylesheet

SEARCH_DELAY_MS = 200
PANE_WIDTH = 520  # the reading pane's width until the user drags it
PANE_MIN = 380
MIN_DECK_WIDTH = 400
WIDE_WINDOW = 1280  # from this width the pane opens beside the deck; below, over it
STATUS_TEXT = {
    "ok": "up to date",
    "syncing": "syncing…",
    "needs_signin": "sign in again",
    "rate_limited": "rate limited",
    "offline": "offline",
}


class MainWindow(QMainWindow):
    """The deck window. Other features hook in through the extension points below.

    Extension points:
        bind(id, handler) -> QAction: makes an action declared in inbox.ui.actions live
            (menu entry, shortcut, `?` help); the only way to add a menu entry.
        menu(name) -> QMenu: a menu of actions.MENU_ORDER (filled by bind).
        pane: the ConversationPane (conversation_changed, add_action, add_action_widget).
        deck: the Deck (opened signal, columns()).
        bridge: the EngineBridge (changed, progress, error, account_status; run, write).
        store: the GUI's read-only Store.
        current_conversation_id() -> int: the open conversation, 0 when none.

    Signals:
        ready: the first pages of every column are loaded and the window is shown.
        reopen_requested: the profile's data now lives elsewhere (the Team server form
            connected or disconnected it): the session opens a new window on it and
            closes this one (app.Session.reopen).
    """

    ready = Signal()
    reopen_requested = Signal()

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
        self._menus: dict[str, QMenu] = {}
        self.setWindowTitle("Social Inbox")
        self.setObjectName("mainWindow")
        self.resize(1600, 1000)
        self.setStyleSheet(stylesheet())

        self.deck = Deck(store, bridge, now)
        self.pane = ConversationPane(store, now)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.deck)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.splitterMoved.connect(self._user_moved_splitter)
        # The deck fills the window; the pane appears only with a conversation in it,
        # beside the deck in a wide window and over it (from the right) in a narrow one.
        self._pane_width = PANE_WIDTH
        self.central = QWidget()
        self.central.setObjectName("centralArea")
        central_layout = QVBoxLayout(self.central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.addWidget(self.splitter)
        self.central.installEventFilter(self)
        self.setCentralWidget(self.central)
        self.pane.setParent(self.central)
        self.pane.hide()
        self.pane_mode = "beside"

        self.search_field = QLineEdit()
        self.search_field.setObjectName("searchField")
        self.search_field.setPlaceholderText("Search every message  ( / )")
        self.search_field.setClearButtonEnabled(True)
        self.search_field.setMaximumWidth(460)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._run_search)
        self.search_field.textChanged.connect(lambda _t: self._search_timer.start())
        self.search_field.returnPressed.connect(self._search_now)

        top = QToolBar("Main")
        top.setObjectName("mainToolbar")
        top.setMovable(False)
        top.setFloatable(False)
        title = QLabel("Social Inbox")
        title.setObjectName("appTitle")
        top.addWidget(title)
        spacer = QWidget()
        spacer.setFixedWidth(24)
        top.addWidget(spacer)
        top.addWidget(self.search_field)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, top)
        self.toolbar = top

        self._account_labels: dict[int, QLabel] = {}
        self.error_label = QLabel()
        self.error_label.setObjectName("errorLabel")
        self.statusBar().addWidget(self.error_label, 1)
        self._build_menus()
        stretch = QWidget()
        stretch.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        top.addWidget(stretch)
        top.addAction(self.actions_by_name["new_column"])
        self._refresh_accounts()

        # Relative times ("5m") age while the window is open: repaint, no query.
        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(30_000)
        self._clock_timer.timeout.connect(self._repaint_times)
        self._clock_timer.start()

        self.deck.opened.connect(self.open_conversation)
        self.pane.conversation_changed.connect(lambda _cid: self._place_pane())
        self.pane.closed.connect(self._pane_closed)
        bridge.changed.connect(self._on_changed)
        bridge.error.connect(self._on_error)
        bridge.account_status.connect(self._on_account_status)

    # -- extension points -----------------------------------------------------------

    def menu(self, name: str) -> QMenu:
        """The named menu of the menu bar, created on first use (for other features)."""
        found = self._menus.get(name)
        if found is not None:
            return found
        bar = self.menuBar()
        menu = QMenu(f"&{name}", self)
        menu.setObjectName(f"menu{name}")
        # Known menus keep their order; a feature's own menu goes just before Help.
        order = actions.MENU_ORDER
        after = order[order.index(name) + 1 :] if name in order else ("Help",)
        later = [self._menus[n] for n in after if n in self._menus]
        if later:
            bar.insertMenu(later[0].menuAction(), menu)
        else:
            bar.addMenu(menu)
        self._menus[name] = menu
        return menu

    def bind(self, action_id: str, handler: Callable[..., object], enabled: bool = True) -> QAction:
        """Make a declared action (inbox.ui.actions) live: its menu entry and its shortcut.

        The label, menu, place in the menu and shortcuts come from the declaration, so
        the menus, the `?` help and the README cannot drift. A numbered action (go to
        column 1-9, Alt+1-3 suggested answer) calls handler(index) and returns the first
        of its QActions.
        Raises KeyError for an undeclared id.
        """
        spec = actions.spec(action_id)
        made: list[QAction] = []
        if spec.numbered:
            for n in range(1, spec.count + 1):
                action = QAction(f"{spec.label} {n}", self)
                action.setShortcut(QKeySequence(f"{spec.prefix}{n}"))
                action.triggered.connect(lambda _checked=False, i=n - 1: handler(i))
                made.append(action)
        else:
            action = QAction(spec.label, self)
            action.setShortcuts([QKeySequence(k) for k in spec.shortcuts])
            action.setToolTip(spec.description)
            action.triggered.connect(lambda _checked=False: handler())
            made.append(action)
        for action in made:
            action.setObjectName(f"action_{spec.id}")
            action.setProperty("actionId", spec.id)
            action.setEnabled(enabled)
            if spec.scope == "deck":
                # Scoped to the deck so it never steals the key from a reply box.
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                self.deck.addAction(action)
            else:
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
                self.addAction(action)  # so the shortcut fires with the menu closed
        self._bound[spec.id] = made
        self._fill_menu(spec.menu)
        self.actions_by_name[spec.id] = made[0]
        return made[0]

    def bound(self) -> dict[str, QAction]:
        """Every bound action by id (the first one of a numbered action)."""
        return dict(self.actions_by_name)

    def _fill_menu(self, name: str) -> None:
        """(Re)build a menu from the declarations, in declared order, with the bound actions."""
        menu = self.menu(name)
        menu.clear()
        section: int | None = None
        for spec in actions.ACTIONS:
            if spec.menu != name or spec.id not in self._bound:
                continue
            if section is not None and spec.section != section:
                menu.addSeparator()
            section = spec.section
            menu.addActions(self._bound[spec.id])

    def current_conversation_id(self) -> int:
        return self.pane.conversation_id

    # -- menus --------------------------------------------------------------------

    def _build_menus(self) -> None:
        for name in actions.MENU_ORDER:
            self.menu(name)
        self.actions_by_name: dict[str, QAction] = {}
        self._bound: dict[str, list[QAction]] = {}
        bind = self.bind
        bind("preferences", self.show_preferences)
        bind("quit", self.close)
        bind("search", self.focus_search)
        bind("escape", self.go_back)
        bind("go_column", self.deck.focus_column)
        bind("new_column", self.deck.new_column)
        bind("new_search_column", self.deck.new_search_column)
        bind("edit_column", lambda: self._with_column(self.deck.edit_column))
        bind("rename_column", lambda: self._with_column(self.deck.rename_column))
        bind("move_left", lambda: self._with_column(lambda v: self.deck.move_column(v, -1)))
        bind("move_right", lambda: self._with_column(lambda v: self.deck.move_column(v, 1)))
        for name in ("narrow", "medium", "wide"):
            bind(
                f"width_{name}",
                lambda n=name: self._with_column(lambda v: self.deck.set_column_width(v, n)),
            )
        bind("remove_column", lambda: self._with_column(self.deck.remove_column))
        bind("next", lambda: self.deck.step(1))
        bind("previous", lambda: self.deck.step(-1))
        bind("open", self.deck.open_current)
        bind("keys", self.show_keys)
        bind("about", self.show_about)

    def _user_moved_splitter(self, _pos: int, _index: int) -> None:
        sizes = self.splitter.sizes()
        if len(sizes) == 2 and sizes[1] > 0:
            self._pane_width = sizes[1]

    def pane_open(self) -> bool:
        return self.pane.conversation_id != NO_CONVERSATION

    def _place_pane(self) -> None:
        """Beside the deck in a wide window, over it in a narrow one; hidden when empty."""
        wide = self.width() >= WIDE_WINDOW
        showing = self.pane_open()
        self.pane_mode = "beside" if wide else "over"
        self.pane.setProperty("overlay", not wide)
        if wide:
            if self.pane.parent() is not self.splitter:
                self.pane.setGraphicsEffect(None)  # type: ignore[arg-type]
                self.splitter.addWidget(self.pane)
                self.splitter.setStretchFactor(0, 1)
                self.splitter.setStretchFactor(1, 0)
            self.pane.setVisible(showing)
            if showing:
                total = sum(self.splitter.sizes()) or self.splitter.width()
                width = max(PANE_MIN, min(self._pane_width, total - MIN_DECK_WIDTH))
                if self._pane_width == PANE_WIDTH:  # not dragged: cut no column in two
                    width = self._whole_columns(total, width)
                self.splitter.setSizes([total - width, width])
            return
        if self.pane.parent() is not self.central:
            self.pane.setParent(self.central)  # out of the splitter: the deck takes it all
            shadow = QGraphicsDropShadowEffect(self.pane)
            shadow.setBlurRadius(24)
            shadow.setOffset(-4, 0)
            shadow.setColor(QColor(0, 0, 0, 90))
            self.pane.setGraphicsEffect(shadow)
        area = self.central.rect()
        width = max(min(PANE_MIN, area.width()), min(self._pane_width, area.width() - 48))
        self.pane.setGeometry(area.right() - width + 1, area.top(), width, area.height())
        self.pane.setVisible(showing)
        if showing:
            self.pane.raise_()

    def _whole_columns(self, total: int, width: int) -> int:
        """The pane's width, narrowed (down to PANE_MIN) when that shows one more column
        whole instead of cutting it at the pane's edge (3 columns at 1600 px), widened over
        a sliver of a column that cannot show whole."""
        shown = [n for n in range(1, len(self.deck.columns()) + 1)]
        fits = [n for n in shown if self.deck.room_for(n) <= total - PANE_MIN]
        if not fits:
            return width
        need = self.deck.room_for(max(fits)) + self.splitter.handleWidth()
        if need > total - width:
            return total - need
        if max(fits) < len(self.deck.columns()) and total - width - need < 48:
            return total - need  # a few pixels of the next column: the pane takes them
        return width

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.central and event.type() == QEvent.Type.Resize:
            self._place_pane()
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_pane()
        if getattr(self, "_labels_narrow", None) != (self.width() < WIDE_WINDOW):
            self._relabel_accounts()

    def _repaint_times(self) -> None:
        for view in self.deck.columns():
            view.list.viewport().update()

    def _with_column(self, fn: Callable[..., object]) -> None:
        view = self.deck.current_column()
        if view is not None and view.column_id is not None:
            fn(view)

    # -- behaviour ----------------------------------------------------------------

    def open_conversation(self, conversation_id: int) -> None:
        """Show a conversation in the pane and mark it read (a write, so via the engine)."""
        if not self.pane.show_conversation(conversation_id):
            return
        self._place_pane()
        view = self.deck.current_column()
        if view is not None:  # the pane may have taken room: keep the column in sight
            QTimer.singleShot(0, lambda: self.deck.ensureWidgetVisible(view))
        if self.pane.summary is not None and self.pane.summary.unread:
            self.bridge.op("conversations.mark_read", conversation_id=conversation_id)

    def focus_search(self) -> None:
        self.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_field.selectAll()

    def go_back(self) -> None:
        """Esc: leave the search field, then close the search column, then the pane."""
        if self.search_field.hasFocus() or self.deck.search_view is not None:
            self.search_field.clear()
            self._search_timer.stop()
            self.deck.close_search()
            self.pane.set_highlight(())
            self.deck.focus_column(0)
            return
        if self.pane.conversation_id != NO_CONVERSATION:
            self.pane.clear()

    def _search_now(self) -> None:
        self._search_timer.stop()
        self._run_search()
        self.deck.focus_column(0)

    def _run_search(self) -> None:
        text, ignored = search_words(self.search_field.text(), self.store.accounts())
        view = self.deck.show_search(text)
        words = [w.strip('"*') for w in text.split() if w.upper() != "OR" and not w.startswith("-")]
        self.pane.set_highlight(words)
        if view is not None:
            view.set_highlight(words)
        if view is not None and ignored:
            view.set_name(f"Search: {text}  (not {', '.join(ignored)}: in every mention)")

    def _pane_closed(self) -> None:
        view = self.deck.current_column()
        if view is not None:
            view.focus_list()

    def _on_changed(self, changed: Changed) -> None:
        self.pane.on_changed(changed)
        if changed.accounts:
            self._refresh_accounts()

    def _on_error(self, event: ErrorEvent) -> None:
        self.error_label.setText(f"⚠ {event.message}")
        self.error_label.setToolTip(event.detail or event.message)

    def _on_account_status(self, event: AccountStatus) -> None:
        label = self._account_labels.get(event.account_id)
        if label is None:
            self._refresh_accounts()
            label = self._account_labels.get(event.account_id)
        if label is not None:
            self._set_account_label(
                label, str(label.property("handle")), event.status, event.detail
            )

    def _refresh_accounts(self) -> None:
        for label in self._account_labels.values():
            self.statusBar().removeWidget(label)
            label.deleteLater()
        self._account_labels = {}
        for account in self.store.accounts():
            label = QLabel()
            label.setObjectName("accountStatus")
            handle = f"{fmt.network_label(account.network)} @{account.handle}"
            label.setProperty("handle", handle)
            self._set_account_label(label, handle, account.status, account.status_detail)
            self.statusBar().addPermanentWidget(label)
            self._account_labels[account.id] = label
        if not self._account_labels:
            label = QLabel("No account yet: File ▸ Add account…")
            label.setObjectName("accountStatus")
            self.statusBar().addPermanentWidget(label)
            self._account_labels[0] = label  # replaced once an account is added

    def _set_account_label(self, label: QLabel, handle: str, status: str, detail: str) -> None:
        """ "● Mastodon @teashop@…: up to date"; in a narrow window an account that is up to
        date shows its network only (the rest is in the tooltip), so a problem keeps room."""
        dot = {"ok": "#37b24d", "syncing": "#1c7ed6"}.get(status, "#e8590c")
        words = STATUS_TEXT.get(status, status)
        if status == "syncing" and detail:  # a back-fill's progress: "syncing… 120 items"
            words = f"{words} {detail}"
        shown = f"{handle}: {words}"
        if self.width() < WIDE_WINDOW and status in ("ok", "syncing"):
            shown = handle.split(" @")[0] + ("" if status == "ok" else f": {words}")
        label.setText(f"<span style='color:{dot}'>●</span> {shown}")
        more = f"\n{detail}" if detail and status != "syncing" else ""
        label.setToolTip(f"{handle}: {words}{more}")
        label.setProperty("status", status)
        label.setProperty("detail", detail)

    def _relabel_accounts(self) -> None:
        self._labels_narrow = self.width() < WIDE_WINDOW
        for label in self._account_labels.values():
            handle = label.property("handle")
            if handle:
                self._set_account_label(
                    label, str(handle), str(label.property("status")),
                    str(label.property("detail") or ""),
                )  # fmt: skip

    def show_keys(self) -> QDialog:
        """Every action and key, generated from the declarations."""
        dialog = QDialog(self)
        dialog.setObjectName("keysDialog")
        dialog.setWindowTitle("Keyboard shortcuts")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        text = QLabel(actions.help_html())
        text.setObjectName("keysText")
        text.setTextFormat(Qt.TextFormat.RichText)
        scroll = QScrollArea()
        scroll.setWidget(text)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        dialog.resize(max(520, text.sizeHint().width() + 60), min(760, self.height() - 40))
        dialog.show()
        return dialog

    def show_preferences(self) -> QDialog:
        from inbox.ui.preferences import open_preferences

        return open_preferences(self)

    def show_about(self) -> QDialog:
        from inbox.ui.about import AboutDialog

        dialog = AboutDialog(self.store, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if self.bridge.detached:
            return  # closed: its store is gone
        if event.type() in (QEvent.Type.ApplicationPaletteChange, QEvent.Type.PaletteChange):
            # The system switched light/dark: the stylesheet and the thread's HTML carry colours.
            # Setting a stylesheet changes the palette too: only a new scheme restyles.
            sheet = stylesheet()
            if sheet != self.styleSheet():
                self.setStyleSheet(sheet)
                if self.pane.conversation_id:
                    self.pane.show_conversation(self.pane.conversation_id)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.bridge.detach()
        super().closeEvent(event)


def search_words(text: str, accounts: list[Any]) -> tuple[str, list[str]]:
    """The search without our own handles, and the handles left out.

    Every mention of an account carries its handle, so searching it would match all
    of them; with other words it is dropped, alone it is kept (the user asked for it).
    """
    own = set()
    for account in accounts:
        handle = account.handle.lstrip("@").lower()
        own |= {handle, handle.split("@")[0], handle.split(".")[0]}
    words = text.split()
    kept = [w for w in words if w.lstrip("@").lower() not in own]
    if not kept:
        return text.strip(), []
    ignored = [w for w in words if w not in kept]
    return " ".join(kept), ignored
