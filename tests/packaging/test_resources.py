"""Everything that is not code ships in resources/ and is found through inbox.assets."""

from __future__ import annotations

import json
import struct

import pytest

from inbox import assets


def test_demo_recordings_are_package_data() -> None:
    for name in ("mastodon", "bluesky", "x"):
        data = json.loads(assets.read_text(f"demo/{name}.json"))
        assert data["format"] == "social-inbox.replay/1"


def test_missing_resource_is_a_clear_error() -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.svg"):
        assets.read_bytes("icons/nope.svg")


def _png_size(blob: bytes) -> tuple[int, int]:
    assert blob[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", blob[16:24])
    return width, height


def test_app_icon_svg_and_every_png_size() -> None:
    assert b"<svg" in assets.read_bytes(assets.app_icon_svg())
    for size in assets.ICON_SIZES:
        assert _png_size(assets.read_bytes(assets.app_icon_png(size))) == (size, size)


@pytest.mark.parametrize("dark", [False, True])
def test_network_and_status_icons_for_both_themes(dark: bool) -> None:
    names = ["mastodon", "bluesky", "x"]
    names += [f"status-{s}" for s in ("new", "open", "pending", "resolved", "urgent")]
    for name in names:
        assert b"<svg" in assets.read_bytes(assets.theme_icon(name, dark))
    # drawn per theme, not one file twice
    assert assets.read_bytes(assets.theme_icon("x", True)) != assets.read_bytes(
        assets.theme_icon("x", False)
    )


def test_desktop_entry_and_metainfo_name_the_app() -> None:
    entry = assets.read_text(assets.desktop_entry())
    assert f"Icon={assets.APP_ID}\n" in entry
    assert "Exec=social-inbox" in entry
    assert f"<id>{assets.APP_ID}</id>" in assets.read_text(assets.metainfo())


def test_committed_pngs_are_renderings_of_the_svg(qapp: object) -> None:
    """Rerun packaging/render_icons.py after changing the SVG (this fails until then)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(assets.read_bytes(assets.app_icon_svg()))
    for size in (16, 64, 256):
        fresh = QImage(size, size, QImage.Format.Format_ARGB32)
        fresh.fill(Qt.GlobalColor.transparent)
        painter = QPainter(fresh)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        committed = QImage.fromData(assets.read_bytes(assets.app_icon_png(size)), "PNG")
        committed = committed.convertToFormat(QImage.Format.Format_ARGB32)
        step = max(1, size // 32)
        worst = max(
            abs(fresh.pixelColor(x, y).red() - committed.pixelColor(x, y).red())
            + abs(fresh.pixelColor(x, y).alpha() - committed.pixelColor(x, y).alpha())
            for x in range(0, size, step)
            for y in range(0, size, step)
        )
        assert worst <= 16, f"{size}px PNG differs from the SVG"
