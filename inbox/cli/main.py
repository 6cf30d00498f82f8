"""Entry point: parse arguments, open the profile, run a verb or the window."""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Sequence

import inbox.cli
from inbox import __version__
from inbox.core.errors import InboxError

log = logging.getLogger("inbox")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="social-inbox",
        description="Every mention and DM of all your social accounts in one deck.",
    )
    parser.add_argument("--version", action="version", version=f"social-inbox {__version__}")
    parser.add_argument("--profile", metavar="DIR", help="profile folder (default: user data dir)")
    parser.add_argument("--demo", action="store_true", help="open a throwaway demo workspace")
    parser.add_argument(
        "--screenshot",
        metavar="FILE",
        help="render the window once at 1600x1000, save a PNG and exit",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(inbox.cli.__path__), key=lambda m: m.name):
        if info.name == "main":
            continue
        module = importlib.import_module(f"inbox.cli.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command is None:
            from inbox.ui.app import run_gui  # Qt is imported only for the window

            return run_gui(args)
        return int(args.func(args) or 0)
    except InboxError as exc:
        print(f"social-inbox: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
