"""Writes docs/tray.png: the demo workspace's tray icon with its badge, menu and tooltip.

    .venv/bin/python packaging/tray_screenshot.py [docs/tray.png]

Offscreen platforms have no tray to photograph, so the app draws the live icon, menu and
tooltip onto a panel (inbox.ui.desktop.tray_preview).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from inbox import secrets
from inbox.profile import Profile
from inbox.ui import desktop
from inbox.ui.app import open_session


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/tray.png")
    app = QApplication.instance() or QApplication([])
    secrets.use_memory_backend()
    session = open_session(Profile.resolve(None, demo=True))
    try:
        d = desktop.of(session.window)
        d.refresh_badge()
        assert desktop.tray_preview(d).save(str(out), "PNG")
        print(f"{out}: {d.tray.toolTip()}")
    finally:
        session.close()
        app.processEvents()


if __name__ == "__main__":
    main()
