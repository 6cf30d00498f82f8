"""Accounts end to end: token to keyring, row to store, adapters connected for the engine.

The only code that joins a network's sign-in (which knows no store) with the store
and the keyring (inbox.secrets). Tokens never reach SQLite, logs or messages.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from inbox import secrets
from inbox.core.errors import ConfigError, InboxError, NotSupported
from inbox.core.events import AccountStatus, Changed
from inbox.core.models import Account, AccountInfo
from inbox.networks import registry
from inbox.networks.base import AppCredentials, NetworkAdapter
from inbox.store import Store

if TYPE_CHECKING:
    import httpx

    from inbox.engine.runtime import Engine

NEEDS_SIGNIN = "needs_signin"


def token_key(store: Store, account: AccountInfo) -> str:
    """This profile's keyring entry for the account's token (per profile, per account)."""
    profile = store.connectors.profile_id()
    return secrets.account_key(profile, account.network, account.instance, account.remote_id)


def get_token(store: Store, account: AccountInfo) -> str | None:
    """This profile's token; one from before tokens were per profile is copied into this
    profile's entry the first time (the old shared entry is left for the other profiles)."""
    key = token_key(store, account)
    token = secrets.get_secret(key)
    if token is None:
        legacy = secrets.legacy_account_key(account.network, account.instance, account.remote_id)
        token = secrets.get_secret(legacy)
        if token is not None:
            secrets.set_secret(key, token)
    return token


def save_account(store: Store, info: AccountInfo, token: str) -> Account:
    """Keep the token in the keyring first, then the row (a row without a token needs sign-in)."""
    secrets.set_secret(token_key(store, info), token)
    account = store.add_account(info)
    store.audit("user", "account.add", network=info.network, handle=info.handle)
    return account


def remove_account(store: Store, account: Account) -> None:
    """Delete the account row (its conversations cascade) and this profile's token (another
    profile signed in to the same account keeps its own)."""
    secrets.delete_secret(token_key(store, account))
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


# -- sign-in, and the app each network registers per server ---------------------------


class StoreApps:
    """networks.base.AppKeeper for one network: app ids in the store, secrets in the keyring."""

    def __init__(self, store: Store, network: str) -> None:
        self.store = store
        self.network = network

    def load(self, instance: str) -> AppCredentials | None:
        row = self.store.network_app(self.network, instance)
        raw = secrets.get_secret(secrets.app_key(self.network, instance))
        if row is None or raw is None:
            return None
        creds = json.loads(raw)
        app_id, scopes = row
        return AppCredentials(instance, creds["client_id"], creds["client_secret"], scopes, app_id)

    def save(self, app: AppCredentials) -> None:
        secrets.set_secret(
            secrets.app_key(self.network, app.instance),
            json.dumps({"client_id": app.client_id, "client_secret": app.client_secret}),
        )
        self.store.save_network_app(self.network, app.instance, app.app_id, app.scopes)


async def sign_in(
    store: Store,
    http: httpx.AsyncClient,
    network: str,
    instance: str,
    open_browser: Callable[[str], object],
    ask_code: Callable[[str], Awaitable[str]] | None = None,
    token: str | None = None,
    **sign_in_options: Any,
) -> tuple[AccountInfo, str]:
    """Sign in to network at instance the network's way; returns who it is and the token.

    sign_in_options: extra arguments of the network's sign-in (tests: X's redirect port).

    Raises:
        NotSupported: the network cannot be signed in to from the app.
    """
    caps = registry.capabilities(network)
    if caps.sign_in is None:
        raise NotSupported(f"{caps.label} accounts cannot be added from the app yet.")
    return await caps.sign_in(
        http,
        instance,
        open_browser,
        apps=StoreApps(store, network),
        ask_code=ask_code,
        token=token,
        **sign_in_options,
    )


def remember_own_app(
    store: Store, network: str, instance: str, client_id: str, secret: str
) -> None:
    """Keep the Client ID of an app the user registered (X) for this and later sign-ins;
    a confidential client's secret goes to the keyring with it, never to the store."""
    client_id = client_id.strip()
    if not client_id:
        raise ConfigError(f"Enter your {registry.label(network)} app's Client ID first")
    StoreApps(store, network).save(AppCredentials(instance, client_id, secret.strip()))


def own_app(store: Store, network: str, instance: str) -> AppCredentials | None:
    """The app the user registered for network at instance, if any (for the form)."""
    return StoreApps(store, network).load(instance)


async def add_account(
    engine: Engine,
    network: str,
    instance: str,
    open_browser: Callable[[str], object],
    ask_code: Callable[[str], Awaitable[str]] | None = None,
    token: str | None = None,
    app: tuple[str, str] | None = None,
    sign_in_options: dict[str, Any] | None = None,
    **options: Any,
) -> Account:
    """The window's "Add account" and "Sign in again": sign in, save, connect, start syncing.

    app: (Client ID, secret) of the user's own app, for networks that take one (X).
    Runs on the engine thread (engine.submit); the browser opens from there.
    """

    if app is not None:
        remember_own_app(engine.store, network, instance, *app)
    http = options.pop("http", None)
    import httpx  # on first use: ~1 s of imports the window's first paint does not need

    async with httpx.AsyncClient(
        transport=options.pop("transport", None), timeout=httpx.Timeout(30.0, connect=10.0)
    ) as own:
        info, token = await sign_in(
            engine.store,
            http or own,
            network,
            instance,
            open_browser,
            ask_code,
            token,
            **(sign_in_options or {}),
        )
    return await _start_using(engine, info, token, http, options)


