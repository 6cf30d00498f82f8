"""Before Qt loads: is there a display, and are the libraries Qt's xcb plugin needs installed?

Without this, Qt prints a message that blames one library (often not the missing one) and
aborts with a core dump. Nothing here imports Qt: it reads the plugin's ELF header for the
libraries it links, asks the dynamic loader for each (the same search Qt's load will do,
LD_LIBRARY_PATH included), and tries to connect to the X server through libxcb.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

# soname -> (Debian/Ubuntu package, Fedora package)
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
}
HEADLESS = (
    "Without a window: `social-inbox --demo --screenshot FILE` renders one PNG, or set "
    "QT_QPA_PLATFORM=offscreen."
)
_LIB_IN_ERROR = re.compile(r"(lib[\w.+-]+\.so[\w.]*)")


@dataclass(frozen=True)
class Problem:
    """Why the window cannot open; `message` is what the user reads."""

    message: str


def needed(path: Path) -> list[str]:
    """The DT_NEEDED entries (linked libraries) of an ELF shared object; [] if not ELF."""
    blob = path.read_bytes()
    if blob[:4] != b"\x7fELF":
        return []
    wide = blob[4] == 2
    end = "<" if blob[5] == 1 else ">"
    if wide:
        (shoff,) = struct.unpack_from(end + "Q", blob, 0x28)
        shentsize, shnum = struct.unpack_from(end + "HH", blob, 0x3A)
    else:
        (shoff,) = struct.unpack_from(end + "I", blob, 0x20)
        shentsize, shnum = struct.unpack_from(end + "HH", blob, 0x2E)
    sections = []
    for i in range(shnum):
        at = shoff + i * shentsize
        if wide:
            _n, kind, _f, _a, off, size, link, _i, _al, _es = struct.unpack_from(
                end + "IIQQQQIIQQ", blob, at
            )
        else:
            _n, kind, _f, _a, off, size, link, _i, _al, _es = struct.unpack_from(
                end + "IIIIIIIIII", blob, at
            )
        sections.append((kind, off, size, link))
    names: list[str] = []
    for kind, off, size, link in sections:
        if kind != 6:  # SHT_DYNAMIC
            continue
        strtab = sections[link][1]
        entry = struct.Struct(end + ("qQ" if wide else "iI"))
        for at in range(off, off + size, entry.size):
            tag, value = entry.unpack_from(blob, at)
            if tag == 0:
                break
            if tag == 1:  # DT_NEEDED
                stop = blob.index(b"\0", strtab + value)
                names.append(blob[strtab + value : stop].decode())
    return names


def qt_dir() -> Path | None:
    """PySide6's Qt folder (in a venv, a wheel install or the bundle) without importing it."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        if (Path(location) / "Qt").is_dir():
            return Path(location) / "Qt"
    return None


def missing_libraries(qt: Path) -> list[str]:
    """System libraries the xcb platform plugin links that the dynamic loader cannot load."""
    bundled = set(os.listdir(qt / "lib")) if (qt / "lib").is_dir() else set()
    wanted: list[str] = []
    for name in ("plugins/platforms/libqxcb.so", "lib/libQt6XcbQpa.so.6"):
        if (qt / name).is_file():
            wanted += [lib for lib in needed(qt / name) if lib not in wanted]
    missing: list[str] = []
    for lib in wanted:
        if lib in bundled:
            continue
        try:
            ctypes.CDLL(lib)
        except OSError as exc:
            # A library that is present but links a missing one names that one instead.
            found = _LIB_IN_ERROR.search(str(exc))
            culprit = found.group(1) if found else lib
            culprit = Path(culprit).name
            if culprit not in missing:
                missing.append(culprit)
    return missing


def install_hint(libraries: list[str]) -> str:
    debian = sorted({PACKAGES[lib][0] for lib in libraries if lib in PACKAGES})
    fedora = sorted({PACKAGES[lib][1] for lib in libraries if lib in PACKAGES})
    unknown = [lib for lib in libraries if lib not in PACKAGES]
    lines = []
    if debian:
        lines.append(f"  Debian/Ubuntu: sudo apt install {' '.join(debian)}")
        lines.append(f"  Fedora:        sudo dnf install {' '.join(fedora)}")
    if unknown:
        lines.append(f"  (and whichever package provides {', '.join(unknown)})")
    return "\n".join(lines)


def _x_server_answers(display: str) -> bool:
    """Connect to the X server through libxcb (cheap, no Qt); True if it accepts."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return True  # reported as a missing library instead
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        return bool(connection) and xcb.xcb_connection_has_error(connection) == 0
    finally:
        if connection:
            xcb.xcb_disconnect(connection)


def check(env: dict[str, str] | os._Environ[str] | None = None) -> Problem | None:
    """None when Qt can open a window here; else what stops it and what to do."""
    env = os.environ if env is None else env
    if not sys.platform.startswith("linux"):
        return None
    platform = env.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if platform not in ("", "xcb"):
        return None  # offscreen, wayland, eglfs, vnc...: the user chose; Qt reports its own
    display = env.get("DISPLAY", "")
    if not platform and env.get("WAYLAND_DISPLAY"):
        return None  # Qt picks its Wayland plugin
    if not display:
        return Problem(
            "social-inbox: no display to open a window on (neither DISPLAY nor "
            "WAYLAND_DISPLAY is set).\nStart it from a desktop session. " + HEADLESS
        )
    qt = qt_dir()
    missing = missing_libraries(qt) if qt is not None else []
    if missing:
        return Problem(
            "social-inbox: cannot open a window: Qt's X11 (xcb) platform needs system "
            f"libraries that are not installed: {', '.join(missing)}.\nInstall them with:\n"
            f"{install_hint(missing)}\n" + HEADLESS
        )
    if not _x_server_answers(display):
        return Problem(
            f"social-inbox: cannot connect to the X display {display!r} (is the desktop "
            "session running, and may this user use it?).\n" + HEADLESS
        )
    return None


def prepare(screenshot: bool) -> Problem | None:
    """Called before Qt is imported: choose offscreen for screenshots, then check the display."""
    if screenshot and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a screenshot never needs a display
        return None
    return check()
