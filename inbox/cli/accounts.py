"""`social-inbox accounts add|list|remove`: sign-in from the terminal; tokens never printed."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import webbrowser
from typing import Any

from inbox.cli import session, stdin
from inbox.cli.http import client as http_client
from inbox.cli.main import hint
from inbox.core.errors import ConfigError
from inbox.core.models import Account
from inbox.engine import Engine, accounts, ops
from inbox.networks import registry
from inbox.profile import Profile
from inbox.store import Store


def register(sub: Any) -> None:
    parser = sub.add_parser("accounts", help="add, list or remove accounts")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)

    add = verbs.add_parser("add", help="sign in to an account")
    networks = registry.signing_in()
    add.add_argument("network", choices=[c.name for c in networks])
    example = networks[0].sign_in_example if networks else "HOST"
    add.add_argument("--instance", help=f"server, e.g. {example}")
    add.add_argument("--handle", help="handle or e-mail, for networks signed in with a password")
    add.add_argument(
        "--service", help="the account's server URL, kept exactly (default: found from the handle)"
    )
    add.add_argument(
        "--password-stdin", action="store_true", help="read the app password from standard input"
    )
    add.add_argument(
        "--client-id",
        default="",
        help="X: your app's OAuth 2.0 Client ID (kept for later sign-ins)",
    )
    add.add_argument(
        "--client-secret-stdin",
        action="store_true",
        help="X: a confidential client's secret on standard input (kept in the keyring)",
    )
    add.add_argument(
        "--callback-port",
        type=int,
        metavar="PORT",
        help="X: the port of the callback registered for your app, "
        "http://127.0.0.1:PORT/callback (default 8723)",
    )
    how = add.add_mutually_exclusive_group()
    how.add_argument(
        "--token-stdin", action="store_true", help="read an access token from standard input"
    )
    how.add_argument(
        "--oob", action="store_true", help="sign in by pasting a code instead of a redirect"
    )
    add.set_defaults(func=cmd_add)

    ls = verbs.add_parser("list", help="show accounts (never their tokens)")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)

    rm = verbs.add_parser("remove", help="remove an account and its saved sign-in")
    rm.add_argument("account", metavar="ID|HANDLE")
    rm.set_defaults(func=cmd_remove)


def cmd_add(args: argparse.Namespace) -> int:
    """Sign in and keep the account through the engine: the window's own add_account, so
    the account is saved by the accounts.save operation, connected, and its limits kept."""
    caps = registry.capabilities(args.network)
    with session.engine(args) as engine:
        if caps.password_sign_in is not None:
            account = engine.call(lambda e: _password_sign_in(e, args, caps.label), timeout=600)
        else:
            account = engine.call(lambda e: _sign_in(e, args), timeout=600)
    print(f"Added {account.network} account {account.id}: @{account.handle}")
    return 0


async def _sign_in(engine: Engine, args: argparse.Namespace) -> Account:
    instance = (args.instance or "").strip()
    if not instance:
        raise ConfigError("--instance is empty")
    app = None
    if args.client_id.strip():  # an app the user registered themselves (X)
        secret = stdin.read(line=True).strip() if args.client_secret_stdin else ""
        app = (args.client_id, secret)
    sign_in_options = {}
    if args.callback_port is not None:
        if not registry.capabilities(args.network).own_app_help:
            raise ConfigError("--callback-port is for networks where you register your own app")
        if not 0 <= args.callback_port <= 65535:
            raise ConfigError(f"--callback-port {args.callback_port} is not a port (0-65535)")
        sign_in_options["port"] = args.callback_port
    token = None
    if args.token_stdin:
        token = stdin.read(line=True).strip()
        if not token:
            raise ConfigError("No token on standard input")
    async with http_client() as http:
        return await accounts.add_account(
            engine,
            args.network,
            instance,
            (lambda url: False) if args.oob else _open_browser,
            ask_code=_ask_code,
            token=token,
            app=app,
            sign_in_options=sign_in_options,
            http=http,
        )


async def _password_sign_in(engine: Engine, args: argparse.Namespace, label: str) -> Account:
    handle = (args.handle or "").strip()
    if not handle:
        raise ConfigError(f"--handle is required for {label} (your handle or e-mail)")
    if args.password_stdin:
        password = stdin.read(line=True).strip()
    else:
        from getpass import getpass

        print(f"Use an app password made in {label}'s settings.", file=sys.stderr)
        password = await asyncio.to_thread(getpass, "App password: ")
    if not password:
        raise ConfigError("No app password given")
    async with http_client() as http:
        return await accounts.add_account_with_password(
            engine, args.network, handle, password, args.service or args.instance, http=http
        )


def _open_browser(url: str) -> bool:
    print(f"Opening your browser to sign in. If nothing opens, visit:\n  {url}", file=sys.stderr)
    return webbrowser.open(url)


async def _ask_code(url: str) -> str:
    print(f"Open this page, sign in and paste the code it shows:\n  {url}", file=sys.stderr)
    return await asyncio.to_thread(input, "Code: ")


def cmd_list(args: argparse.Namespace) -> int:
    path = Profile.resolve(args.profile).db_path
    rows = []
    if path.exists():  # a reader: listing never writes (nor creates) the profile
        with contextlib.closing(Store(path, readonly=True)) as store:
            rows = store.accounts()
    if args.json:
        fields = (
            "id", "network", "instance", "handle", "display_name", "avatar_url", "status",
            "status_detail",
        )  # fmt: skip
        print(
            json.dumps(
                [{f: getattr(a, f) for f in fields} | {"remote_id": a.remote_id} for a in rows],
                indent=2,
            )
        )
        return 0
    if not rows:
        names = "|".join(c.name for c in registry.signing_in())
        print(f"No accounts. Add one with: {hint(args, f'accounts add {names} --instance HOST')}")
    for a in rows:
        status = "" if a.status == "ok" else f"  [{a.status}]"
        print(f"{a.id:>3}  {a.network:<9} @{a.handle}  {a.display_name}{status}")
        if a.status_detail:  # e.g. a feed the plan lacks, the calls left (X)
            print(f"     {a.status_detail}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    def remove(e: Engine) -> Account:
        found = accounts.find_account(e.store, args.account)
        removed: Account = ops.run(e, "accounts.remove", initiator="cli", account_id=found.id)
        return removed

    account = session.call(args, remove)
    print(f"Removed account {account.id}: @{account.handle}")
    return 0
