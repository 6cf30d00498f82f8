"""HTTP with bounds, shared by every network (Mastodon, Bluesky, X) and every desk connector.

httpx's timeouts are per operation: a server that drips a byte every few seconds, or
sends a body with no length that never ends, keeps a plain `client.request()` reading
(and buffering) forever, and a body of 100,000 "[" makes `json.loads` raise
RecursionError, which no handler expects. This module is the one place that prevents
all three:

- `send` streams the body, stops at `MAX_BYTES` of decoded content (so a compressed
  bomb stops too), and gives the whole exchange (connect, headers, body) one deadline
  (`DEADLINE`); both are module defaults a caller may override.
- `loads` parses JSON refusing nesting deeper than `MAX_DEPTH`.
- `request` is the request loop the networks share: `send` under the bounds, retries
  with exponential backoff for what is safe to repeat (a GET, or a POST the caller marks
  repeatable), and every transport failure translated once into the core error tree
  (`Unreachable`, `NetworkError`, `BadPayload`, `ConfigError`). It returns any response
  below 500; each network decodes its own 4xx (rate limits, sign-in) in its api module.

It sits below networks/ and connectors/ (they may not import each other) and imports
only httpx and core.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from inbox.core.errors import BadPayload, ConfigError, NetworkError, Unreachable

log = logging.getLogger(__name__)

MAX_BYTES = 16 * 1024 * 1024  # a page of 80 notifications with threads is well under 2 MB
DEADLINE = 60.0  # seconds for one request, answer included
MAX_DEPTH = 64  # the deepest documented payload of any network nests ~10 levels

Sleep = Callable[[float], Awaitable[None]]
Describe = Callable[[httpx.Response], str]


class TooLarge(Exception):
    """The answer is bigger than max_bytes; nothing of it is kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit // (1024 * 1024) or 1} MB")
        self.limit = limit


class TooSlow(Exception):
    """The exchange did not finish within its deadline."""

    def __init__(self, deadline: float) -> None:
        super().__init__(f"no complete answer within {deadline:g} s")
        self.deadline = deadline


