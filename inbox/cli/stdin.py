"""Text from standard input (`--text-stdin`, `--token-stdin`, `--json-stdin`, …), refused
in words when it is not UTF-8.

Python decodes stdin with the locale's codec: under a UTF-8 locale a Latin-1 "é" raises
UnicodeDecodeError out of `read()`, and under C.UTF-8 / POSIX it arrives as a lone
surrogate (surrogateescape) that later raised UnicodeEncodeError in the store or the
sanitizer. Either way the verb ended in a traceback, with nothing said about why.
"""

from __future__ import annotations

import re
import sys
from typing import TextIO

from inbox.core.errors import ConfigError

_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes the locale could not decode


def read(stream: TextIO | None = None, *, line: bool = False) -> str:
    """All of standard input (or one line).

    Raises:
        ConfigError: the bytes are not UTF-8; the words say how to convert them.
    """
    source = sys.stdin if stream is None else stream
    raw = getattr(source, "buffer", None)
    if raw is not None:  # a real stream: decode the bytes ourselves, whatever the locale
        data = raw.readline() if line else raw.read()
        try:
            return str(data.decode("utf-8").removeprefix("\ufeff"))
        except UnicodeDecodeError as exc:
            raise ConfigError(_words(exc.start)) from None
    try:
        text = source.readline() if line else source.read()
    except UnicodeDecodeError as exc:
        raise ConfigError(_words(exc.start)) from None
    found = _ESCAPED.search(text)
    if found:
        raise ConfigError(_words(len(text[: found.start()].encode("utf-8", "surrogateescape"))))
    return text


def lines(stream: TextIO | None = None) -> list[str]:
    """Standard input's lines (without their ends), checked as read() checks them."""
    return read(stream).splitlines()


def _words(offset: int) -> str:
    return (
        f"Standard input is not UTF-8 text (byte {offset} cannot be read); it was probably "
        "saved in another encoding such as Latin-1 or Windows-1252. Nothing was changed. "
        "Convert it first, e.g. `iconv -f windows-1252 -t utf-8 FILE | social-inbox …`."
    )
