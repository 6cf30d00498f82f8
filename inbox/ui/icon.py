"""The app icon, without the desktop integration (inbox.ui.desktop) it belongs to: the
window carries it from its first paint, the tray and notifications load after."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtGui import QIcon, QPixmap

from inbox import assets

# The sizes a window shows at first (title bar, task bar, HiDPI included); the larger
# ones (task switchers, docks) are decoded after the first paint: the 512 and 256 px
# PNGs are most of the icon's ~14 ms of decoding.
FIRST_SIZES = (16, 22, 24, 32, 48, 64)


def app_icon(sizes: Iterable[int] = assets.ICON_SIZES) -> QIcon:
    """The app icon with every shipped PNG size (no SVG plugin needed), or only sizes."""
    icon = QIcon()
    for size in sizes:
        pixmap = QPixmap()
        pixmap.loadFromData(assets.read_bytes(assets.app_icon_png(size)), "PNG")
        icon.addPixmap(pixmap)
    return icon
