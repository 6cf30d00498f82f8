"""X API v2 calls -> JSON; the one place httpx errors and X's problem details become core errors.

Also the access token's life: it is refreshed shortly before it expires and once
after a 401, under a lock so two calls never spend the same single-use refresh
token, and the rotated pair is handed to ``save_tokens`` (the keyring) before it
is used. The per-endpoint rate budget comes from x-rate-limit-* (reset in Unix
seconds); a call is refused locally once an endpoint's budget is spent.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from inbox import transport
from inbox.core.clock import Clock, SystemClock
from inbox.core.errors import AuthExpired, ConfigError, RateLimited, RemoteRejected

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
SaveTokens = Callable[[str], None]
USER_AGENT = "SocialInbox/0.1"
API_HOST = "api.x.com"
REFRESH_MARGIN = timedelta(minutes=5)  # refresh this long before the access token expires
RESERVE = 1  # calls kept back per endpoint for the user's own actions
_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
_KEYRING_REFUSED = (
    "The system keyring does not accept X's sign-in now, so it was not renewed (X's "
    "refresh token works only once): unlock the keyring; syncing resumes then"
)


def base_url(instance: str) -> str:
    """https://api.x.com for "api.x.com"; a loopback host (tests) gets plain http."""
    instance = (instance or API_HOST).strip().rstrip("/")
    if "://" not in instance:
        loopback = instance.split(":")[0] in _LOOPBACK or instance.startswith("[::1]")
        instance = f"{'http' if loopback else 'https'}://{instance}"
    return instance


class TierRequired(RemoteRejected):
    """403 client-forbidden: the app's access level does not include this endpoint."""


@dataclass(frozen=True)
class Tokens:
    """An OAuth 2.0 token bundle; kept in the keyring as one JSON value (never split)."""

    access_token: str
    refresh_token: str = ""
    expires_at: datetime | None = None
    client_id: str = ""
    scope: str = ""

    def dumps(self) -> str:
        return json.dumps(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_at": int(self.expires_at.timestamp()) if self.expires_at else None,
                "client_id": self.client_id,
                "scope": self.scope,
            }
        )

    @classmethod
    def loads(cls, raw: str, client_id: str = "") -> Tokens:
        """A stored bundle, or a bare access token. Raises ValueError for anything else."""
        raw = raw.strip()
        if not raw.startswith("{"):
            if not raw or any(c.isspace() for c in raw):
                raise ValueError("not a token")
            return cls(raw, client_id=client_id)
        data = json.loads(raw)
        if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
            raise ValueError("a token bundle needs access_token")
        if not data["access_token"].strip():
            raise ValueError("access_token is empty")
        expires_at = None
        if isinstance(data.get("expires_at"), int | float):
            try:
                expires_at = datetime.fromtimestamp(int(data["expires_at"]), UTC)
            except (OverflowError, OSError, ValueError):
                raise ValueError("expires_at is not a time") from None
        refresh = data.get("refresh_token")
        return cls(
            data["access_token"],
            refresh if isinstance(refresh, str) else "",
            expires_at,
            str(data.get("client_id") or client_id),
            str(data.get("scope") or ""),
        )

    @classmethod
    def from_response(cls, body: Any, now: datetime, client_id: str) -> Tokens:
        """The token endpoint's JSON: access_token, refresh_token, expires_in (seconds)."""
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise RemoteRejected("X did not return an access token")
        expires_in = body.get("expires_in")
        expires_at = None
        if isinstance(expires_in, int | float) and 0 < expires_in < 10**8:
            expires_at = now + timedelta(seconds=float(expires_in))
        refresh = body.get("refresh_token")
        return cls(
            body["access_token"],
            refresh if isinstance(refresh, str) else "",
            expires_at,
            client_id,
            str(body.get("scope") or ""),
        )


@dataclass
class Budget:
    """What x-rate-limit-* said for one endpoint."""

    limit: int | None = None
    remaining: int | None = None
    reset: datetime | None = None


@dataclass(frozen=True)
class Response:
    status: int
    body: Any


