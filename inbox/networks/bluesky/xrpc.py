"""XRPC over httpx: the one place Bluesky's status codes and error names become core errors.

Also the session: access and refresh JWTs, refreshed on `ExpiredToken` (a 400, not
a 401). Refreshes are serialized by a lock, and the rotated refresh JWT is handed
to `on_session` (which saves it to the keyring) before the new access JWT is used,
so a crash between the two never leaves only a spent refresh JWT behind.

The rate limiter reads `RateLimit-*` (Reset is Unix seconds) and refuses to send
once the budget is spent, so we never run into the wall twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import httpx

from inbox import transport
from inbox.core.clock import Clock, SystemClock
from inbox.core.errors import AuthExpired, NetworkError, RateLimited, RemoteRejected

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
USER_AGENT = "SocialInbox/0.1 (+https://github.com/social-inbox)"
CHAT_PROXY = "did:web:api.bsky.chat#bsky_chat"
RESERVE = 3  # requests kept back for the user's own actions


@dataclass(frozen=True)
class Session:
    """What the keyring keeps for one account (as JSON): never in SQLite or logs."""

    did: str
    handle: str
    service: str  # the PDS URL exactly as found or given (scheme, host, port kept)
    access_jwt: str
    refresh_jwt: str
    email: str = ""

    def dumps(self) -> str:
        return json.dumps(
            {
                "v": 1,
                "did": self.did,
                "handle": self.handle,
                "service": self.service,
                "accessJwt": self.access_jwt,
                "refreshJwt": self.refresh_jwt,
                "email": self.email,
            }
        )

    @staticmethod
    def loads(raw: str) -> Session:
        """Parse the keyring's JSON; raises AuthExpired when it is not a session."""
        try:
            data = json.loads(raw)
            return Session(
                did=str(data["did"]),
                handle=str(data["handle"]),
                service=str(data["service"]),
                access_jwt=str(data["accessJwt"]),
                refresh_jwt=str(data["refreshJwt"]),
                email=str(data.get("email") or ""),
            )
        except (ValueError, KeyError, TypeError):
            raise AuthExpired("The saved Bluesky sign-in is unreadable; sign in again") from None

    def updated(self, body: Mapping[str, Any]) -> Session:
        """The session after createSession/refreshSession answered body."""
        return replace(
            self,
            access_jwt=_text(body, "accessJwt"),
            refresh_jwt=_text(body, "refreshJwt"),
            did=str(body.get("did") or self.did),
            handle=str(body.get("handle") or self.handle),
        )


@dataclass
class RateBudget:
    """The last RateLimit-* headers seen: shown in the account status."""

    limit: int | None = None
    remaining: int | None = None
    reset: datetime | None = None
    policy: str = ""

    def describe(self) -> str:
        if self.remaining is None:
            return ""
        text = f"{self.remaining}/{self.limit or '?'} requests left"
        if self.reset is not None:
            text += f" until {self.reset:%H:%M:%S} UTC"
        return text


@dataclass(frozen=True)
class XrpcError:
    status: int
    error: str
    message: str


class XrpcFailed(RemoteRejected):
    """The PDS refused a call; error is the XRPC error name (e.g. NotFound, InvalidToken)."""

    def __init__(self, message: str, status: int, error: str) -> None:
        super().__init__(message, status)
        self.error = error


