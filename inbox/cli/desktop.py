"""`social-inbox desktop install|uninstall`: the app menu entry and icons for this install."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from inbox import desktop_entry


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "desktop",
        help="add or remove the app menu entry and icons",
        description="Write the desktop entry (Exec pointing at this installation: the bundle or "
        "the installed script), the icons and the AppStream metainfo under XDG_DATA_HOME "
        "(~/.local/share), or remove them.",
    )
    parser.add_argument("action", choices=("install", "uninstall"))
    parser.add_argument(
        "--data-home", metavar="DIR", type=Path, help="instead of XDG_DATA_HOME (~/.local/share)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "install":
        written = desktop_entry.install(args.data_home)
        print(f"Installed {written[0]} and {len(written) - 1} icon/metainfo files.")
    else:
        desktop_entry.uninstall(args.data_home)
        print("Removed the desktop entry and icons.")
    return 0
