"""One place where HTTP transport failures and status codes become the core error tree."""

from __future__ import annotations

import asyncio
import email.utils
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from inbox import transport
from inbox.core.errors import (
    AuthExpired,
    BadPayload,
    ConfigError,
    InboxError,
    NetworkError,
    RateLimited,
    RemoteRejected,
)

TIMEOUT = httpx.Timeout(20.0, connect=10.0)
USER_AGENT = "SocialInbox/0.1 (+https://example.invalid/social-inbox)"

Describe = Callable[[httpx.Response], str]


class Pacer:
    """Spaces the requests to one desk so that no window of `per` seconds holds more than
    `requests` of them: a bulk push stays under the desk's published limit instead of
    learning it from a 429 (MusicBrainz Picard's rate control works the same way).

    Each request reserves the next free slot, first come first served, and sleeps until it;
    a 429's Retry-After holds every later slot back. Slots are reserved under a thread lock
    with no await inside, so one pacer serves any thread and any event loop.
    """

    MARGIN = 1.05  # a little slack: the desk counts arrivals, which jitter behind our sends

    def __init__(
        self,
        requests: int,
        per: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.requests = max(1, requests)
        self.per = per * self.MARGIN
        self.clock = clock
        self.sleep = sleep
        self._slots: deque[float] = deque(maxlen=self.requests)
        self._until = 0.0
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """The time of this request's slot (now or later)."""
        with self._lock:
            slot = max(self.clock(), self._until, self._slots[-1] if self._slots else 0.0)
            if len(self._slots) == self.requests:
                slot = max(slot, self._slots[0] + self.per)
            self._slots.append(slot)
            return slot

    async def wait(self) -> None:
        delay = self.reserve() - self.clock()
        if delay > 0:
            await self.sleep(delay)

    def hold(self, seconds: float) -> None:
        """The desk said 429: send nothing more before Retry-After has passed."""
        with self._lock:
            self._until = max(self._until, self.clock() + seconds)


_PACERS: dict[tuple[str, int], Pacer] = {}
_PACERS_LOCK = threading.Lock()


def pacer(url: str, per_minute: int | None) -> Pacer | None:
    """The process-wide pacer of one host at that many requests a minute (None: unpaced).

    Shared by every connector object on that host, so a bulk push that opens one connector
    per conversation is still paced as one stream.
    """
    if not per_minute or per_minute <= 0:
        return None
    key = (httpx.URL(url).netloc.decode("ascii", "replace"), int(per_minute))
    with _PACERS_LOCK:
        found = _PACERS.get(key)
        if found is None:
            found = _PACERS[key] = Pacer(int(per_minute), 60.0)
        return found


def client(
    base_url: str = "",
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    auth: httpx.Auth | tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
    cookies: bool = False,
) -> httpx.AsyncClient:
    """An AsyncClient for one connector; transport is injected by tests."""
    kwargs: dict[str, Any] = {}
    if transport is not None:
        kwargs["transport"] = transport
    return httpx.AsyncClient(
        base_url=base_url,
        auth=auth,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        timeout=TIMEOUT,
        follow_redirects=False,
        cookies=httpx.Cookies() if cookies else None,
        **kwargs,
    )


def retry_after(response: httpx.Response, default: float = 60.0) -> float:
    """Seconds to wait from Retry-After (seconds or an HTTP date)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def json_message(response: httpx.Response, *keys: str) -> str:
    """The first non-empty of keys in a JSON error body, else a short text body."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:200] if text and "<html" not in text.lower() else ""
    if isinstance(body, dict):
        for key in keys or ("message", "error", "description"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, list) and value:
                return "; ".join(str(v) for v in value)
            if isinstance(value, dict) and value.get("message"):
                return str(value["message"])
    if isinstance(body, list) and body:
        return "; ".join(str(v) for v in body)
    return ""


async def call(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    system: str,
    describe: Describe = json_message,
    ok: tuple[int, ...] = (),
    pace: Pacer | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request; return the response if it succeeded, else raise the core error.

    Args:
        system: the name the user knows ("Request Tracker at rt.example.com").
        describe: pulls the system's own error text out of a response.
        ok: extra status codes the caller handles itself (e.g. 404 on a lookup).
        pace: the desk's pacer: waits for a free slot first, and holds on a 429.
    """
    if pace is not None:
        await pace.wait()
    try:
        # Under the same bounds as the networks: a size cap and one deadline per request,
        # and a response whose json() refuses absurd nesting (inbox.transport).
        response = await transport.send(http, method, url, **kwargs)
    except transport.TooLarge as exc:
        raise BadPayload(f"{system} sent an answer of {exc}; stopped reading.") from None
    except transport.TooSlow as exc:
        raise NetworkError(f"{system} is too slow: {exc}.") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise ConfigError(f"Bad URL for {system}: {exc}") from None
    except httpx.TimeoutException:
        raise NetworkError(f"{system} did not answer in time.") from None
    except httpx.TransportError as exc:
        raise NetworkError(f"{system} is unreachable: {_reason(exc)}") from None
    if response.is_success or response.status_code in ok:
        return response
    error = error_for(response, system, describe)
    if pace is not None and isinstance(error, RateLimited):
        pace.hold(error.retry_after)
    raise error


class Caller:
    """The calls of one desk: its client, the name the user knows, its error words and its
    pacer, so each connector's calls are one line (`await self._call("GET", "users/me")`)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        system: str,
        describe: Describe = json_message,
        pace: Pacer | None = None,
    ) -> None:
        self.http, self.system, self.describe, self.pace = http, system, describe, pace

    async def __call__(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await call(
            self.http,
            method,
            path,
            system=self.system,
            describe=self.describe,
            pace=self.pace,
            **kwargs,
        )

    async def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """The call's JSON body (depth-limited; BadPayload when unreadable)."""
        response = await self(method, path, **kwargs)
        try:
            return response.json()
        except transport.Unreadable as exc:
            said = f"{self.system} sent an answer that cannot be read: {exc.reason}."
            raise BadPayload(said) from None


def error_for(
    response: httpx.Response, system: str, describe: Describe = json_message
) -> InboxError:
    """A failed response as the error the user sees, with the system's own words."""
    status = response.status_code
    said = describe(response)
    detail = f": {said}" if said else ""
    if status == 429:
        wait = retry_after(response)
        return RateLimited(f"{system} asks us to slow down; retrying in {wait:.0f} s{detail}", wait)
    if status == 401:
        return AuthExpired(f"{system} rejected the credentials (HTTP 401){detail}")
    if status == 403:
        return RemoteRejected(f"{system} refused: missing permission (HTTP 403){detail}", status)
    if status == 404:
        return RemoteRejected(
            f"{system} has no such address (HTTP 404){detail}. Check the URL.", status
        )
    if status >= 500 or status == 408:
        return NetworkError(f"{system} had a server error (HTTP {status}){detail}")
    return RemoteRejected(f"{system} refused the request (HTTP {status}){detail}", status)


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "the host name does not resolve. Check the URL."
    if "Connection refused" in text or "All connection attempts failed" in text:
        return "nothing answers at that address (connection refused)."
    return text


def host_of(url: str) -> str:
    return httpx.URL(url).host or url
