"""Accounts in the window: the add-account dialog, "Sign in again" buttons, and the sync loops.

install() connects every account whose token is in the keyring and starts the
engine loops (one per account, plus the outbox worker): the window is where
syncing runs, as `social-inbox sync` does headless.
"""

from __future__ import annotations

import concurrent.futures
import webbrowser
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from inbox.core.errors import InboxError
from inbox.core.events import AccountStatus
from inbox.core.models import Account
from inbox.engine import Engine, loops, ops
from inbox.engine import accounts as engine_accounts
from inbox.networks import registry
from inbox.ui import first_run
from inbox.ui.main_window import MainWindow

# How the dialog opens the system browser, and extra adapter options (tests: a fake server).
OPEN_BROWSER: Callable[[str], object] = webbrowser.open
ADAPTER_OPTIONS: dict[str, Any] = {}
SIGN_IN_OPTIONS: dict[str, Any] = {}  # extra sign-in arguments (tests: a free redirect port)
NEEDS_SIGNIN = engine_accounts.NEEDS_SIGNIN


class _Relay(QObject):
    """Carries a finished engine future to the GUI thread (queued signal)."""

    done = Signal(object)
    saved_app = Signal(object)


class AddAccountDialog(QDialog):
    """Sign in to a server of network in the browser, or paste an access token.

    After exec(), `account` is the added (or re-signed-in) Account, or None.
    """

    def __init__(
        self,
        engine: Engine,
        parent: QWidget | None = None,
        instance: str = "",
        network: str = "",
    ) -> None:
        super().__init__(parent)
        choices = registry.signing_in()
        caps = registry.find(network) if network else (choices[0] if choices else None)
        self.network = caps.name if caps is not None else network
        label = caps.label if caps is not None else network
        example = caps.sign_in_example if caps is not None else ""
        own_app_help = caps.own_app_help if caps is not None else ""
        if own_app_help and not instance:
            instance = example  # one API host for everyone: nothing to type
        self._example = example
        self.engine = engine
        self.account: Account | None = None
        self._future: concurrent.futures.Future[Any] | None = None
        self._relay = _Relay(self)
        self._relay.done.connect(self._finish)
        self.setWindowTitle("Sign in again" if instance else f"Add a {label} account")
        self.setMinimumWidth(460)

        self.instance = QLineEdit(instance)
        self.instance.setPlaceholderText(example)
        self.browser_button = QPushButton("Sign in with the browser")
        self.browser_button.setDefault(True)
        self.browser_button.clicked.connect(lambda: self._start(None))
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText(caps.token_hint if caps is not None else "Access token")
        # Networks where each team registers its own app (X): its Client ID and secret.
        self.client_id = QLineEdit()
        self.client_id.setPlaceholderText("OAuth 2.0 Client ID")
        self.client_secret = QLineEdit()
        self.client_secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.client_secret.setPlaceholderText("only for a confidential client")
        self.callback_port = QSpinBox()
        self.callback_port.setRange(1024, 65535)
        self._asks_port = bool(own_app_help and caps is not None and caps.callback_port)
        self.callback_port.setValue(caps.callback_port if caps and caps.callback_port else 1024)
        self.callback_port.setToolTip("The port of the callback http://127.0.0.1:PORT/callback")
        self.app_box: QGroupBox | None = None
        self.token_button = QPushButton("Add with this token")
        self.token_button.clicked.connect(lambda: self._start(self.token.text().strip()))
        self.status = QLabel(
            "Your browser opens your server's sign-in page; approve Social Inbox there "
            "and come back. The token is kept in the system keyring only."
        )
        self.status.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Server", self.instance)
        if own_app_help:
            self.app_box = QGroupBox(f"Your {label} app")
            app_layout = QFormLayout(self.app_box)
            help_label = QLabel(own_app_help)
            help_label.setWordWrap(True)
            help_label.setTextFormat(Qt.TextFormat.RichText)
            app_layout.addRow(help_label)
            app_layout.addRow("Client ID", self.client_id)
            app_layout.addRow("Client secret", self.client_secret)
            if self._asks_port:
                app_layout.addRow("Callback port", self.callback_port)
            self._fill_saved_app(instance)
            self.client_id.setFocus()
        token_box = QGroupBox("Or use an access token")
        token_layout = QFormLayout(token_box)
        token_layout.addRow("Token", self.token)
        token_layout.addRow("", self.token_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        if self.app_box is not None:
            layout.addWidget(self.app_box)
        layout.addWidget(self.browser_button)
        layout.addWidget(token_box)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def _start(self, token: str | None) -> None:
        instance = self.instance.text().strip()
        if not instance:
            self.status.setText(f"Enter your server, for example {self._example}.")
            return
        if token == "":
            self.status.setText("Paste a token first, or sign in with the browser.")
            return
        app = None
        if self.app_box is not None and token is None:
            client_id = self.client_id.text().strip()
            if not client_id:
                self.status.setText("Enter your app's Client ID first (see above).")
                self.client_id.setFocus()
                return
            app = (client_id, self.client_secret.text())
        self._busy(True)
        self.status.setText(
            "Checking the token…" if token else "Waiting for you to approve in the browser…"
        )
        options = dict(ADAPTER_OPTIONS)
        extra = dict(SIGN_IN_OPTIONS)
        if app is not None and self._asks_port:
            extra.setdefault("port", self.callback_port.value())
        self._future = self.engine.submit(
            lambda e: engine_accounts.add_account(
                e,
                self.network,
                instance,
                OPEN_BROWSER,
                token=token,
                app=app,
                sign_in_options=extra,
                **options,
            )
        )
        self._future.add_done_callback(self._relay.done.emit)

    def _fill_saved_app(self, instance: str) -> None:
        """Sign in again / a second account: the Client ID saved last time, filled in."""
        if not instance:
            return
        network = self.network
        future = self.engine.submit(lambda e: engine_accounts.own_app(e.store, network, instance))
        self._relay.saved_app.connect(self._show_saved_app)
        future.add_done_callback(self._relay.saved_app.emit)

    def _show_saved_app(self, future: concurrent.futures.Future[Any]) -> None:
        if future.cancelled() or future.exception() is not None:
            return  # no keyring entry readable: the user types it
        saved = future.result()
        if saved is not None and not self.client_id.text():
            self.client_id.setText(saved.client_id)
            self.client_secret.setText(saved.client_secret)

    def _busy(self, busy: bool) -> None:
        widgets = (self.instance, self.browser_button, self.token, self.token_button)
        for widget in (*widgets, self.client_id, self.client_secret, self.callback_port):
            widget.setEnabled(not busy)

    def _finish(self, future: concurrent.futures.Future[Any]) -> None:
        if future.cancelled():
            return
        exc = future.exception()
        if exc is None:
            self.account = future.result()
            self.accept()
            return
        self._busy(False)
        message = str(exc) if isinstance(exc, InboxError) else f"Sign-in failed: {exc!r}"
        self.status.setText(f"⚠ {message}")

    def reject(self) -> None:
        if self._future is not None and not self._future.done():
            self._future.cancel()  # stops waiting for the browser's redirect
        super().reject()


class ChooseNetworkDialog(QDialog):
    """Which network to add: `choice` is a network name, or "" (closed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add an account")
        self.choice = ""
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Which network is the account on?"))
        self.buttons: dict[str, QPushButton] = {}
        for caps in registry.signing_in():
            button = QPushButton(f"{caps.label}…")
            button.setMinimumHeight(36)
            button.clicked.connect(lambda _=False, n=caps.name: self._choose(n))
            layout.addWidget(button)
            self.buttons[caps.name] = button
        cancel = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        cancel.rejected.connect(self.reject)
        layout.addWidget(cancel)

    def _choose(self, network: str) -> None:
        self.choice = network
        self.accept()


def sign_in_dialog(
    engine: Engine, parent: QWidget | None, network: str, account: Account | None = None
) -> QDialog:
    """The sign-in page the network asks for: browser/token, or handle and app password."""
    caps = registry.capabilities(network)
    if caps.password_sign_in is not None:
        from inbox.ui.features.password_account import PasswordAccountDialog

        return PasswordAccountDialog(
            engine,
            parent,
            network=network,
            handle=account.handle if account else "",
            service=account.instance if account else "",
        )
    return AddAccountDialog(
        engine, parent, instance=account.instance if account else "", network=network
    )


def add_account(parent: QWidget | None, engine: Engine) -> bool:
    """The add-account flow (first run, File → Add account…): pick a network, sign in."""
    choices = registry.signing_in()
    network = choices[0].name if choices else ""
    if len(choices) > 1:
        chooser = ChooseNetworkDialog(parent)
        if chooser.exec() != QDialog.DialogCode.Accepted:
            return False
        network = chooser.choice
    dialog = sign_in_dialog(engine, parent, network)
    return dialog.exec() == QDialog.DialogCode.Accepted


class SignInButtons(QObject):
    """One "Sign in again" button in the status bar per account that needs it."""

    def __init__(self, window: MainWindow, engine: Engine) -> None:
        super().__init__(window)
        self.window = window
        self.engine = engine
        self.buttons: dict[int, QPushButton] = {}
        window.bridge.account_status.connect(self.on_status)
        for account in window.store.accounts():
            if account.status == NEEDS_SIGNIN:
                self._show(account.id)

    def on_status(self, event: AccountStatus) -> None:
        if event.status == NEEDS_SIGNIN:
            self._show(event.account_id)
        elif event.status == "ok" and event.account_id in self.buttons:
            self.buttons.pop(event.account_id).deleteLater()

    def _show(self, account_id: int) -> None:
        if account_id in self.buttons:
            return
        try:
            account = self.window.store.account(account_id)
        except KeyError:
            return
        caps = registry.find(account.network)
        if caps is None or (caps.sign_in is None and caps.password_sign_in is None):
            return  # other networks bring their own sign-in
        button = QPushButton(f"Sign in again: @{account.handle}")
        button.setObjectName("signInAgain")
        button.clicked.connect(lambda: self.sign_in(account))
        self.window.statusBar().addPermanentWidget(button)
        self.buttons[account_id] = button

    def sign_in(self, account: Account) -> bool:
        dialog = sign_in_dialog(self.engine, self.window, account.network, account)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        button = self.buttons.pop(account.id, None)
        if button is not None:
            button.deleteLater()
        return True


START_POLL_MS = 50
START_WAIT_MS = 3000


def _start_syncing(engine: Engine) -> None:
    engine_accounts.connect_all(engine, mark_missing=False, **ADAPTER_OPTIONS)
    loops.start(engine)


# At import, as first_run asks: a handler set later (a test, another network) wins.
first_run.set_add_account_handler(add_account)


async def remove_account(engine: Engine, account: Account) -> None:
    """The accounts.remove operation, as `accounts remove` runs it: its sync stops (the loop
    ends without an adapter), the row and this profile's token go, audited."""
    ops.run(engine, "accounts.remove", account_id=account.id)


def open_accounts(window: MainWindow, engine: Engine, buttons: SignInButtons) -> QDialog:
    from inbox.ui.accounts_window import AccountsWindow

    dialog = AccountsWindow(
        window.store,
        window.bridge,
        engine.clock.now,
        buttons.sign_in,
        remove_account,
        lambda: first_run.add_account(window, engine),
        window,
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def install(window: MainWindow, engine: Engine) -> None:
    buttons = SignInButtons(window, engine)  # parented to the window, which keeps it alive
    window.bind("accounts", lambda: open_accounts(window, engine, buttons))
    # After the columns' first pages (or START_WAIT_MS at most): adapters pull in httpx,
    # the keyring, websockets (~1 s on a busy machine) on the engine thread, which would
    # compete for the interpreter lock with the window's start.
    waited = QElapsedTimer()
    waited.start()
    poll = QTimer(window)
    poll.setInterval(START_POLL_MS)

    def start_when_shown() -> None:
        if not engine.running:  # the window closed (its engine stopped) before it started
            poll.stop()
            return
        if window.deck.loaded() or waited.elapsed() >= START_WAIT_MS:
            poll.stop()
            poll.deleteLater()
            window.bridge.run(_start_syncing)

    poll.timeout.connect(start_when_shown)
    poll.start()
