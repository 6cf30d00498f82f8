"""XDG desktop entries written for this install: the app menu entry and the login autostart.

No Qt here: the window's "Start at login" setting and the `social-inbox desktop` verb both
use it. The template is resources/desktop/<app id>.desktop; Exec is rewritten to the command
that started this process (the bundle's binary, or the installed `social-inbox` script).
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from inbox import assets

AUTOSTART_KEYS = "X-GNOME-Autostart-enabled=true\n"


def launcher() -> list[str]:
    """The command that starts this same installation of the app."""
    if getattr(sys, "frozen", False):  # the PyInstaller bundle
        return [str(Path(sys.executable).resolve())]
    script = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if script is not None and script.name == "social-inbox" and script.is_file():
        return [str(script)]
    found = shutil.which("social-inbox")
    if found:
        return [found]
    return [sys.executable, "-m", "inbox.cli.main"]


def _quote(args: list[str]) -> str:
    """Exec quoting of the Desktop Entry spec: double quotes around arguments that need them."""
    out = []
    for arg in args:
        if arg and all(c.isalnum() or c in "-_./=:+," for c in arg):
            out.append(arg)
        else:
            escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
            out.append(f'"{escaped}"')
    return " ".join(out)


def entry(command: list[str] | None = None, extra: list[str] | None = None) -> str:
    """The shipped desktop entry with its Exec lines pointing at `command`."""
    command = command or launcher()
    lines = []
    for line in assets.read_text(assets.desktop_entry()).splitlines():
        key, _, value = line.partition("=")
        if key == "Exec":
            args = shlex.split(value)[1:]  # drop the bare `social-inbox`
            line = "Exec=" + _quote([*command, *(extra or []), *args])
        elif key == "TryExec":
            line = "TryExec=" + command[0]
        lines.append(line)
    return "\n".join(lines) + "\n"


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def autostart_path() -> Path:
    return config_home() / "autostart" / f"{assets.APP_ID}.desktop"


def set_autostart(enabled: bool, extra: list[str] | None = None) -> Path:
    """Create or remove the XDG autostart entry (extra: e.g. --profile DIR); returns its path."""
    path = autostart_path()
    if not enabled:
        path.unlink(missing_ok=True)
        return path
    text = entry(extra=extra)
    # The autostart entry starts the window only: no desktop actions.
    head = text.split("\n[Desktop Action", 1)[0].replace("Actions=compose;demo;\n", "")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head.rstrip("\n") + "\n" + AUTOSTART_KEYS, encoding="utf-8")
    return path


def autostart_enabled() -> bool:
    return autostart_path().is_file()


def install(home: Path | None = None) -> list[Path]:
    """Put the menu entry and the icons under XDG_DATA_HOME (for the bundle and pip installs)."""
    home = home or data_home()
    written = []
    target = home / "applications" / f"{assets.APP_ID}.desktop"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(entry(), encoding="utf-8")
    written.append(target)
    icons = home / "icons" / "hicolor"
    svg = icons / "scalable" / "apps" / f"{assets.APP_ID}.svg"
    svg.parent.mkdir(parents=True, exist_ok=True)
    svg.write_bytes(assets.read_bytes(assets.app_icon_svg()))
    written.append(svg)
    for size in assets.ICON_SIZES:
        png = icons / f"{size}x{size}" / "apps" / f"{assets.APP_ID}.png"
        png.parent.mkdir(parents=True, exist_ok=True)
        png.write_bytes(assets.read_bytes(assets.app_icon_png(size)))
        written.append(png)
    meta = home / "metainfo" / f"{assets.APP_ID}.metainfo.xml"
    meta.parent.mkdir(parents=True, exist_ok=True)
    meta.write_bytes(assets.read_bytes(assets.metainfo()))
    written.append(meta)
    return written


def uninstall(home: Path | None = None) -> None:
    home = home or data_home()
    (home / "applications" / f"{assets.APP_ID}.desktop").unlink(missing_ok=True)
    (home / "metainfo" / f"{assets.APP_ID}.metainfo.xml").unlink(missing_ok=True)
    icons = home / "icons" / "hicolor"
    (icons / "scalable" / "apps" / f"{assets.APP_ID}.svg").unlink(missing_ok=True)
    for size in assets.ICON_SIZES:
        (icons / f"{size}x{size}" / "apps" / f"{assets.APP_ID}.png").unlink(missing_ok=True)
