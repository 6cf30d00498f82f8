"""PostsRepo on both backends (tests/unit/store/conftest.py): an account's server limit."""

from __future__ import annotations

import json

from inbox.core.models import AccountInfo
from inbox.store import Store


def test_an_accounts_server_limit_is_kept_beside_its_other_settings(store: Store) -> None:
    account = store.add_account(AccountInfo("mastodon", "social.test", "1", "shop"))
    with store.transaction() as conn:
        conn.execute(
            "UPDATE accounts SET settings_json = ? WHERE id = ?",
            (json.dumps({"visibility": "unlisted"}), account.id),
        )
    store.posts.set_max_chars(account.id, 1000)
    store.posts.set_max_chars(account.id, 5000)
    [row] = store.query("SELECT settings_json FROM accounts WHERE id = ?", (account.id,))
    assert json.loads(row[0]) == {"visibility": "unlisted", "max_chars": 5000}
    store.posts.set_max_chars(account.id + 1, 500)  # an account that went: nothing to do