async def _start_using(
    engine: Engine, info: AccountInfo, token: str, http: Any, options: dict[str, Any]
) -> Account:
    """After a sign-in (browser, token or password): save, reconnect, tell, start syncing."""
    from inbox.engine import loops

    account = _save(engine, info, token)
    old = engine.adapters.pop(account.id, None)
    if old is not None:
        await old.aclose()
    if http is not None:
        options["http"] = http
    adapter = connect(engine, account, **options)
    if adapter is not None:
        await remember_limits(engine.store, account, adapter)
    engine.publish(AccountStatus(account.id, "ok"))
    engine.publish(Changed(accounts=True))
    if loops.running(engine):
        loops.start_account(engine, account.id)
    return account


def _save(engine: Engine, info: AccountInfo, token: str) -> Account:
    """The accounts.save operation (engine/ops/accounts.py), as the window and CLI run it."""
    from dataclasses import fields

    from inbox.engine import ops

    plain = {f.name: getattr(info, f.name) for f in fields(AccountInfo)}
    account: Account = ops.run(engine, "accounts.save", info=plain, token=token)
    return account


async def sign_in_with_password(
    http: httpx.AsyncClient,
    network: str,
    identifier: str,
    password: str,
    service: str | None = None,
    **resolve: str,
) -> tuple[AccountInfo, str]:
    """Sign in with a handle and an app password (networks that offer it, e.g. Bluesky).

    The password is used once and never kept: only the session the network returns is.

    Raises:
        NotSupported: the network has no password sign-in.
    """
    caps = registry.capabilities(network)
    if caps.password_sign_in is None:
        raise NotSupported(f"{caps.label} accounts are not added with a password.")
    return await caps.password_sign_in(http, identifier, password, service, **resolve)


async def add_account_with_password(
    engine: Engine,
    network: str,
    identifier: str,
    password: str,
    service: str | None = None,
    **options: Any,
) -> Account:
    """The window's password sign-in page and its "Sign in again": save, connect, sync."""

    http = options.pop("http", None)
    import httpx  # on first use: ~1 s of imports the window's first paint does not need

    async with httpx.AsyncClient(
        transport=options.pop("transport", None), timeout=httpx.Timeout(30.0, connect=10.0)
    ) as own:
        info, token = await sign_in_with_password(
            http or own, network, identifier, password, service
        )
    return await _start_using(engine, info, token, http, options)


async def remember_limits(store: Store, account: Account, adapter: NetworkAdapter) -> None:
    """Keep the server's post length limit from sign-in on (a Mastodon instance's
    configuration.statuses.max_characters), not the default until the first refresh."""
    caps = registry.find(account.network)
    if caps is None or not caps.limits_per_instance:
        return
    try:
        limits = await adapter.limits()
    except InboxError:
        return  # the refresh after each sync tries again
    store.posts.set_max_chars(account.id, limits.max_chars)


# -- adapters for the engine -----------------------------------------------------------


class KeyringSlot:
    """save_token for networks whose refresh token rotates: calling it saves the whole
    bundle; load() reads what the keyring holds now (another process, e.g. the window
    and `social-inbox sync` on one account, may have rotated it meanwhile)."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, bundle: str) -> None:
        secrets.set_secret(self.key, bundle)

    def load(self) -> str | None:
        return secrets.get_secret(self.key)


def connect(
    engine: Engine, account: Account, mark_missing: bool = True, **options: Any
) -> NetworkAdapter | None:
    """Build the adapter for one account from its keyring token; None when it needs sign-in.

    mark_missing: set needs_signin when the keyring has no token for the account.
    """
    token = get_token(engine.store, account)
    if token is None:
        if not mark_missing:
            return None
        engine.store.set_account_status(account.id, NEEDS_SIGNIN, "No saved sign-in")
        engine.publish(AccountStatus(account.id, NEEDS_SIGNIN, "No saved sign-in"))
        return None
    options.setdefault("clock", engine.clock)
    backfill = registry.option_defaults(account.network)  # the first sync's back-fill window
    if "window_days" in backfill:
        days = engine.store.setting("sync.backfill_days") or backfill["window_days"]
        options.setdefault("window_days", float(days))
    if "poll_interval" in backfill:  # a network whose adapter paces its own calls (X)
        chosen = engine.store.setting("sync.poll_interval_s")
        pace = chosen if chosen is not None else backfill["poll_interval"]
        options.setdefault("poll_interval", float(pace))
    if "window_items" in backfill:
        items = engine.store.setting("sync.backfill_items") or backfill["window_items"]
        options.setdefault("window_items", int(items))
    caps = registry.find(account.network)
    if caps is not None and caps.link_cards:
        options.setdefault("link_cards", bool(engine.store.setting("publishing.link_cards")))
    if caps is not None and caps.rotates_tokens:  # each refresh's new pair goes to the keyring
        key = token_key(engine.store, account)
        options.setdefault("save_token", KeyringSlot(key))
        app = StoreApps(engine.store, account.network).load(account.instance)
        if app is not None and app.client_secret:
            options.setdefault("client_secret", app.client_secret)
    adapter = registry.adapter_factory(account.network)(account, token, **options)
    engine.adapters[account.id] = adapter
    return adapter


def connect_all(engine: Engine, mark_missing: bool = True, **options: Any) -> list[int]:
    """Connect every account that has no adapter yet; returns the ids connected."""
    connected = []
    for account in engine.store.accounts():
        if account.id in engine.adapters or not _has_adapter(account.network):
            continue
        if connect(engine, account, mark_missing, **options) is not None:
            connected.append(account.id)
    if connected:
        engine.publish(Changed(accounts=True))
    return connected


def _has_adapter(network: str) -> bool:
    try:
        registry.adapter_factory(network)
    except NotSupported:  # an account of a network this build cannot talk to
        return False
    return True
