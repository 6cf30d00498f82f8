"""Sign-in: app registration, PKCE, a REAL loopback server receiving the browser's redirect,
the OOB fallback, and the app remembered per instance (secret in keyring, mapping in store)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from inbox import secrets
from inbox.core.errors import ConfigError, RemoteRejected
from inbox.engine import accounts
from inbox.networks.mastodon import oauth
from tests.networks.mastodon.fake import HOST, TOKEN, load


def browser(code: str = "good-code", state: str | None = None, seen: list | None = None):
    """Simulates the user's browser: the instance redirects it to redirect_uri?code&state."""

    def open_url(url: str) -> bool:
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        if seen is not None:
            seen.append(query)
        redirect = httpx.URL(query["redirect_uri"]).copy_merge_params(
            {"code": code, "state": state or query["state"]}
        )

        async def visit() -> None:
            async with httpx.AsyncClient() as real:  # a real HTTP request to 127.0.0.1
                seen_response = await real.get(redirect)
                if seen is not None:
                    seen.append(seen_response.status_code)

        asyncio.get_running_loop().create_task(visit())
        return True

    return open_url


def app() -> oauth.AppCredentials:
    raw = load("app.json")
    return oauth.AppCredentials(HOST, raw["client_id"], raw["client_secret"], oauth.SCOPES)


def test_pkce_challenge_is_s256_of_the_verifier() -> None:
    verifier, challenge = oauth.pkce_pair()
    assert 43 <= len(verifier) <= 128
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert challenge == digest.decode()


def test_browser_sign_in_through_a_real_loopback_server(fake) -> None:
    seen: list = []

    async def run() -> str:
        async with fake.client() as http:
            return await oauth.sign_in(http, app(), browser(seen=seen), timeout=10)

    assert asyncio.run(run()) == TOKEN
    query, status = seen
    assert status == 200
    assert query["code_challenge_method"] == "S256"
    assert query["scope"] == oauth.SCOPES
    assert query["force_login"] == "true"
    redirect = httpx.URL(query["redirect_uri"])
    assert (redirect.host, redirect.path) == ("127.0.0.1", "/callback") and redirect.port
    [token_call] = fake.calls("POST", "/oauth/token")
    form = parse_qs(token_call.content.decode())
    assert form["redirect_uri"] == [query["redirect_uri"]]
    assert form["grant_type"] == ["authorization_code"]
    verifier = form["code_verifier"][0]
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert digest.decode() == query["code_challenge"]


def test_a_redirect_with_the_wrong_state_is_refused_and_the_real_one_still_counts() -> None:
    async def run() -> tuple[int, int, str]:
        async with oauth.LoopbackReceiver("right") as receiver:
            async with httpx.AsyncClient() as real:
                forged = await real.get(f"{receiver.redirect_uri}?code=evil&state=wrong")
                genuine = await real.get(f"{receiver.redirect_uri}?code=good-code&state=right")
            return forged.status_code, genuine.status_code, await receiver.code()

    assert asyncio.run(run()) == (400, 200, "good-code")


def test_a_denied_sign_in_says_so() -> None:
    async def run() -> None:
        async with oauth.LoopbackReceiver("s") as receiver:
            async with httpx.AsyncClient() as real:
                url = f"{receiver.redirect_uri}?error=access_denied&state=s"
                response = await real.get(url)
                assert response.status_code == 400
            await receiver.code()

    with pytest.raises(ConfigError, match="access_denied"):
        asyncio.run(run())


def test_oob_fallback_exchanges_the_pasted_code(fake) -> None:
    asked: list[str] = []

    async def paste(url: str) -> str:
        asked.append(url)
        return " good-code \n"

    async def run() -> str:
        async with fake.client() as http:
            return await oauth.sign_in(http, app(), lambda url: False, ask_code=paste)

    assert asyncio.run(run()) == TOKEN
    assert "redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob" in asked[0]
    form = parse_qs(fake.calls("POST", "/oauth/token")[0].content.decode())
    assert form["redirect_uri"] == [oauth.OOB] and form["code"] == ["good-code"]


def test_a_bad_code_shows_the_servers_reason(fake) -> None:
    async def run() -> str:
        async with fake.client() as http:
            return await oauth.exchange_code(http, app(), "bad", oauth.OOB, "v")

    with pytest.raises(RemoteRejected, match="The grant is invalid"):
        asyncio.run(run())


def test_the_app_is_registered_once_per_instance(fake, store) -> None:
    async def run() -> tuple[oauth.AppCredentials, oauth.AppCredentials]:
        async with fake.client() as http:
            apps = accounts.StoreApps(store, "mastodon")
            first = await oauth.app_for(http, f"https://{HOST}/", apps)
            again = await oauth.app_for(http, HOST, apps)
            return first, again

    first, again = asyncio.run(run())
    assert first == again and first.instance == HOST
    [register] = fake.calls("POST", "/api/v1/apps")
    form = parse_qs(register.content.decode())
    assert form["redirect_uris"] == [f"{oauth.LOOPBACK}\n{oauth.OOB}"]
    assert form["scopes"] == [oauth.SCOPES]
    stored = secrets.get_secret(secrets.app_key("mastodon", HOST))
    assert stored is not None and first.client_secret in stored
    assert store.query("SELECT instance, app_id FROM network_apps")[0][:] == (HOST, "563419")
    files = [store.path, store.path.with_name(store.path.name + "-wal")]
    raw = b"".join(f.read_bytes() for f in files if f.exists())
    assert first.client_secret.encode() not in raw and first.client_id.encode() not in raw