class Unreadable(BadPayload, ValueError):
    """A body that is not JSON or nests too deeply: a BadPayload in the user's words, and
    still a ValueError for code that tries `response.json()` and falls back."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"{host} sent an answer that cannot be read: {reason}")
        self.reason = reason


class Response(httpx.Response):
    """What `send` returns: the whole body read under the bounds; `json()` refuses
    nesting deeper than MAX_DEPTH instead of raising RecursionError."""

    def json(self, **kwargs: Any) -> Any:
        try:
            return loads(self.content)
        except ValueError as exc:
            host = self.request.url.host if self._request is not None else "The server"
            raise Unreadable(host, str(exc)) from None


_DROP = frozenset({"content-encoding", "content-length", "transfer-encoding"})


async def send(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    max_bytes: int | None = None,
    deadline: float | None = None,
    **kwargs: Any,
) -> Response:
    """Like http.request(method, url, **kwargs), with the body read under both bounds.

    Raises:
        TooLarge, TooSlow: a bound was hit (the connection is closed).
        httpx.HTTPError: as http.request would.
    """
    limit = MAX_BYTES if max_bytes is None else max_bytes
    seconds = DEADLINE if deadline is None else deadline
    request = http.build_request(method, url, **kwargs)
    try:
        async with asyncio.timeout(seconds):
            response = await http.send(request, stream=True)
            try:
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise TooLarge(limit)
                parts: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(limit)
                    parts.append(chunk)
            finally:
                await response.aclose()
    except TimeoutError:
        raise TooSlow(seconds) from None
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _DROP]
    return Response(
        response.status_code,
        headers=headers,
        content=b"".join(parts),
        request=request,
        extensions=response.extensions,
    )


def loads(content: bytes | str) -> Any:
    """JSON from a server, refusing nesting deeper than MAX_DEPTH.

    The stdlib parser recurses per level: a body of 100,000 "[" ends in RecursionError,
    which is not a ValueError and would escape every handler; a body just under the
    interpreter's limit parses but breaks the next recursive step (quarantine's dump).

    Raises:
        ValueError: not JSON, or nested too deeply.
    """
    try:
        value = json.loads(content)
    except RecursionError:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep") from None
    if _too_deep(value):
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
    raw = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
    if _SURROGATE_ESCAPE.search(raw):
        value = _whole_characters(value)
    return value


# "\ud83d\ude00" is how some servers escape an emoji; json joins such a pair into one
# character, but a lone half ("\ud800") stays a lone surrogate in the str, which no UTF-8
# codec accepts: the sanitizer, SQLite and the window would raise UnicodeEncodeError on
# it. The search is one C scan of the raw bytes; only a body with such an escape is walked.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE = re.compile("[\ud800-\udfff]")


def _whole_characters(value: Any) -> Any:
    """value with every lone surrogate (in strings and keys) replaced by U+FFFD, the
    replacement character: the item is kept and readable, nothing raises later."""

    def fix(text: str) -> str:
        return _LONE.sub("\ufffd", text)

    root: list[Any] = [value]
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if type(node) is dict:
            pairs = list(node.items())
            node.clear()
            for key, child in pairs:
                node[fix(key)] = _fixed(child, fix, stack)
        else:
            for n, child in enumerate(node):
                node[n] = _fixed(child, fix, stack)
    return root[0]


def _fixed(child: Any, fix: Callable[[str], str], stack: list[Any]) -> Any:
    if type(child) is str:
        return fix(child)
    if type(child) in _CONTAINERS:
        stack.append(child)
    return child


def _too_deep(value: Any) -> bool:
    """Whether containers nest deeper than MAX_DEPTH: a walk one level at a time (json
    only makes dict and list), ~0.3 ms for a page of 80 statuses."""
    level = [value] if type(value) in _CONTAINERS else []
    depth = 1
    while level:
        if depth > MAX_DEPTH:
            return True
        level = [
            child
            for item in level
            for child in (item.values() if type(item) is dict else item)
            if type(child) in _CONTAINERS
        ]
        depth += 1
    return False


_CONTAINERS = (dict, list)


def json_body(response: httpx.Response, host: str) -> Any:
    """The response's JSON (None when empty), depth-limited.

    Raises:
        BadPayload: not JSON, or nested too deeply, in words naming the server.
    """
    if not response.content:
        return None
    try:
        return loads(response.content)
    except ValueError as exc:
        raise BadPayload(f"{host} sent an answer that cannot be read: {exc}") from None


def reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text[:200] if text else type(exc).__name__


def _status_text(response: httpx.Response) -> str:
    return f"HTTP {response.status_code}"


async def request(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    host: str,
    repeatable: bool | None = None,
    retries: int = 3,
    sleep: Sleep = asyncio.sleep,
    max_bytes: int | None = None,
    deadline: float | None = None,
    describe: Describe = _status_text,
    before: Callable[[], None] | None = None,
    after: Callable[[httpx.Response], None] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """One call under the bounds, retried with backoff (1, 2, 4 s…) when safe; returns
    the first response below 500.

    Args:
        host: how the user knows the server, for messages.
        repeatable: safe to send again (default: GET only).
        describe: the server's own words for a 5xx (its error body).
        before: called before each attempt (a rate budget check that may raise).
        after: called with each response (reading rate-limit headers).

    Raises:
        Unreachable: nothing answers (connection refused, DNS, connect timeout): no retry,
            the caller's loop tries again later.
        NetworkError: a read timeout, a broken connection or a 5xx after the retries; a
            server too slow for the deadline (never retried: it would drip again).
        BadPayload: an answer larger than the cap.
        ConfigError: the URL cannot be called.
    """
    repeat = method == "GET" if repeatable is None else repeatable
    attempt = 0
    while True:
        if before is not None:
            before()
        try:
            response = await send(
                http, method, url, max_bytes=max_bytes, deadline=deadline, **kwargs
            )
        except TooLarge as exc:
            raise BadPayload(f"{host} sent an answer of {exc}; stopped reading") from None
        except TooSlow as exc:
            raise NetworkError(f"{host} is too slow: {exc}") from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise ConfigError(f"Bad address for {host}: {reason(exc)}") from None
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # Nothing listens there (offline, wrong port): waiting 1+2+4 s will not
            # change that; the caller's loop tries again later.
            raise Unreachable(f"Cannot reach {host}: {reason(exc)}") from exc
        except httpx.TimeoutException as exc:
            error = NetworkError(f"{host} timed out")
            cause: Exception = exc
        except httpx.TransportError as exc:
            error = NetworkError(f"Cannot reach {host}: {type(exc).__name__}")
            cause = exc
        else:
            if after is not None:
                after(response)
            if response.status_code < 500:
                return response
            error = NetworkError(f"{host} answered {response.status_code}: {describe(response)}")
            cause = error
        attempt += 1
        if not repeat or attempt > retries:
            raise error from cause
        delay = 2.0 ** (attempt - 1)
        log.info("retrying %s %s in %.0f s: %s", method, host, delay, error)
        await sleep(delay)
