"""The status bar's "Offline — N changes waiting to sync" on a team profile (engine/offline.py).

The engine keeps its sync state (`offline.state(engine)`: offline or not, how many journal
entries wait, which failed and why) as one immutable value it replaces on the engine
thread; this label reads it every POLL_MS and after every change. (The window's read-only
stores follow the engine to the replica and back by themselves: `Store.conn`.) A local
profile gets no label.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel

from inbox.engine import offline

if TYPE_CHECKING:
    from inbox.engine import Engine
    from inbox.ui.main_window import MainWindow

POLL_MS = 1000


def install(window: MainWindow, engine: Engine) -> None:
    if engine.journal is None:  # a local profile: nothing ever waits to sync
        return
    label = QLabel(window)
    label.setObjectName("syncState")
    window.statusBar().addPermanentWidget(label)

    def refresh() -> None:
        state = offline.state(engine)
        words = state.words()
        label.setText(f"<b>{words}</b>" if state.offline else words)
        # orange like an account that needs attention; failures online too
        label.setStyleSheet("color: #e8590c" if state.offline or state.failed else "")
        tips = [state.reason] if state.reason else []
        tips += list(state.errors)
        label.setToolTip("\n".join(tips))
        label.setVisible(bool(words))

    timer = QTimer(label)
    timer.timeout.connect(refresh)
    timer.start(POLL_MS)
    window.bridge.changed.connect(lambda _event: refresh())
    refresh()