class XApi:
    """Calls for one signed-in user (or none, for the token endpoint)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        instance: str = API_HOST,
        tokens: Tokens | None = None,
        *,
        save_tokens: SaveTokens | None = None,
        client_secret: str = "",
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        retries: int = 2,
    ) -> None:
        self.http = http
        self.base = base_url(instance)
        self.tokens = tokens
        self.save_tokens = save_tokens
        self.client_secret = client_secret
        self.clock: Clock = clock or SystemClock()
        self.sleep = sleep
        self.retries = retries
        self.budgets: dict[str, Budget] = {}
        self._refresh_lock = asyncio.Lock()
        self._unsaved: Tokens | None = None  # rotated tokens the keyring has not taken yet

    # -- tokens -------------------------------------------------------------------

    async def token(self, form: Mapping[str, str]) -> Any:
        """POST /2/oauth2/token (public client: client_id in the form; else Basic auth)."""
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        client_id = form.get("client_id", "")
        if self.client_secret and client_id:
            pair = f"{client_id}:{self.client_secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        response = await transport.request(
            self.http, "POST", f"{self.base}/2/oauth2/token", data=dict(form), headers=headers,
            host=self._host(), repeatable=False, describe=_message,
        )  # fmt: skip
        if response.status_code in (400, 401):
            raise AuthExpired(f"X refused the sign-in: {_message(response)}")
        if response.status_code >= 300:
            raise _error(response, self._host(), self.clock.now())
        return _json(response, self._host())

    async def refresh(self, spent: Tokens | None = None) -> Tokens:
        """Trade the refresh token for a new pair, save it, then use it.

        spent: the tokens the caller saw fail; when another call has refreshed
        meanwhile, its result is used instead of spending the (single-use)
        refresh token a second time. The same holds across processes: when the
        keyring holds a newer pair than ours (the window and `social-inbox sync`
        on one account), that pair is adopted, never refreshed over. And the
        refresh token is spent only when the keyring takes a write just before:
        a keyring that refuses would otherwise leave the new pair only in memory,
        lost when the process ends, with the old one already spent at X.
        """
        async with self._refresh_lock:
            current = self.tokens
            if current is None:
                raise AuthExpired("Not signed in to X")
            if spent is not None and current.access_token != spent.access_token:
                return current
            if not self.flush_tokens():  # a rotated pair not kept yet: spend nothing more
                raise ConfigError(_KEYRING_REFUSED)
            stored = self._stored()
            if stored is not None and stored.refresh_token not in ("", current.refresh_token):
                self.tokens = current = stored  # rotated by another process meanwhile
                if not self._expiring(stored) and (
                    spent is None or stored.access_token != spent.access_token
                ):
                    return stored
            if not current.refresh_token:
                raise AuthExpired("X sign-in expired; sign in again")
            if not self._keyring_takes(current):
                raise ConfigError(_KEYRING_REFUSED)
            body = await self.token(
                {
                    "grant_type": "refresh_token",
                    "refresh_token": current.refresh_token,
                    "client_id": current.client_id,
                }
            )
            fresh = Tokens.from_response(body, self.clock.now(), current.client_id)
            if not fresh.refresh_token:  # X sends a new one each time; keep the old otherwise
                fresh = replace(fresh, refresh_token=current.refresh_token)
            # The old refresh token is spent now: the new pair must reach the keyring
            # before anything else happens. If it cannot (it took a write a moment
            # ago), keep it in memory, keep using it, and try to save it again on
            # every call and on close.
            self.tokens = fresh
            self._unsaved = fresh
            self.flush_tokens()
            return fresh

    def _stored(self) -> Tokens | None:
        """The pair the keyring holds now (None: no reader, nothing stored, unreadable)."""
        load = getattr(self.save_tokens, "load", None)
        if load is None:
            return None
        try:
            raw = load()
            return Tokens.loads(raw, self.tokens.client_id if self.tokens else "") if raw else None
        except Exception as exc:  # a locked keyring, a damaged value: use what we hold
            log.warning("could not read the stored X sign-in: %s", type(exc).__name__)
            return None

    def _keyring_takes(self, tokens: Tokens) -> bool:
        """Write the pair we hold (unchanged) to see that the keyring accepts writes."""
        if self.save_tokens is None:
            return True
        try:
            self.save_tokens(tokens.dumps())
        except Exception as exc:
            log.warning("the keyring refused the X sign-in: %s", type(exc).__name__)
            return False
        return True

    def _expiring(self, tokens: Tokens) -> bool:
        return (
            tokens.expires_at is not None
            and bool(tokens.refresh_token)
            and tokens.expires_at - REFRESH_MARGIN <= self.clock.now()
        )

    def flush_tokens(self) -> bool:
        """Save rotated tokens the keyring has not taken yet; True when nothing is pending."""
        pending = self._unsaved
        if pending is None:
            return True
        if self.save_tokens is None:
            self._unsaved = None
            return True
        try:
            self.save_tokens(pending.dumps())
        except Exception as exc:  # a locked or missing keyring: retried on the next call
            log.warning("could not save the refreshed X sign-in yet: %s", type(exc).__name__)
            return False
        if self._unsaved is pending:
            self._unsaved = None
        return True

    async def _fresh_tokens(self) -> Tokens:
        tokens = self.tokens
        if tokens is None:
            raise AuthExpired("Not signed in to X")
        self.flush_tokens()
        if self._expiring(tokens):
            return await self.refresh(tokens)
        return tokens

    # -- transport ------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        endpoint: str = "",
        params: Any = None,
        json_body: Any = None,
        files: Any = None,
        data: Any = None,
        repeatable: bool | None = None,
    ) -> Response:
        """One authorised call. GETs are retried on 5xx/timeouts; a POST never is here
        (X has no idempotency key: the caller decides, after looking).

        Raises:
            NetworkError: offline, timeout, 5xx.
            RateLimited: 429 (until x-rate-limit-reset), or the endpoint's budget is spent.
            TierRequired: 403 client-forbidden.
            AuthExpired: 401 after one refresh.
            RemoteRejected: any other 4xx, with X's own words.
        """
        endpoint = endpoint or path
        url = f"{self.base}{path}"
        repeat = method == "GET" if repeatable is None else repeatable
        refreshed = False
        while True:
            tokens = await self._fresh_tokens()
            headers = {
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
                "Authorization": f"Bearer {tokens.access_token}",
            }
            response = await transport.request(
                self.http, method, url, params=params, json=json_body, files=files, data=data,
                headers=headers, host=self._host(), repeatable=repeat, retries=self.retries,
                sleep=self.sleep, describe=_message,
                before=lambda: self._check_budget(endpoint),
                after=lambda r: self._read_budget(endpoint, r),
            )  # fmt: skip
            if response.status_code == 401 and not refreshed and tokens.refresh_token:
                refreshed = True
                await self.refresh(tokens)
                continue
            if response.status_code >= 400:
                raise _error(response, self._host(), self.clock.now())
            return Response(response.status_code, _json(response, self._host()))

    def _host(self) -> str:
        return httpx.URL(self.base).host

    def _check_budget(self, endpoint: str) -> None:
        b = self.budgets.get(endpoint)
        if b is None or b.remaining is None or b.reset is None or b.remaining > RESERVE:
            return
        wait = (b.reset - self.clock.now()).total_seconds()
        if wait > 0:
            raise RateLimited(f"X allows no more {endpoint} calls until {b.reset:%H:%M} UTC", wait)
        del self.budgets[endpoint]

    def _read_budget(self, endpoint: str, response: httpx.Response) -> None:
        h = response.headers
        if "x-rate-limit-remaining" not in h:
            return
        try:
            self.budgets[endpoint] = Budget(
                limit=int(h.get("x-rate-limit-limit", "0")) or None,
                remaining=int(h["x-rate-limit-remaining"]),
                reset=datetime.fromtimestamp(int(h["x-rate-limit-reset"]), UTC)
                if "x-rate-limit-reset" in h
                else None,
            )
        except (ValueError, OverflowError, OSError):
            log.warning("unreadable x-rate-limit headers")

    def budget_text(self) -> str:
        """The remaining call budget per endpoint, for the account's status line."""
        parts = []
        for endpoint, b in sorted(self.budgets.items()):
            if b.remaining is None:
                continue
            when = f", resets {b.reset:%H:%M} UTC" if b.reset else ""
            of = f" of {b.limit}" if b.limit else ""
            parts.append(f"{endpoint}: {b.remaining}{of} calls left{when}")
        return "; ".join(parts)


