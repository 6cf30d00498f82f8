"""A QTextBrowser that loads nothing: no remote images, styles or pages; links open on click."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QTextBrowser, QWidget

from inbox.core.html import safe_link

SAFE_LINK_SCHEMES = frozenset({"http", "https", "mailto"})


class SafeBrowser(QTextBrowser):
    """Shows sanitized HTML; every resource request is refused and recorded.

    Links never navigate inside the view: a click hands http(s)/mailto links to
    the desktop (QDesktopServices), anything else is ignored.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.refused: list[str] = []  # what a message tried to load: tests and diagnostics
        self.anchorClicked.connect(self._open_link)

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        # Images, stylesheets and anything else a document references: never fetched.
        self.refused.append(name.toString() if isinstance(name, QUrl) else name)
        return None

    def _open_link(self, url: QUrl) -> None:
        # The same check as the sanitizer's: invisible characters cannot hide a scheme.
        link = safe_link(url.toString())
        if link is not None and url.scheme().lower() in SAFE_LINK_SCHEMES:
            QDesktopServices.openUrl(QUrl(link))
