"""Mastodon sign-in: app registration, authorization code with PKCE (S256), loopback or OOB.

The app is registered once per instance with both redirect URIs, so one
registration serves the browser + loopback flow and the paste-the-code fallback.
Doorkeeper ignores the port of loopback IP redirect URIs (RFC 8252 §7.3), so
http://127.0.0.1/callback is registered once and any free port works later.
Persisting the app and the token is the caller's job (networks never touch the
store); this module only talks to the instance.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from inbox.core.errors import ConfigError, RemoteRejected
from inbox.core.models import AccountInfo
from inbox.networks.base import AppCredentials, AppKeeper

__all__ = ["AppCredentials", "app_for", "sign_in", "sign_in_account"]
from inbox.networks.mastodon.api import MastodonApi, base_url, instance_id

SCOPES = (
    "read:accounts read:notifications read:statuses write:statuses write:media write:conversations"
    " write:blocks write:mutes write:reports"
)
OOB = "urn:ietf:wg:oauth:2.0:oob"
LOOPBACK = "http://127.0.0.1/callback"
CLIENT_NAME = "Social Inbox"
WEBSITE = "https://github.com/social-inbox"


async def register_app(http: httpx.AsyncClient, instance: str) -> AppCredentials:
    """POST /api/v1/apps with the loopback and OOB redirect URIs."""
    body = await MastodonApi(http, instance).register_app(
        {
            "client_name": CLIENT_NAME,
            "redirect_uris": f"{LOOPBACK}\n{OOB}",
            "scopes": SCOPES,
            "website": WEBSITE,
        }
    )
    client_id, client_secret = body.get("client_id"), body.get("client_secret")
    if not isinstance(client_id, str) or not isinstance(client_secret, str):
        raise RemoteRejected("The instance did not return app credentials")
    return AppCredentials(instance, client_id, client_secret, SCOPES, str(body.get("id", "")))


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge)."""
    verifier = secrets.token_urlsafe(64)[:128]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(
    app: AppCredentials, redirect_uri: str, state: str, challenge: str, force_login: bool = True
) -> str:
    """The page to open in the system browser."""
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": redirect_uri,
        "scope": app.scopes,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if force_login:  # lets a second account of the same instance sign in
        query["force_login"] = "true"
    return f"{base_url(app.instance)}/oauth/authorize?{urlencode(query)}"


async def exchange_code(
    http: httpx.AsyncClient, app: AppCredentials, code: str, redirect_uri: str, verifier: str
) -> str:
    """POST /oauth/token; returns the access token (Mastodon tokens do not expire)."""
    body = await MastodonApi(http, app.instance).token(
        {
            "grant_type": "authorization_code",
            "code": code.strip(),
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            "scope": app.scopes,
        }
    )
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise RemoteRejected("The instance did not return an access token")
    return token


class LoopbackReceiver:
    """A one-shot HTTP server on 127.0.0.1:<free port> that catches ?code=&state=."""

    def __init__(self, state: str) -> None:
        self.state = state
        self.port = 0
        self._server: asyncio.Server | None = None
        self._result: asyncio.Future[str] | None = None

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}/callback"

    async def __aenter__(self) -> LoopbackReceiver:
        self._result = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def code(self) -> str:
        """Wait for the browser's redirect; raises ConfigError on a denial or a bad state."""
        assert self._result is not None
        return await self._result

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = (await reader.readline()).decode("latin-1")
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass  # headers: nothing in them matters
            parts = line.split(" ")
            target = urlsplit(parts[1] if len(parts) > 1 else "/")
            if target.path != "/callback":
                await _reply(writer, 404, "Not found.")
                return
            query = {k: v[0] for k, v in parse_qs(target.query).items()}
            if query.get("state") != self.state:
                await _reply(writer, 400, "This sign-in link is not the one Social Inbox opened.")
                return  # a stray or forged request: keep waiting for the real one
            if "code" in query:
                await _reply(writer, 200, "Signed in. You can close this tab.")
                self._settle(query["code"], None)
            else:
                reason = query.get("error_description") or query.get("error") or "no code"
                await _reply(writer, 400, "Sign-in was not completed.")
                self._settle(None, ConfigError(f"Sign-in was not completed: {reason}"))
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def _settle(self, code: str | None, error: Exception | None) -> None:
        if self._result is None or self._result.done():
            return
        if error is not None:
            self._result.set_exception(error)
        else:
            self._result.set_result(code or "")


async def _reply(writer: asyncio.StreamWriter, status: int, text: str) -> None:
    body = f"<!doctype html><meta charset=utf-8><title>Social Inbox</title><p>{text}</p>".encode()
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
    writer.write(
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    await writer.drain()


async def sign_in(
    http: httpx.AsyncClient,
    app: AppCredentials,
    open_browser: Callable[[str], object],
    *,
    ask_code: Callable[[str], Awaitable[str]] | None = None,
    timeout: float = 600.0,
) -> str:
    """Run the whole flow and return the access token.

    Args:
        open_browser: opens the authorize URL (webbrowser.open in the app).
        ask_code: the OOB fallback: shows the URL and returns the pasted code. Used
            when given and the loopback server cannot start, or instead of it
            when open_browser is None-like (returns False).
    """
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)
    try:
        async with LoopbackReceiver(state) as receiver:
            url = authorize_url(app, receiver.redirect_uri, state, challenge)
            if open_browser(url) is not False:
                code = await asyncio.wait_for(receiver.code(), timeout)
                return await exchange_code(http, app, code, receiver.redirect_uri, verifier)
    except OSError:
        if ask_code is None:
            raise
    if ask_code is None:
        raise ConfigError("Could not open a browser to sign in")
    url = authorize_url(app, OOB, state, challenge)
    code = await ask_code(url)
    return await exchange_code(http, app, code, OOB, verifier)


async def app_for(http: httpx.AsyncClient, instance: str, apps: AppKeeper) -> AppCredentials:
    """The app registered on instance, registering it the first time."""
    host = instance_id(instance)
    app = apps.load(host)
    if app is not None and set(SCOPES.split()) <= set(app.scopes.split()):
        return app
    app = await register_app(http, instance)
    app = AppCredentials(host, app.client_id, app.client_secret, app.scopes, app.app_id)
    apps.save(app)
    return app


async def sign_in_account(
    http: httpx.AsyncClient,
    instance: str,
    open_browser: Callable[[str], object],
    *,
    apps: AppKeeper,
    ask_code: Callable[[str], Awaitable[str]] | None = None,
    token: str | None = None,
) -> tuple[AccountInfo, str]:
    """Sign in (OAuth in the browser unless a token is given) and ask who the token is.

    The registry's SignIn for Mastodon.
    """
    from inbox.networks.mastodon.adapter import MastodonAdapter

    if token is None:
        app = await app_for(http, instance, apps)
        token = await sign_in(http, app, open_browser, ask_code=ask_code)
    info = AccountInfo("mastodon", instance_id(instance), "", "")
    probe = MastodonAdapter(info, token, http=http)
    return await probe.verify(), token
