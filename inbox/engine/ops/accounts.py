"""Accounts from the user's side: save one after its sign-in, remove one (its token too).

The sign-in itself (browser, code, app password) is network I/O that asks the person
things, so it runs before the operation (engine.accounts.add_account and
add_account_with_password, which the window and `accounts add` both call); the change
to data is accounts.save. Its token argument never reaches the audit log (the operation
audits itself, without it) and must never be journaled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inbox.core.events import Changed
from inbox.core.models import AccountInfo
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


@operation("accounts.save", label="add account", audited=True)
def save(engine: Engine, info: dict[str, str], token: str) -> Outcome:
    """Keep a signed-in account: its token in the keyring, its row in the store (an account
    signed in again keeps its row and conversations). Audited as account.add, no token."""
    account = accounts.save_account(engine.store, AccountInfo(**info), token)
    return Outcome(Changed(accounts=True), account)
