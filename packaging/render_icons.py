"""Renders resources/icons/app/<id>.svg to the PNG sizes in inbox.assets.ICON_SIZES.

Run from a checkout after changing the SVG: `.venv/bin/python packaging/render_icons.py`,
then commit the PNGs (tests/packaging/test_resources.py checks they match the SVG).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inbox.assets import APP_ID, ICON_SIZES  # noqa: E402


def render(svg: bytes, size: int) -> QImage:
    renderer = QSvgRenderer(svg)
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> None:
    _app = QGuiApplication.instance() or QGuiApplication([])
    svg = (ROOT / "resources" / "icons" / "app" / f"{APP_ID}.svg").read_bytes()
    for size in ICON_SIZES:
        out = ROOT / "resources" / "icons" / "app" / str(size) / f"{APP_ID}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        render(svg, size).save(str(out), "PNG")
        print(out.relative_to(ROOT))


if __name__ == "__main__":
    main()
