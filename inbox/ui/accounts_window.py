"""File → Accounts…: every account with its status, last sync, rate-limit headroom,
"Sign in again" and "Remove"."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inbox.core.clock import from_iso
from inbox.core.events import Changed
from inbox.core.models import Account
from inbox.store import Store
from inbox.ui import fmt
from inbox.ui.bridge import EngineBridge

STATUS_WORDS = {
    "ok": "Up to date",
    "syncing": "Syncing…",
    "needs_signin": "Needs sign-in",
    "rate_limited": "Rate limited",
    "offline": "Offline",
}
HEADERS = ("Account", "Status", "Last synced", "Rate limit", "")


def headroom(adapter: Any) -> str:
    """What the network's last answer said about the calls left, in words."""
    api = getattr(adapter, "api", None)
    budget = getattr(api, "budget", None)
    if budget is not None and getattr(budget, "remaining", None) is not None:
        limit = f" of {budget.limit}" if budget.limit else ""
        reset = f", resets {budget.reset:%H:%M} UTC" if budget.reset else ""
        return f"{budget.remaining}{limit} calls left{reset}"
    budgets = getattr(api, "budgets", None)
    if budgets:
        low = min(budgets.values(), key=lambda b: getattr(b, "remaining", 0) or 0)
        return f"{getattr(low, 'remaining', '?')} calls left on the busiest endpoint"
    return "not known yet" if adapter is not None else "not connected"


class AccountsWindow(QDialog):
    """The accounts table; re-sign-in and removal go through the given callbacks / engine.

    sign_in(account) -> bool runs the sign-in dialog; remove runs on the engine thread.
    """

    def __init__(
        self,
        store: Store,
        bridge: EngineBridge,
        now: Callable[[], datetime],
        sign_in: Callable[[Account], bool],
        remove: Callable[[Any, Account], Awaitable[None]],
        add: Callable[[], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("accountsWindow")
        self.setWindowTitle("Accounts")
        self.resize(860, 320)
        self.store, self.bridge, self.now = store, bridge, now
        self._sign_in, self._remove = sign_in, remove
        self.headroom: dict[int, str] = {}
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("accountsTable")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(HEADERS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.empty = QLabel(
            "No account yet. Add one with “Add account…” below: your mentions and "
            "direct messages then arrive in the deck."
        )
        self.empty.setObjectName("accountsEmpty")
        self.empty.setWordWrap(True)
        add_button = QPushButton("Add account…")
        add_button.clicked.connect(lambda: add())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(add_button)
        bottom.addStretch()
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addLayout(bottom)
        bridge.changed.connect(self._on_changed)
        bridge.account_status.connect(lambda _e: self.refresh())
        self.refresh()
        self.ask_headroom()

    def _on_changed(self, changed: Changed) -> None:
        if changed.accounts:
            self.refresh()

    def ask_headroom(self) -> None:
        def read(engine: Any) -> dict[int, str]:
            return {a.id: headroom(engine.adapters.get(a.id)) for a in engine.store.accounts()}

        def got(values: Any) -> None:
            if isinstance(values, dict):
                self.headroom = values
                self.refresh()

        self.bridge.run(read, got, lambda _exc: None)

    def refresh(self) -> None:
        accounts = self.store.accounts()
        self.table.setRowCount(len(accounts))
        self.empty.setVisible(not accounts)
        self.table.setVisible(bool(accounts))
        now = self.now()
        for row, account in enumerate(accounts):
            synced = self.store.last_synced(account.id)
            when = fmt.time_ago(from_iso(synced), now) if synced else "never"
            status = STATUS_WORDS.get(account.status, account.status)
            if account.status_detail:
                status = f"{status}: {account.status_detail}"
            cells = (
                f"{fmt.network_label(account.network)}  @{account.handle}",
                status,
                when,
                self.headroom.get(account.id, "asking…"),
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
            self.table.setCellWidget(row, 4, self._buttons(account))
        self.table.resizeRowsToContents()

    def _buttons(self, account: Account) -> QWidget:
        box = QWidget()
        layout = QHBoxLayout(box)
        layout.setContentsMargins(4, 2, 4, 2)
        again = QPushButton("Sign in again")
        again.setObjectName(f"signIn{account.id}")
        again.clicked.connect(lambda: self._sign_in(account))
        remove = QPushButton("Remove…")
        remove.setObjectName(f"remove{account.id}")
        remove.clicked.connect(lambda: self.remove(account))
        layout.addWidget(again)
        layout.addWidget(remove)
        return box

    def remove(self, account: Account, confirm: bool = True) -> None:
        if confirm:
            answer = QMessageBox.question(
                self,
                "Remove account",
                f"Remove @{account.handle}? Its conversations are deleted from this "
                "profile and its token from the keyring. Nothing changes on the network.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return

        async def run(engine: Any) -> None:
            await self._remove(engine, account)
            engine.publish(Changed(accounts=True, columns=True))

        self.bridge.run(run)


__all__ = ["AccountsWindow", "headroom"]
