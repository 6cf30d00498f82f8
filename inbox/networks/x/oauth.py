"""X sign-in: OAuth 2.0 Authorization Code with PKCE (S256), as a public client.

The user registers an app in X's developer console once, with the callback
http://127.0.0.1:<port>/callback (X compares it exactly, port included), and
gives us its Client ID (a confidential client's secret goes to the keyring).
The system browser opens X's consent page; the code arrives on the loopback
server and is exchanged at once (it lives 30 seconds). Persisting the tokens is
the caller's job.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

import httpx

from inbox.core.clock import Clock, SystemClock
from inbox.core.errors import ConfigError
from inbox.core.models import AccountInfo
from inbox.networks.base import AppKeeper
from inbox.networks.mastodon.oauth import LoopbackReceiver, pkce_pair
from inbox.networks.x.api import API_HOST, Tokens, XApi
from inbox.networks.x.help import DEFAULT_PORT, OWN_APP_HELP  # noqa: F401 (re-exported)

SCOPES = (
    "tweet.read users.read tweet.write dm.read dm.write offline.access media.write"
    " mute.write tweet.moderate.write"
)
AUTHORIZE = "https://x.com/i/oauth2/authorize"


class FixedPortReceiver(LoopbackReceiver):
    """The loopback receiver on a given port (0: any free port, for tests)."""

    def __init__(self, state: str, port: int) -> None:
        super().__init__(state)
        self.wanted_port = port

    async def __aenter__(self) -> FixedPortReceiver:
        self._result = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.wanted_port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self


def authorize_url(
    client_id: str, redirect_uri: str, state: str, challenge: str, authorize: str = AUTHORIZE
) -> str:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": SCOPES,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return f"{authorize}?{urlencode(query)}"


async def sign_in(
    http: httpx.AsyncClient,
    client_id: str,
    open_browser: Callable[[str], object],
    *,
    client_secret: str = "",
    port: int = DEFAULT_PORT,
    instance: str = API_HOST,
    authorize: str = AUTHORIZE,
    clock: Clock | None = None,
    timeout: float = 600.0,
) -> Tokens:
    """Run the whole flow and return the token bundle."""
    client_id = client_id.strip()
    if not client_id:
        raise ConfigError("Enter your X app's Client ID (developer console → Keys and tokens)")
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)
    try:
        async with FixedPortReceiver(state, port) as receiver:
            url = authorize_url(client_id, receiver.redirect_uri, state, challenge, authorize)
            if open_browser(url) is False:
                raise ConfigError(f"Could not open a browser; visit {url}")
            code = await asyncio.wait_for(receiver.code(), timeout)
            api = XApi(http, instance, client_secret=client_secret)
            body = await api.token(
                {
                    "grant_type": "authorization_code",
                    "code": code.strip(),
                    "redirect_uri": receiver.redirect_uri,
                    "code_verifier": verifier,
                    "client_id": client_id,
                }
            )
    except OSError as exc:
        raise ConfigError(
            f"Port {port} on 127.0.0.1 is busy; close what uses it or register another "
            f"callback port ({exc.strerror})"
        ) from exc
    return Tokens.from_response(body, (clock or SystemClock()).now(), client_id)


async def sign_in_account(
    http: httpx.AsyncClient,
    instance: str,
    open_browser: Callable[[str], object],
    *,
    apps: AppKeeper,
    ask_code: Callable[[str], Awaitable[str]] | None = None,
    token: str | None = None,
    port: int = DEFAULT_PORT,
) -> tuple[AccountInfo, str]:
    """The registry's SignIn for X: a JSON token bundle given, or PKCE in the browser with
    the Client ID kept by ``apps`` (``accounts add x --client-id``). Returns (who, bundle)."""
    from inbox.networks.x.adapter import XAdapter

    instance = (instance or API_HOST).strip()
    app = apps.load(instance)
    client_id = app.client_id if app is not None else ""
    if token is not None:
        try:
            tokens = Tokens.loads(token, client_id)
        except ValueError as exc:
            raise ConfigError(
                'Expected a JSON token bundle: {"access_token": "…", "refresh_token": "…", '
                f'"expires_at": <unix seconds>, "client_id": "…"}} ({exc})'
            ) from None
    else:
        if app is None:
            raise ConfigError(
                "Enter your X app's Client ID first (accounts add x --client-id ID); its "
                f"callback must be http://127.0.0.1:{port}/callback"
            )
        tokens = await sign_in(
            http,
            app.client_id,
            open_browser,
            client_secret=app.client_secret,
            port=port,
            instance=instance,
        )
    probe = XAdapter(AccountInfo("x", instance, "", ""), tokens.dumps(), http=http)
    who = await probe.verify()
    # verify() may have renewed a bundle close to expiry, spending its refresh token:
    # what is kept is the pair in use now, never the one X no longer accepts.
    current = probe.api.tokens or tokens
    return who, current.dumps()
