"""Entry point: parse arguments, open the profile, run a verb or the window."""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import os
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path

import inbox.cli
from inbox import __version__
from inbox.core.errors import InboxError, user_words

log = logging.getLogger("inbox")


# Global options that take a value: what follows them is not a verb.
_VALUED = frozenset({"--profile", "--screenshot", "--size", "--open", "--shot-of"})


def wants_verbs(argv: Sequence[str]) -> bool:
    """Whether the command line names a verb (or asks for help) rather than the window."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("-h", "--help"):
            return True
        elif arg in _VALUED:
            skip = True
        elif not arg.startswith("-"):
            return True
    return False


def build_parser(with_verbs: bool = True) -> argparse.ArgumentParser:
    """The parser; without verbs it skips importing every verb module (window start-up)."""
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
        help="render the window once (at --size), save a PNG and exit",
    )
    parser.add_argument(
        "--size",
        metavar="WxH",
        default="1600x1000",
        help="window size for --screenshot (default 1600x1000)",
    )
    parser.add_argument(
        "--shot-of",
        choices=("deck", "calendar", "reply", "start"),
        default="deck",
        help="what --screenshot shows: the deck (default), the publishing calendar, a "
        "reply just sent from the reply box, or the window as it first paints (start)",
    )
    parser.add_argument(
        "--theme",
        choices=("light", "dark"),
        help="colour scheme of the window for this run (default: File → Preferences, "
        "which follows the system unless set)",
    )
    parser.add_argument("--compose", action="store_true", help="open the composer for a new post")
    parser.add_argument(
        "--open",
        metavar="LINK",
        help="open a conversation (social-inbox://conversation/ID or ID); with the app "
        "already running on the profile, its window does it",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    if not with_verbs:
        parser.set_defaults(command=None)
        return parser
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(inbox.cli.__path__), key=lambda m: m.name):
        if info.name == "main":
            continue
        module = importlib.import_module(f"inbox.cli.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def hint(args: argparse.Namespace, verb: str) -> str:
    """A command line to suggest, keeping the --profile the user gave: `social-inbox … verb`."""
    profile = getattr(args, "profile", None)
    if profile:
        import shlex

        return f"`social-inbox --profile {shlex.quote(str(profile))} {verb}`"
    return f"`social-inbox {verb}`"


_INT64 = 2**63  # SQLite's INTEGER: a larger id raised OverflowError deep in a verb


def _out_of_range(args: argparse.Namespace) -> str:
    """Words for the first whole-number argument no row id or count can be, else ""."""
    for name, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, int) and not isinstance(item, bool) and not -_INT64 < item < _INT64:
                return f"{name.replace('_', ' ')}: {item} is out of range"
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(with_verbs=wants_verbs(argv))
    args = parser.parse_args(argv)
    too_large = _out_of_range(args)
    if too_large:
        parser.error(too_large)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    profile = getattr(args, "profile", None)
    if profile and not Path(profile).expanduser().exists():
        note = f"social-inbox: {profile} does not exist; creating it as a new profile."
        print(note, file=sys.stderr)
    try:
        if args.command is None:
            from inbox.cli import display_check

            # Before Qt loads: no display or missing xcb libraries make Qt abort (core dump).
            problem = display_check.prepare(bool(args.screenshot))
            if problem is not None:
                print(problem.message, file=sys.stderr)
                return 2
            # No cyclic garbage collection until the window has painted (start-up makes
            # hundreds of thousands of objects and throws few away: each collection of
            # them was wasted, ~7% of the first paint); inbox.ui.app turns it back on.
            gc.disable()
            try:
                # Qt-free modules before Qt: once PySide6 is loaded it reads the source of
                # every module imported after it (its __feature__ check). The engine is
                # not among them: the window starts it after its first paint.
                import inbox.store  # noqa: F401
                from inbox.ui.app import run_gui  # Qt is imported only for the window

                return run_gui(args)
            finally:
                gc.enable()
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows up here, not at interpreter exit
        return code
    except InboxError as exc:
        print(f"social-inbox: {user_words(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `conversations list | head`: the reader left; end quietly, as cat does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
