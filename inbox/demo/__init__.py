"""The demo workspace: recorded payloads replayed through the adapters and the engine.

Interim: a handful of generated messages; the recorded workspace replaces it.
"""

from __future__ import annotations

from datetime import timedelta

from inbox.core.models import AccountInfo, ColumnFilter, Contact, Kind, Message
from inbox.engine import Engine
from inbox.engine.sync import sync_account
from inbox.networks.base import DMS, MENTIONS
from inbox.networks.replay import ReplayAdapter

_TEXTS = [
    (Kind.MENTION, "Is the site down? I can't check out and my cart is gone"),
    (Kind.DM, "Hi, I was charged twice for order 4411, can you refund one?"),
    (Kind.MENTION, "Loving the new jasmine blend, thank you!"),
    (Kind.MENTION, "When do you restock the matcha?"),
    (Kind.DM, "My parcel says delivered but it isn't here"),
]


async def _seed(engine: Engine) -> None:
    now = engine.clock.now()
    for n, (handle, network) in enumerate(
        [("teashop", "mastodon"), ("teashop.bsky.social", "bluesky"), ("TeaShopHQ", "x")]
    ):
        info = AccountInfo(network, f"{network}.demo", str(n + 1), handle, "The Tea Shop")
        account = engine.store.add_account(info)
        messages = [
            Message(
                remote_id=f"{n}-{i}",
                conversation_key=f"{n}-{i}",
                kind=kind,
                author=Contact(network, f"u{i}", f"customer{i}", f"Customer {i}"),
                text=text,
                created_at=now - timedelta(minutes=7 * i + n),
            )
            for i, (kind, text) in enumerate(_TEXTS)
        ]
        engine.adapters[account.id] = ReplayAdapter(
            info,
            {
                MENTIONS: [m for m in messages if m.kind is not Kind.DM],
                DMS: [m for m in messages if m.kind is Kind.DM],
            },
        )
        await sync_account(engine, account.id)
    columns = engine.store.columns
    columns.add("Priority", ColumnFilter())
    columns.add("Direct messages", ColumnFilter(kinds=(Kind.DM,)))
    columns.add("Newest", ColumnFilter(sort="newest"))


def seed(engine: Engine) -> None:
    """Fill a fresh profile with the demo workspace (blocking; call from outside the engine)."""
    engine.call(_seed)
