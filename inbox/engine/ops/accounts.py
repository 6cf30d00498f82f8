"""Accounts from the user's side: remove one (its token too)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inbox.core.events import Changed
from inbox.engine import accounts
from inbox.engine.ops import Outcome, operation

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine


@operation("accounts.remove", label="remove account")
def remove(engine: Engine, account_id: int) -> Outcome:
    """Forget an account: its adapter, its keyring token, its row (conversations cascade)."""
    account = engine.store.account(account_id)  # NotFound when it is gone
    old = engine.adapters.pop(account_id, None)
    if old is not None:  # its sync loop ends without an adapter; release its connections
        engine.spawn(old.aclose(), name=f"close:{account_id}")
    accounts.remove_account(engine.store, account)
    return Outcome(Changed(accounts=True, columns=True), account)
