"""No display or missing xcb libraries: a message naming what to install, never a core dump."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from inbox.cli import display_check


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "LD_LIBRARY_PATH")
    }
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inbox.cli.main", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_no_display_says_what_to_do_instead_of_aborting(tmp_path: Path) -> None:
    done = _run(["--demo"], _env(), tmp_path)
    assert done.returncode == 2, done.stderr  # not -6 (SIGABRT) from Qt
    assert "no display" in done.stderr
    assert "--screenshot" in done.stderr and "QT_QPA_PLATFORM=offscreen" in done.stderr
    assert "core dumped" not in done.stderr and "qt.qpa" not in done.stderr


def test_missing_xcb_library_names_the_packages(tmp_path: Path) -> None:
    # A broken copy found first on LD_LIBRARY_PATH fails to load exactly like a missing one.
    fake = tmp_path / "lib"
    fake.mkdir()
    (fake / "libxcb-shm.so.0").write_bytes(b"")
    done = _run(["--demo"], _env(DISPLAY=":99", LD_LIBRARY_PATH=str(fake)), tmp_path)
    assert done.returncode == 2, done.stderr
    assert "libxcb-shm.so.0" in done.stderr
    assert "sudo apt install" in done.stderr and "libxcb-shm0" in done.stderr
    assert "sudo dnf install" in done.stderr
    assert "qt.qpa" not in done.stderr


def test_screenshot_needs_no_display(tmp_path: Path) -> None:
    shot = tmp_path / "deck.png"
    done = _run(["--demo", "--screenshot", str(shot)], _env(), tmp_path)
    assert done.returncode == 0, done.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_reads_what_the_xcb_plugin_links() -> None:
    qt = display_check.qt_dir()
    assert qt is not None
    linked = display_check.needed(qt / "plugins" / "platforms" / "libqxcb.so")
    assert "libQt6XcbQpa.so.6" in linked
    everything = linked + display_check.needed(qt / "lib" / "libQt6XcbQpa.so.6")
    assert "libxcb.so.1" in everything and "libxkbcommon-x11.so.0" in everything
    # every system library Qt's xcb plugin links has a package to name
    bundled = set(os.listdir(qt / "lib"))
    system = {
        lib for lib in everything if lib not in bundled and lib.startswith(("libxcb", "libX"))
    }
    assert system <= set(display_check.PACKAGES)


def test_no_x_server_at_the_display() -> None:
    assert display_check._x_server_answers(":97") is False


def test_wayland_or_offscreen_are_left_to_qt() -> None:
    assert display_check.check({"WAYLAND_DISPLAY": "wayland-0"}) is None
    assert display_check.check({"QT_QPA_PLATFORM": "offscreen"}) is None
