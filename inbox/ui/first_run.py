"""First run: no account yet, so offer to add one or to open the demo workspace.

The account wizard lives elsewhere: it plugs in with set_add_account_handler().
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from inbox.engine import Engine

AddAccount = Callable[[QWidget | None, Engine], bool]
"""Shows the add-account flow; returns True when an account was added."""


def _placeholder(parent: QWidget | None, engine: Engine) -> bool:
    from inbox.networks import registry

    names = [c.label for c in registry.known()]
    listed = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)
    QMessageBox.information(
        parent,
        "Add an account",
        f"Signing in to {listed} is on its way.\n"
        "Meanwhile, open the demo workspace to try the deck.",
    )
    return False


_handler: AddAccount = _placeholder


def set_add_account_handler(handler: AddAccount) -> None:
    """Replace the add-account flow (the accounts feature calls this at import)."""
    global _handler
    _handler = handler


def add_account(parent: QWidget | None, engine: Engine) -> bool:
    """Run the add-account flow in force."""
    return _handler(parent, engine)


class FirstRunDialog(QDialog):
    """Two big choices; `choice` is "account", "demo" or "" (closed)."""

    ACCOUNT = "account"
    DEMO = "demo"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Social Inbox")
        self.setMinimumWidth(460)
        self.choice = ""
        title = QLabel("<h2>Welcome to Social Inbox</h2>")
        text = QLabel(
            "Every mention and direct message of all your accounts, in one deck, "
            "most urgent first. Start by adding an account, or look around in a demo "
            "workspace first."
        )
        text.setWordWrap(True)
        self.account_button = QPushButton("Add an account…")
        self.account_button.setDefault(True)
        self.demo_button = QPushButton("Open the demo workspace")
        for button in (self.account_button, self.demo_button):
            button.setMinimumHeight(40)
        self.account_button.clicked.connect(lambda: self._choose(self.ACCOUNT))
        self.demo_button.clicked.connect(lambda: self._choose(self.DEMO))
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.setContentsMargins(24, 20, 24, 24)
        layout.addWidget(title, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(text)
        layout.addSpacing(8)
        layout.addWidget(self.account_button)
        layout.addWidget(self.demo_button)

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()
