"""The one way code finds the files in resources/ (installed as the package `inbox.resources`).

Works the same from a source checkout (editable install), a wheel and the PyInstaller bundle,
because it asks importlib.resources and never builds a path from `__file__`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

PACKAGE = "inbox.resources"
APP_ID = "io.github.socialinbox.SocialInbox"
APP_NAME = "Social Inbox"
# The PNG sizes of the app icon shipped next to its SVG (hicolor theme sizes).
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def root() -> Traversable:
    return resources.files(PACKAGE)


def file(relative: str) -> Traversable:
    """A shipped file by its path under resources/, e.g. "demo/mastodon.json"."""
    node = root()
    for part in relative.split("/"):
        node = node.joinpath(part)
    if not node.is_file():
        raise FileNotFoundError(f"{relative} is not among the installed resources")
    return node


def read_text(relative: str) -> str:
    return file(relative).read_text(encoding="utf-8")


def read_bytes(relative: str) -> bytes:
    return file(relative).read_bytes()


def as_path(relative: str) -> AbstractContextManager[Path]:
    """A real file path for APIs that need one (Qt, subprocesses); use as a context manager."""
    return resources.as_file(file(relative))


def app_icon_svg() -> str:
    return f"icons/app/{APP_ID}.svg"


def app_icon_png(size: int) -> str:
    return f"icons/app/{size}/{APP_ID}.png"


def desktop_entry() -> str:
    return f"desktop/{APP_ID}.desktop"


def metainfo() -> str:
    return f"desktop/{APP_ID}.metainfo.xml"


def theme_icon(name: str, dark: bool) -> str:
    """A network or status icon drawn for the light or the dark theme."""
    return f"icons/{'dark' if dark else 'light'}/{name}.svg"
