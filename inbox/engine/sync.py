"""Sync: pull each account's streams through its adapter into the store, cursor by cursor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inbox.core.errors import AuthExpired, NetworkError, RateLimited
from inbox.core.events import AccountStatus, Changed, Progress
from inbox.core.models import Message
from inbox.networks.base import DMS, MENTIONS, Page

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine


def store_page(engine: Engine, account_id: int, stream: str, page: Page[Message]) -> Changed:
    """Store a page's items, quarantine its rejects, then advance the cursor.

    The cursor moves only after the items are committed, so a crash or an error
    between pages re-fetches rather than skips.
    """
    store = engine.store
    changed = store.ingest.messages(account_id, page.items, engine.decide)
    for reason, raw in page.rejected:
        store.quarantine(f"account:{account_id}:{stream}", reason, raw)
    if page.next_cursor is not None:
        store.set_cursor(account_id, stream, page.next_cursor)
    if changed:
        engine.publish(changed)
    return changed


async def sync_account(
    engine: Engine,
    account_id: int,
    streams: tuple[str, ...] = (MENTIONS, DMS),
    max_pages: int = 1000,
) -> Changed:
    """Fetch every stream of one account until no page says "more".

    Errors become the account's status (needs_signin, rate_limited, offline) and are
    re-raised for the caller's backoff; what was stored before the error stays.
    """
    adapter = engine.adapters[account_id]
    store = engine.store
    total = Changed()
    fetched = 0
    engine.publish(AccountStatus(account_id, "syncing"))
    try:
        for stream in streams:
            for _ in range(max_pages):
                page = await adapter.fetch(stream, store.cursor(account_id, stream))
                total |= store_page(engine, account_id, stream, page)
                fetched += len(page.items)
                engine.publish(Progress(f"sync:{account_id}", fetched, 0, f"{stream}: {fetched}"))
                if not page.more:
                    break
    except AuthExpired as exc:
        _status(engine, account_id, "needs_signin", str(exc))
        raise
    except RateLimited as exc:
        _status(engine, account_id, "rate_limited", f"waiting {exc.retry_after:.0f} s")
        raise
    except NetworkError as exc:
        _status(engine, account_id, "offline", str(exc))
        raise
    _status(engine, account_id, "ok", "")
    return total


def _status(engine: Engine, account_id: int, status: str, detail: str) -> None:
    engine.store.set_account_status(account_id, status, detail)
    engine.publish(AccountStatus(account_id, status, detail))
