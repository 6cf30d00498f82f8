"""One place where HTTP transport failures and status codes become the core error tree."""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from inbox.core.errors import (
    AuthExpired,
    ConfigError,
    InboxError,
    NetworkError,
    RateLimited,
    RemoteRejected,
)

TIMEOUT = httpx.Timeout(20.0, connect=10.0)
USER_AGENT = "SocialInbox/0.1 (+https://example.invalid/social-inbox)"

Describe = Callable[[httpx.Response], str]


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
    **kwargs: Any,
) -> httpx.Response:
    """Send one request; return the response if it succeeded, else raise the core error.

    Args:
        system: the name the user knows ("Request Tracker at rt.example.com").
        describe: pulls the system's own error text out of a response.
        ok: extra status codes the caller handles itself (e.g. 404 on a lookup).
    """
    try:
        response = await http.request(method, url, **kwargs)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise ConfigError(f"Bad URL for {system}: {exc}") from None
    except httpx.TimeoutException:
        raise NetworkError(f"{system} did not answer in time.") from None
    except httpx.TransportError as exc:
        raise NetworkError(f"{system} is unreachable: {_reason(exc)}") from None
    if response.is_success or response.status_code in ok:
        return response
    raise error_for(response, system, describe)


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
