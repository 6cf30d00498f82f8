"""The desktop entry and the AppStream metainfo pass the freedesktop validators; the entry's
Exec lines, installed by `social-inbox desktop install`, start the app."""

from __future__ import annotations

import configparser
import os
import shlex
import subprocess
import sys
from pathlib import Path

from inbox import assets
from tests.packaging.conftest import apt_install


def test_desktop_entry_is_valid(tmp_path: Path) -> None:
    validate = apt_install("desktop-file-validate", "desktop-file-utils")
    with assets.as_path(assets.desktop_entry()) as entry:
        done = subprocess.run([validate, str(entry)], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_metainfo_is_valid() -> None:
    appstreamcli = apt_install("appstreamcli", "appstream")
    with assets.as_path(assets.metainfo()) as meta:
        done = subprocess.run(
            [appstreamcli, "validate", "--no-net", "--pedantic", str(meta)],
            capture_output=True,
            text=True,
        )
    assert done.returncode == 0, done.stdout + done.stderr


def exec_line(entry: Path, section: str = "Desktop Entry") -> list[str]:
    """The Exec command of a section, field codes removed, as a launcher would run it."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(entry, encoding="utf-8")
    return [a for a in shlex.split(parser[section]["Exec"]) if not a.startswith("%")]


def headless_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QT_QPA_PLATFORM="offscreen", HOME=str(home), XDG_DATA_HOME=str(home / "data"))
    return env


def install_and_start_demo(command: list[str], home: Path) -> tuple[Path, Path]:
    """`<command> desktop install`, then the installed demo action's Exec line (+ --screenshot)."""
    env = headless_env(home)
    done = subprocess.run(
        [*command, "desktop", "install"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    data = home / "data"
    entry = data / "applications" / f"{assets.APP_ID}.desktop"
    assert (data / "icons" / "hicolor" / "256x256" / "apps" / f"{assets.APP_ID}.png").is_file()
    demo = exec_line(entry, "Desktop Action demo")
    assert demo[-1] == "--demo" and Path(demo[0]).is_absolute()
    # What a double-click runs, plus --screenshot so that it exits by itself.
    shot = home / "demo.png"
    done = subprocess.run(
        [*demo, "--screenshot", str(shot)],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return entry, shot


def test_installed_entry_starts_the_demo(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "social-inbox"
    entry, shot = install_and_start_demo([str(script)], tmp_path)
    assert exec_line(entry) == [str(script)]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    validate = apt_install("desktop-file-validate", "desktop-file-utils")
    done = subprocess.run([validate, str(entry)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
