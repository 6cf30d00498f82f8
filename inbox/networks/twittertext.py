"""twitter-text (the maintained Python port, ``twitter-text-parser``), loaded once on first use.

X counts posts with it (config v3), and Mastodon's URL rule is twitter-text's with
Mastodon's overrides, so both networks' length modules build on this loader. Importing
the port compiles its emoji table (~0.1 s, 0.3-2 s on a busy machine): it happens on
first use, or on the warm-up thread the reply box starts, never at start-up.
"""

from __future__ import annotations

import importlib.resources
import sys
import threading
import types
from functools import cache
from typing import Any

_load_lock = threading.Lock()


class _ResourceShim(types.ModuleType):
    """Just enough of pkg_resources for twitter-text-parser, which reads its emoji
    table with pkg_resources.resource_string at import time. setuptools' real module
    is deprecated, slow to import and not installed on newer Pythons."""

    def __init__(self) -> None:
        super().__init__("pkg_resources")

    @staticmethod
    def resource_string(module: str, name: str) -> bytes:
        package = sys.modules[module].__package__ or module
        return importlib.resources.files(package).joinpath(name).read_bytes()


@cache
def library() -> Any:
    """The twitter_text package, imported once (thread-safe)."""
    with _load_lock:
        saved = sys.modules.get("pkg_resources")
        sys.modules["pkg_resources"] = _ResourceShim()
        try:
            import twitter_text
            import twitter_text.config
            import twitter_text.has_invalid_characters
        finally:
            if saved is None:
                sys.modules.pop("pkg_resources", None)
            else:
                sys.modules["pkg_resources"] = saved
    return twitter_text