def _json(response: httpx.Response, host: str) -> Any:
    return transport.json_body(response, host)


def problem(response: httpx.Response) -> dict[str, Any]:
    """The RFC 7807 problem details body (or {})."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _message(response: httpx.Response) -> str:
    body = problem(response)
    for key in ("detail", "title", "error_description", "error"):
        text = body.get(key)
        if isinstance(text, str) and text:
            return text[:500]
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        text = errors[0].get("message") or errors[0].get("detail")
        if isinstance(text, str):
            return text[:500]
    return f"HTTP {response.status_code}"


def _error(response: httpx.Response, host: str, now: datetime) -> Exception:
    status = response.status_code
    body = problem(response)
    kind = str(body.get("type") or "")
    if status == 429:
        wait = 15 * 60.0
        reset = response.headers.get("x-rate-limit-reset", "")
        if reset.isdigit():  # float(): a reset of 400 digits is inf, not OverflowError
            wait = min(max(1.0, float(reset) - now.timestamp()), RateLimited.MAX_WAIT)
        if kind.endswith("/usage-capped"):
            return RateLimited(
                "X: this app's monthly post read cap is used up; "
                "syncing resumes with the next billing cycle or a top-up",
                max(wait, 3600.0),
            )
        return RateLimited(
            f"X: too many requests; waiting until the limit resets ({wait:.0f} s)", wait
        )
    if status == 401:
        return AuthExpired(f"X no longer accepts this sign-in: {_message(response)}")
    if status == 403 and (kind.endswith("/client-forbidden") or body.get("reason")):
        title = str(body.get("title") or "Client Forbidden")
        needs = body.get("required_enrollment")
        asks = f"; X asks for: {needs}" if isinstance(needs, str) and needs else ""
        return TierRequired(f"X: {title}{asks}", status)
    return RemoteRejected(f"X: {_message(response)}", status)
