"""Run the command line in-process as a user would: `social-inbox --profile P ARGS`, with
what they would pipe to it on standard input."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from inbox.cli.main import main


def run(profile: Path, *args: str, stdin: str = "") -> int:
    """The exit code of `social-inbox --profile PROFILE ARGS` with `stdin` piped in."""
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return main(["--profile", str(profile), *args])
    finally:
        sys.stdin = old
