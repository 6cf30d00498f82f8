"""Mastodon REST calls -> JSON; the one place httpx errors and status codes become core errors.

Also the per-account rate limiter: it reads X-RateLimit-* (Reset is ISO 8601)
and refuses to send once the budget is spent, so we never exceed it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from inbox import transport
from inbox.core.clock import Clock, SystemClock, from_iso
from inbox.core.errors import (
    AuthExpired,
    ConfigError,
    RateLimited,
    RemoteRejected,
)

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
USER_AGENT = "SocialInbox/0.1 (+https://github.com/social-inbox)"
_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?([a-z]+)"?')
# Keep a few requests back for the user's own actions (reply, post).
RESERVE = 3


_LOOPBACK_NAMES = ("localhost", "::1")


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: a local test or dev server, never a real instance."""
    host = host.strip("[]").lower()
    return host in _LOOPBACK_NAMES or host.startswith("127.")


def _parse(instance: str) -> httpx.URL:
    """The instance as a URL; "host", "host:port", "[v6]:port" or a full URL.

    Raises:
        ConfigError: not a server address (a path or query is fine, they are dropped).
    """
    text = instance.strip()
    if not text:
        raise ConfigError("The server address is empty")
    if "://" not in text:
        text = text.rstrip("/")
        authority = text.split("/")[0]
        host = authority[1 : authority.find("]")] if authority.startswith("[") else None
        if host is None:
            host = authority.rsplit(":", 1)[0] if authority.count(":") == 1 else authority
        text = f"{'http' if is_loopback(host) else 'https'}://{text}"
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, ValueError) as exc:
        raise ConfigError(f"{instance!r} is not a server address: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(f"{instance!r} is not a server address (use https://host[:port])")
    if url.userinfo:
        raise ConfigError("A server address must not carry a user name or password")
    return url


def _authority(url: httpx.URL) -> str:
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{host}:{url.port}" if url.port is not None else host


def instance_id(instance: str) -> str:
    """How an instance is stored (accounts, apps, keyring keys): scheme, host and port survive.

    "host[:port]" when the scheme is the usual one (https; plain http for a loopback
    host), else "http://host[:port]". An https instance on the default port is just its
    host, as it always was, so existing rows and keyring entries keep their names.
    """
    url = _parse(instance)
    authority = _authority(url)
    usual = "http" if is_loopback(url.host) else "https"
    return authority if url.scheme == usual else f"{url.scheme}://{authority}"


def base_url(instance: str) -> str:
    """scheme://host[:port] to call, from what instance_id stored or what a user typed."""
    url = _parse(instance)
    return f"{url.scheme}://{_authority(url)}"


@functools.lru_cache(maxsize=64)  # asked on every request (the API's error words)
def domain_of(instance: str) -> str:
    """host[:port]: the domain part of local accounts' handles (Mastodon's LOCAL_DOMAIN
    carries the port when the instance runs on one, e.g. localhost:3000)."""
    return _authority(_parse(instance))


def host_of(instance: str) -> str:
    """The host name alone, for messages."""
    return _parse(instance).host


def parse_links(header: str) -> dict[str, str]:
    """The Link header as {rel: url}."""
    return {rel: url for url, rel in _LINK.findall(header or "")}


@dataclass
class RateBudget:
    """What the last response said about the rate limit closest to running out."""

    limit: int | None = None
    remaining: int | None = None
    reset: datetime | None = None


@dataclass(frozen=True)
class Response:
    """A decoded answer: JSON body, status and the Link relations."""

    status: int
    body: Any
    links: Mapping[str, str]


class MastodonApi:
    """Endpoint calls for one instance (and one token, when signed in)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        instance: str,
        token: str | None = None,
        *,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        retries: int = 3,
        max_bytes: int | None = None,
        deadline: float | None = None,
    ) -> None:
        self.http = http
        self.max_bytes = max_bytes  # None: transport.MAX_BYTES / DEADLINE at call time
        self.deadline = deadline
        self.base = base_url(instance)
        self._token = token
        self.clock: Clock = clock or SystemClock()
        self.sleep = sleep
        self.retries = retries
        self.budget = RateBudget()

    # -- transport ---------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        idempotency_key: str | None = None,
        auth: bool = True,
        ok: tuple[int, ...] = (200,),
    ) -> Response:
        """One call with retries for 5xx/timeouts (only when safe to repeat).

        Raises:
            NetworkError: offline, timeout, 5xx after the retries.
            RateLimited: 429, or our own budget is spent until the reset time.
            AuthExpired: 401 (Mastodon tokens never expire: it was revoked).
            RemoteRejected: any other 4xx, with the server's message.
        """
        url = path if path.startswith("http") else f"{self.base}{path}"
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if auth and self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        # A GET, or a POST carrying an Idempotency-Key, is safe to send again.
        response = await transport.request(
            self.http, method, url, params=params, data=data, files=files, headers=headers,
            host=self._host(), repeatable=method == "GET" or idempotency_key is not None,
            retries=self.retries, sleep=self.sleep, max_bytes=self.max_bytes,
            deadline=self.deadline, describe=_message, before=self._check_budget,
            after=self._read_budget,
        )  # fmt: skip
        return self._decode(response, ok)

    def _host(self) -> str:
        return domain_of(self.base)

    def _check_budget(self) -> None:
        b = self.budget
        if b.remaining is None or b.reset is None or b.remaining > RESERVE:
            return
        wait = (b.reset - self.clock.now()).total_seconds()
        if wait > 0:
            raise RateLimited(f"Rate limit of {self._host()} reached; waiting", wait)
        self.budget = RateBudget()

    def _read_budget(self, response: httpx.Response) -> None:
        h = response.headers
        try:
            if "X-RateLimit-Remaining" in h:
                self.budget = RateBudget(
                    limit=int(h.get("X-RateLimit-Limit", "0")) or None,
                    remaining=int(h["X-RateLimit-Remaining"]),
                    reset=from_iso(h["X-RateLimit-Reset"]) if "X-RateLimit-Reset" in h else None,
                )
        except ValueError:
            log.warning("unreadable rate-limit headers from %s", self._host())

    def _decode(self, response: httpx.Response, ok: tuple[int, ...]) -> Response:
        status = response.status_code
        if status == 429:
            retry_after = 60.0
            reset = response.headers.get("X-RateLimit-Reset")
            if reset:
                with contextlib.suppress(ValueError):
                    retry_after = (from_iso(reset) - self.clock.now()).total_seconds()
            elif response.headers.get("Retry-After", "").isdigit():
                retry_after = float(response.headers["Retry-After"])
            raise RateLimited(f"{self._host()}: too many requests", retry_after)
        if status == 401:
            raise AuthExpired(
                f"{self._host()} no longer accepts this sign-in: {_message(response)}"
            )
        if status not in ok and not 200 <= status < 300:
            raise RemoteRejected(f"{self._host()}: {_message(response)}", status)
        body = transport.json_body(response, self._host())
        return Response(status, body, parse_links(response.headers.get("Link", "")))

    # -- endpoints ---------------------------------------------------------------

    async def verify_credentials(self) -> dict[str, Any]:
        return dict((await self.request("GET", "/api/v1/accounts/verify_credentials")).body)

    async def instance(self) -> dict[str, Any]:
        return dict((await self.request("GET", "/api/v2/instance", auth=False)).body)

    async def notifications(self, params: list[tuple[str, str]]) -> Response:
        return await self.request("GET", "/api/v1/notifications", params=params)

    async def account_statuses(self, account_id: str, params: list[tuple[str, str]]) -> Response:
        return await self.request("GET", f"/api/v1/accounts/{account_id}/statuses", params=params)

    async def context(self, status_id: str) -> dict[str, Any]:
        return dict((await self.request("GET", f"/api/v1/statuses/{status_id}/context")).body)

    async def post_status(self, form: list[tuple[str, str]], idempotency_key: str) -> Any:
        # A list of pairs keeps repeated keys such as media_ids[].
        response = await self.http_form("POST", "/api/v1/statuses", form, idempotency_key)
        return response.body

    async def http_form(
        self, method: str, path: str, form: list[tuple[str, str]], idempotency_key: str | None
    ) -> Response:
        """A form-encoded call (httpx's data= cannot repeat keys, so encode it here)."""
        return await self.request(
            method,
            path,
            params=None,
            data=_FormPairs(form),
            idempotency_key=idempotency_key,
        )

    async def upload_media(
        self, filename: str, content: bytes, mime: str, description: str, focus: str
    ) -> Response:
        data = {}
        if description:
            data["description"] = description
        if focus:
            data["focus"] = focus
        return await self.request(
            "POST",
            "/api/v2/media",
            data=data,
            files={"file": (filename, content, mime)},
            ok=(200, 202),
        )

    async def media(self, media_id: str) -> Response:
        return await self.request("GET", f"/api/v1/media/{media_id}", ok=(200, 206))

    async def reschedule(self, scheduled_id: str, when: str) -> Any:
        path = f"/api/v1/scheduled_statuses/{scheduled_id}"
        return (await self.request("PUT", path, data={"scheduled_at": when})).body

    async def cancel_scheduled(self, scheduled_id: str) -> None:
        await self.request("DELETE", f"/api/v1/scheduled_statuses/{scheduled_id}")

    async def relationship(self, account_id: str, verb: str, idempotency_key: str) -> Any:
        """POST /api/v1/accounts/:id/{block,unblock,mute,unmute}: returns the Relationship.

        Each leaves the same state when repeated, so a 5xx is retried (the key makes it so).
        """
        path = f"/api/v1/accounts/{account_id}/{verb}"
        return (await self.request("POST", path, data={}, idempotency_key=idempotency_key)).body

    async def report(self, form: list[tuple[str, str]]) -> Any:
        """POST /api/v1/reports (never repeated here: the server has no key for reports)."""
        return (await self.http_form("POST", "/api/v1/reports", form, None)).body

    async def lookup(self, acct: str) -> Any:
        """GET /api/v1/accounts/lookup?acct=user@domain: the account as this server knows it."""
        return (await self.request("GET", "/api/v1/accounts/lookup", params={"acct": acct})).body

    # -- OAuth (no token) ----------------------------------------------------------

    async def register_app(self, form: Mapping[str, Any]) -> dict[str, Any]:
        return dict((await self.request("POST", "/api/v1/apps", data=form, auth=False)).body)

    async def token(self, form: Mapping[str, str]) -> dict[str, Any]:
        return dict((await self.request("POST", "/oauth/token", data=form, auth=False)).body)

    async def revoke(self, form: Mapping[str, str]) -> None:
        await self.request("POST", "/oauth/revoke", data=form, auth=False)


class _FormPairs(dict[str, list[str]]):
    """Form pairs with repeated keys, in the shape httpx encodes as key=a&key=b."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__()
        for key, value in pairs:
            self.setdefault(key, []).append(value)


def _message(response: httpx.Response) -> str:
    """The server's own words: {"error": …, "error_description": …}, else the status."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict):
        text = body.get("error_description") or body.get("error")
        if isinstance(text, str) and text:
            return text[:500]
    return f"HTTP {response.status_code}"
