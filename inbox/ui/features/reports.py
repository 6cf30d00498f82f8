"""View → Reports… (Ctrl+Shift+R): the Reports window over the window's read-only store."""

from __future__ import annotations

from inbox.engine import Engine
from inbox.ui.main_window import MainWindow


def install(window: MainWindow, engine: Engine) -> None:
    """Bind the action; the window (and its charting library) load only when it opens."""

    def open_window() -> None:
        from inbox.ui.reports import ReportsWindow, open_reports

        shown = window.findChild(ReportsWindow)
        if shown is not None:  # one Reports window: bring it forward
            shown.raise_()
            shown.activateWindow()
            return
        open_reports(window.store, window.bridge, window)

    window.bind("reports", open_window)
