"""One HTTP exchange with bounds: a byte cap on the body (streamed) and a wall-clock deadline.

httpx's timeouts are per operation: a server that drips a byte every few seconds, or
sends a body with no length that never ends, keeps a plain `client.request()` reading
(and buffering) forever. `send` streams the body, stops at `max_bytes` of decoded
content (so a compressed bomb stops too), and gives the whole exchange (connect,
headers, body) one deadline. Both bounds are module defaults a caller may override.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

MAX_BYTES = 16 * 1024 * 1024  # a page of 80 notifications with threads is well under 2 MB
DEADLINE = 60.0  # seconds for one request, answer included


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


_DROP = frozenset({"content-encoding", "content-length", "transfer-encoding"})


async def send(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    max_bytes: int | None = None,
    deadline: float | None = None,
    **kwargs: Any,
) -> httpx.Response:
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
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=b"".join(parts),
        request=request,
        extensions=response.extensions,
    )