@dataclass
class Xrpc:
    """Calls to one PDS for one session (or none, for sign-in and identity)."""

    http: httpx.AsyncClient
    service: str
    session: Session | None = None
    on_session: Callable[[Session], None] | None = None
    clock: Clock = field(default_factory=SystemClock)
    sleep: Sleep = asyncio.sleep
    retries: int = 3
    budget: RateBudget = field(default_factory=RateBudget)
    _refreshing: asyncio.Lock | None = None

    def __post_init__(self) -> None:
        self.service = self.service.rstrip("/")

    @property
    def host(self) -> str:
        try:
            return httpx.URL(self.service).host or self.service
        except Exception:  # an unusable URL: say it as given
            return self.service

    # -- calls ------------------------------------------------------------------------

    async def get(
        self, nsid: str, params: Any = None, *, auth: bool = True, proxy: str | None = None
    ) -> Any:
        """GET /xrpc/nsid (repeatable: retried on 5xx and timeouts)."""
        return await self.call("GET", nsid, params=params, auth=auth, proxy=proxy)

    async def post(
        self,
        nsid: str,
        body: Any = None,
        *,
        auth: bool = True,
        proxy: str | None = None,
        content: bytes | None = None,
        content_type: str = "application/json",
        repeatable: bool = False,
    ) -> Any:
        """POST /xrpc/nsid; retried only when repeatable (the caller knows it is safe)."""
        return await self.call(
            "POST",
            nsid,
            body=body,
            auth=auth,
            proxy=proxy,
            content=content,
            content_type=content_type,
            repeatable=repeatable,
        )

    async def call(
        self,
        method: str,
        nsid: str,
        *,
        params: Any = None,
        body: Any = None,
        auth: bool = True,
        proxy: str | None = None,
        content: bytes | None = None,
        content_type: str = "application/json",
        repeatable: bool | None = None,
    ) -> Any:
        """One call, with one refresh-and-retry on ExpiredToken.

        Raises:
            NetworkError: offline, timeout, 5xx after the retries.
            RateLimited: 429, or our own budget is spent until the reset time.
            AuthExpired: the sign-in is gone (InvalidToken, revoked app password).
            XrpcFailed: any other refusal, with the server's error name and message.
        """
        for attempt in (0, 1):
            token = self.session.access_jwt if (auth and self.session) else None
            try:
                return await self._send(
                    method, nsid, params, body, token, proxy, content, content_type, repeatable
                )
            except XrpcFailed as exc:
                if exc.error == "ExpiredToken" and auth and self.session and attempt == 0:
                    await self.refresh(token)
                    continue
                if exc.error in ("InvalidToken", "AuthenticationRequired", "AccountTakedown"):
                    if exc.error == "InvalidToken" and "method" in str(exc).lower():
                        raise  # "Bad token method": the app password lacks a privilege
                    raise AuthExpired(
                        f"Bluesky ({self.host}) no longer accepts this sign-in: {exc}"
                    ) from exc
                raise
        raise AssertionError("unreachable")

    async def refresh(self, spent_access: str | None = None) -> Session:
        """refreshSession once for everyone waiting: the first caller refreshes, the rest reuse."""
        if self.session is None:
            raise AuthExpired("Not signed in to Bluesky")
        if self._refreshing is None:
            self._refreshing = asyncio.Lock()
        async with self._refreshing:
            if spent_access is not None and self.session.access_jwt != spent_access:
                return self.session  # another call refreshed while we waited
            try:
                body = await self._send(
                    "POST",
                    "com.atproto.server.refreshSession",
                    None,
                    None,
                    self.session.refresh_jwt,
                    None,
                    None,
                    "application/json",
                    False,
                )
            except XrpcFailed as exc:
                raise AuthExpired(
                    f"Bluesky ({self.host}) no longer accepts this sign-in: {exc}"
                ) from exc
            if not isinstance(body, dict):
                raise NetworkError(f"{self.host} answered refreshSession without a session")
            session = self.session.updated(body)
            # Save first: the old refresh JWT is spent now; the new one must not be lost.
            if self.on_session is not None:
                self.on_session(session)
            self.session = session
            return session

    async def _send(
        self,
        method: str,
        nsid: str,
        params: Any,
        body: Any,
        token: str | None,
        proxy: str | None,
        content: bytes | None,
        content_type: str,
        repeatable: bool | None,
    ) -> Any:
        url = f"{self.service}/xrpc/{nsid}"
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if proxy:
            headers["atproto-proxy"] = proxy
        if method == "POST":
            headers["Content-Type"] = content_type
            if content is None and body is not None:
                content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        response = await transport.request(
            self.http, method, url, params=params, content=content, headers=headers,
            host=self.host, repeatable=repeatable, retries=self.retries, sleep=self.sleep,
            describe=_describe, before=self._check_budget, after=self._read_budget,
        )  # fmt: skip
        return self._decode(response)

    # -- rate limits --------------------------------------------------------------------

    def _check_budget(self) -> None:
        b = self.budget
        if b.remaining is None or b.reset is None or b.remaining > RESERVE:
            return
        wait = (b.reset - self.clock.now()).total_seconds()
        if wait > 0:
            raise RateLimited(f"Rate limit of {self.host} reached; waiting", wait)
        self.budget = RateBudget()

    def _read_budget(self, response: httpx.Response) -> None:
        h = response.headers
        if "RateLimit-Remaining" not in h:
            return
        try:
            reset = h.get("RateLimit-Reset")
            self.budget = RateBudget(
                limit=int(h.get("RateLimit-Limit", "0")) or None,
                remaining=int(h["RateLimit-Remaining"]),
                reset=datetime.fromtimestamp(int(reset), UTC) if reset else None,
                policy=h.get("RateLimit-Policy", ""),
            )
        except (ValueError, OverflowError, OSError):
            log.warning("unreadable rate-limit headers from %s", self.host)

    def _decode(self, response: httpx.Response) -> Any:
        status = response.status_code
        if status == 429:
            retry_after = 60.0
            reset = response.headers.get("RateLimit-Reset", "")
            if reset.isdigit():  # float(): a reset of 400 digits is inf, not OverflowError
                retry_after = float(reset) - self.clock.now().timestamp()
            elif response.headers.get("Retry-After", "").isdigit():
                retry_after = float(response.headers["Retry-After"])
            raise RateLimited(f"{self.host}: too many requests", retry_after)
        if not 200 <= status < 300:
            err = _error(response)
            text = err.message or err.error or f"HTTP {status}"
            raise XrpcFailed(f"{self.host}: {text}", status, err.error)
        if not response.content:
            return None
        if "json" not in response.headers.get("Content-Type", "application/json"):
            return response.content
        return transport.json_body(response, self.host)


def _describe(response: httpx.Response) -> str:
    """A 5xx in the server's words: "<ErrorName>: <message>"."""
    err = _error(response)
    return f"{err.error}: {err.message}" if err.error else err.message


def _error(response: httpx.Response) -> XrpcError:
    """{"error": Name, "message": text}, or the status when the body is not that."""
    try:
        body = response.json()
    except ValueError:
        return XrpcError(response.status_code, "", f"HTTP {response.status_code}")
    if not isinstance(body, dict):
        return XrpcError(response.status_code, "", f"HTTP {response.status_code}")
    name = body.get("error") if isinstance(body.get("error"), str) else ""
    message = body.get("message") if isinstance(body.get("message"), str) else ""
    return XrpcError(response.status_code, str(name), str(message)[:500])


def _text(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise NetworkError(f"The session answer has no {key}")
    return value
