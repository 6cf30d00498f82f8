"""Accounts end to end: token to keyring, row to store, adapters connected for the engine.

The only code that joins a network's sign-in (which knows no store) with the store
and the keyring (inbox.secrets). Tokens never reach SQLite, logs or messages.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import httpx

from inbox import secrets
from inbox.core.errors import ConfigError
from inbox.core.events import AccountStatus, Changed
from inbox.core.models import Account, AccountInfo
from inbox.networks.base import NetworkAdapter, adapter_for
from inbox.networks.mastodon import oauth
from inbox.networks.mastodon.api import instance_id
from inbox.store import Store

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine

NEEDS_SIGNIN = "needs_signin"


def token_key(account: AccountInfo) -> str:
    return secrets.account_key(account.network, account.instance, account.remote_id)


def save_account(store: Store, info: AccountInfo, token: str) -> Account:
    """Keep the token in the keyring first, then the row (a row without a token needs sign-in)."""
    secrets.set_secret(token_key(info), token)
    account = store.add_account(info)
    store.audit("user", "account.add", network=info.network, handle=info.handle)
    return account


def remove_account(store: Store, account: Account) -> None:
    """Delete the account row (its conversations cascade) and its token."""
    secrets.delete_secret(token_key(account))
    store.remove_account(account.id)
    store.audit("user", "account.remove", network=account.network, handle=account.handle)


def find_account(store: Store, ref: str) -> Account:
    """An account by id, or by handle (with or without @, with or without the instance)."""
    accounts = store.accounts()
    if ref.isdigit():
        for account in accounts:
            if account.id == int(ref):
                return account
    wanted = ref.lstrip("@").lower()
    matches = [
        a
        for a in accounts
        if a.handle.lower() == wanted or a.handle.lower().split("@")[0] == wanted
    ]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise ConfigError(f"{ref!r} matches several accounts; use the id from `accounts list`")
    raise ConfigError(f"No account {ref!r}; see `social-inbox accounts list`")


# -- OAuth apps, one per instance ------------------------------------------------------


def load_app(store: Store, network: str, instance: str) -> oauth.AppCredentials | None:
    rows = store.query(
        "SELECT app_id, scopes FROM network_apps WHERE network = ? AND instance = ?",
        (network, instance),
    )
    raw = secrets.get_secret(secrets.app_key(network, instance))
    if not rows or raw is None:
        return None
    creds = json.loads(raw)
    return oauth.AppCredentials(
        instance, creds["client_id"], creds["client_secret"], rows[0]["scopes"], rows[0]["app_id"]
    )


def save_app(store: Store, network: str, app: oauth.AppCredentials) -> None:
    secrets.set_secret(
        secrets.app_key(network, app.instance),
        json.dumps({"client_id": app.client_id, "client_secret": app.client_secret}),
    )
    with store.transaction() as conn:
        conn.execute(
            """INSERT INTO network_apps (network, instance, app_id, scopes, created_at)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (network, instance) DO UPDATE SET
                   app_id = excluded.app_id, scopes = excluded.scopes""",
            (network, app.instance, app.app_id, app.scopes, store.now()),
        )


async def mastodon_app(
    store: Store, http: httpx.AsyncClient, instance: str
) -> oauth.AppCredentials:
    """The app registered on instance, registering it the first time."""
    host = instance_id(instance)
    app = load_app(store, "mastodon", host)
    if app is not None and set(oauth.SCOPES.split()) <= set(app.scopes.split()):
        return app
    app = await oauth.register_app(http, instance)
    app = oauth.AppCredentials(host, app.client_id, app.client_secret, app.scopes, app.app_id)
    save_app(store, "mastodon", app)
    return app


async def mastodon_sign_in(
    store: Store,
    http: httpx.AsyncClient,
    instance: str,
    open_browser: Callable[[str], object],
    ask_code: Callable[[str], Awaitable[str]] | None = None,
    token: str | None = None,
) -> tuple[AccountInfo, str]:
    """Sign in (OAuth in the browser unless a token is given) and ask who the token is."""
    if token is None:
        app = await mastodon_app(store, http, instance)
        token = await oauth.sign_in(http, app, open_browser, ask_code=ask_code)
    probe = adapter_for("mastodon")(
        AccountInfo("mastodon", instance_id(instance), "", ""), token, http=http
    )
    return await probe.verify(), token


async def add_mastodon(
    engine: Engine,
    instance: str,
    open_browser: Callable[[str], object],
    ask_code: Callable[[str], Awaitable[str]] | None = None,
    token: str | None = None,
    **options: Any,
) -> Account:
    """The window's "Add account" and "Sign in again": sign in, save, connect, start syncing.

    Runs on the engine thread (engine.submit); the browser opens from there.
    """
    from inbox.engine import loops

    http = options.pop("http", None)
    async with httpx.AsyncClient(
        transport=options.pop("transport", None), timeout=httpx.Timeout(30.0, connect=10.0)
    ) as own:
        info, token = await mastodon_sign_in(
            engine.store, http or own, instance, open_browser, ask_code, token
        )
    account = save_account(engine.store, info, token)
    old = engine.adapters.pop(account.id, None)
    if old is not None:
        await old.aclose()
    if http is not None:
        options["http"] = http
    connect(engine, account, **options)
    engine.publish(AccountStatus(account.id, "ok"))
    engine.publish(Changed(accounts=True))
    if loops.running(engine):
        loops.start_account(engine, account.id)
    return account


# -- adapters for the engine -----------------------------------------------------------


def connect(
    engine: Engine, account: Account, mark_missing: bool = True, **options: Any
) -> NetworkAdapter | None:
    """Build the adapter for one account from its keyring token; None when it needs sign-in.

    mark_missing: set needs_signin when the keyring has no token for the account.
    """
    token = secrets.get_secret(token_key(account))
    if token is None:
        if not mark_missing:
            return None
        engine.store.set_account_status(account.id, NEEDS_SIGNIN, "No saved sign-in")
        engine.publish(AccountStatus(account.id, NEEDS_SIGNIN, "No saved sign-in"))
        return None
    options.setdefault("clock", engine.clock)
    if account.network == "mastodon":  # the first sync's back-fill window
        options.setdefault("window_days", float(engine.store.setting("sync.backfill_days", 7)))
        options.setdefault("window_items", int(engine.store.setting("sync.backfill_items", 800)))
    adapter = adapter_for(account.network)(account, token, **options)
    engine.adapters[account.id] = adapter
    return adapter


def connect_all(engine: Engine, mark_missing: bool = True, **options: Any) -> list[int]:
    """Connect every account that has no adapter yet; returns the ids connected."""
    connected = []
    for account in engine.store.accounts():
        if account.id in engine.adapters or account.network not in _known(account.network):
            continue
        if connect(engine, account, mark_missing, **options) is not None:
            connected.append(account.id)
    if connected:
        engine.publish(Changed(accounts=True))
    return connected


def _known(network: str) -> set[str]:
    try:
        adapter_for(network)
    except Exception:  # an account of a network this build cannot talk to
        return set()
    return {network}
