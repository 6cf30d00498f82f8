"""Help → About: version, licence, where this profile's data lives, Qt and Python versions."""

from __future__ import annotations

import html
import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from inbox import __version__
from inbox.store import Store


def about_html(store: Store) -> str:
    accounts = store.accounts()
    rows = [
        ("Version", __version__),
        ("Profile", str(store.path.parent)),
        ("Database", str(store.path)),
        ("Accounts", str(len(accounts))),
        ("Python", platform.python_version()),
        ("Qt (PySide6)", pyside_version),
    ]
    table = "".join(
        f"<tr><td style='padding-right:14px'><b>{html.escape(k)}</b></td>"
        f"<td>{html.escape(v)}</td></tr>"
        for k, v in rows
    )
    return (
        "<h2>Social Inbox</h2>"
        "<p>Every mention and direct message of your social accounts in one deck.<br>"
        "Your data stays in one file on this computer; passwords and tokens stay in "
        "the system keyring.</p>"
        f"<table cellspacing='0' cellpadding='2'>{table}</table>"
        "<p>Free software under the GNU GPL, version 3 or later.</p>"
    )


class AboutDialog(QDialog):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About Social Inbox")
        self.text = QLabel(about_html(store))
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
