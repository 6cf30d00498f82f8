"""The window's "Sign in again": OAuth through the engine replaces the revoked token,
reconnects the adapter and restarts only that account's loop."""

from __future__ import annotations

import contextlib

from inbox import secrets
from inbox.engine import accounts, loops
from inbox.engine.sync import sync_account
from tests.networks.mastodon.fake import TOKEN
from tests.networks.mastodon.test_oauth import browser


def test_sign_in_again_after_a_revoked_token(engine, attach, fake, me) -> None:
    account_id = attach()
    key = engine.call(lambda e: accounts.token_key(e.store, me))
    secrets.set_secret(key, "revoked")
    engine.call(lambda e: e.adapters[account_id].api.__setattr__("_token", "revoked"))
    with contextlib.suppress(Exception):
        engine.call(lambda e: sync_account(e, account_id))
    assert engine.call(lambda e: e.store.account(account_id)).status == "needs_signin"

    async def again(e):
        loops.start(e, loops.LoopSettings(stream=False))
        account = await accounts.add_account(
            e,
            "mastodon",
            "mastodon.test",
            browser(),
            transport=fake.transport(),
            http=fake.client(),
        )
        return account, loops._running(f"sync:{account.id}")

    account, looping = engine.call(again)
    assert account.id == account_id and account.status == "ok"
    assert secrets.get_secret(key) == TOKEN
    assert looping
    engine.call(lambda e: sync_account(e, account_id))
    assert engine.call(lambda e: e.store.account(account_id)).status == "ok"
