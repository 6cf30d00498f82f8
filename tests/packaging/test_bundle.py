"""The PyInstaller bundle (make dist) starts the demo, headless, from its desktop entry too.

The bundle is built once per source state (conftest.bundle, ~5 minutes on two cores).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from PySide6.QtGui import QImage

from tests.packaging.test_desktop_files import exec_line, headless_env, install_and_start_demo


def test_bundled_binary_renders_the_demo(bundle: Path, tmp_path: Path) -> None:
    binary = bundle / "social-inbox"
    shot = tmp_path / "deck.png"
    env = headless_env(tmp_path)
    env.pop("QT_QPA_PLATFORM")  # --screenshot alone must be enough
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [str(binary), "--demo", "--screenshot", str(shot)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr  # e.g. package data left out
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1600, 1000)
    # the demo's conversations are on it: many distinct colours, not a blank window
    colours = {image.pixel(x, y) for x in range(0, 1600, 40) for y in range(0, 1000, 40)}
    assert len(colours) > 20


def test_bundle_desktop_entry_starts_the_demo(bundle: Path, tmp_path: Path) -> None:
    binary = bundle / "social-inbox"
    entry, shot = install_and_start_demo([str(binary)], tmp_path)
    assert exec_line(entry) == [str(binary.resolve())]
    assert QImage(str(shot)).width() == 1600


def test_bundle_without_display_explains_instead_of_crashing(bundle: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    env.pop("WAYLAND_DISPLAY", None)
    done = subprocess.run(
        [str(bundle / "social-inbox"), "--demo"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "no display" in done.stderr
