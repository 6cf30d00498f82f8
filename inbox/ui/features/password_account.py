"""The "Add account" page of networks signed in with a handle and an app password (Bluesky).

The password goes to the engine once (Bluesky: createSession); only the session
the network returns is kept, in the system keyring. The service URL is for
self-hosted servers; empty means "find it from the handle". What to say about
app passwords comes from the network's capabilities (sign_in_help).
"""

from __future__ import annotations

import concurrent.futures
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inbox.core.errors import InboxError
from inbox.core.models import Account
from inbox.engine import Engine
from inbox.engine import accounts as engine_accounts
from inbox.networks import registry

ADAPTER_OPTIONS: dict[str, Any] = {}  # tests: a transport for a fake server


class _Relay(QObject):
    done = Signal(object)


class PasswordAccountDialog(QDialog):
    """After exec(), `account` is the added (or signed-in again) Account, or None."""

    def __init__(
        self,
        engine: Engine,
        parent: QWidget | None = None,
        network: str = "bluesky",
        handle: str = "",
        service: str = "",
    ) -> None:
        super().__init__(parent)
        caps = registry.capabilities(network)
        self.network = caps.name
        self.engine = engine
        self.account: Account | None = None
        self._future: concurrent.futures.Future[Any] | None = None
        self._relay = _Relay(self)
        self._relay.done.connect(self._finish)
        self.setWindowTitle("Sign in again" if handle else f"Add a {caps.label} account")
        self.setMinimumWidth(480)

        self.handle = QLineEdit(handle)
        self.handle.setPlaceholderText(f"{caps.sign_in_example} or e-mail")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("xxxx-xxxx-xxxx-xxxx")
        self.service = QLineEdit(service)
        self.service.setPlaceholderText("found from your handle (e.g. https://pds.example.com)")
        self.help = QLabel(caps.sign_in_help)
        self.help.setWordWrap(True)
        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self._start)
        self.status = QLabel("The app password is used once; the sign-in is kept in the keyring.")
        self.status.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Handle", self.handle)
        form.addRow("App password", self.password)
        form.addRow("Service (optional)", self.service)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.help)
        layout.addLayout(form)
        layout.addWidget(self.sign_in_button)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def _start(self) -> None:
        handle = self.handle.text().strip()
        password = self.password.text().strip()
        service = self.service.text().strip() or None
        if not handle:
            self.status.setText("Enter your handle, for example alice.bsky.social.")
            return
        if not password:
            self.status.setText("Enter an app password (see above how to make one).")
            return
        self._busy(True)
        self.status.setText("Signing in…")
        options = dict(ADAPTER_OPTIONS)
        self._future = self.engine.submit(
            lambda e: engine_accounts.add_account_with_password(
                e, self.network, handle, password, service, **options
            )
        )
        self._future.add_done_callback(self._relay.done.emit)

    def _busy(self, busy: bool) -> None:
        for widget in (self.handle, self.password, self.service, self.sign_in_button):
            widget.setEnabled(not busy)

    def _finish(self, future: concurrent.futures.Future[Any]) -> None:
        if future.cancelled():
            return
        exc = future.exception()
        if exc is None:
            self.account = future.result()
            self.password.clear()
            self.accept()
            return
        self._busy(False)
        message = str(exc) if isinstance(exc, InboxError) else f"Sign-in failed: {exc!r}"
        self.status.setText(f"⚠ {message}")
