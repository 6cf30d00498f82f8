"""Sync: pull each account's streams through its adapter into the store, cursor by cursor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inbox.core.errors import (
    AuthExpired,
    InboxError,
    NetworkError,
    NotSupported,
    RateLimited,
    StoreError,
)
from inbox.core.events import AccountStatus, Changed, ErrorEvent, Progress
from inbox.core.models import Message
from inbox.core.rules import Decide
from inbox.engine import team
from inbox.networks.base import DMS, MENTIONS, OWN, Page

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine
    from inbox.store.store import Store


def store_page(engine: Engine, account_id: int, stream: str, page: Page[Message]) -> Changed:
    """Store a page's items, quarantine its rejects, then advance the cursor.

    Items, quarantined rejects and the new cursor commit in one transaction, so a
    crash or an error re-fetches the page rather than skips or half-stores it.
    """
    store = engine.store
    with store.transaction():  # one commit per page: items, rejects and cursor together
        if not team.still_fetcher(engine, account_id):  # another laptop took over
            raise team.NotFetcher(f"account {account_id} is fetched by another laptop now")
        changed = write_page(store, account_id, stream, page, engine.decide)
    if changed:
        engine.publish(changed)
    return changed


def write_page(
    store: Store, account_id: int, stream: str, page: Page[Message], decide: Decide | None
) -> Changed:
    """store_page's writes, in one transaction (the caller's if it has one). Also what
    the ingest worker process runs (engine/ingest_worker.py)."""
    with store.transaction():
        changed = store.ingest.messages(account_id, page.items, decide)
        for reason, raw in page.rejected:
            store.quarantine(f"account:{account_id}:{stream}", reason, raw)
        if stream == OWN and changed.conversations:
            # Answered from another client (the network's web app, a phone): say so.
            handle = store.account(account_id).handle
            for conversation_id in sorted(changed.conversations):
                store.audit(f"@{handle}", "reply.elsewhere", conversation_id)
        if page.next_cursor is not None:
            store.set_cursor(account_id, stream, page.next_cursor)
    return changed


async def store_batch(engine: Engine, account_id: int, stream: str, page: Page[Message]) -> Changed:
    """store_page, in the ingest worker process when the engine has one and the batch
    suits it (engine/ingest_worker.py), so the window's interpreter stays free."""
    worker = engine.ingest_worker
    if worker is None:
        return store_page(engine, account_id, stream, page)
    async with worker.lock:  # another account's batch in-process would wait on the file
        if worker.takes(engine, account_id, page):
            changed = await worker.store_page(engine, account_id, stream, page)
            if changed is not None:
                if changed:
                    engine.publish(changed)
                return changed
        return store_page(engine, account_id, stream, page)


# Pages fetched back to back are stored together up to this many items: each commit
# costs a full-text index flush and a conversation-index pass, so a first sync of
# 100 items per page would otherwise commit a thousand times. The first batch of a
# sync is BATCH_ITEMS (the deck shows something soon); each later one doubles, up to
# MAX_BATCH_ITEMS: the rules decide each touched conversation once per batch (its
# sentiment once), so larger batches cost less per item. Measured (store + rules,
# 5,000 Mastodon-like items, 4 per conversation): 100 -> 1,800 items per CPU-second,
# 250 -> 2,000, 1,000 -> 2,400, 2,500 -> 3,650, 5,000 -> 4,700 (docs/architecture.md).
BATCH_ITEMS = 1000
MAX_BATCH_ITEMS = 4000


def merge_pages(pages: list[Page[Message]]) -> Page[Message]:
    """Consecutive pages of one stream as one page ending at the last page's cursor."""
    cursor = next((p.next_cursor for p in reversed(pages) if p.next_cursor is not None), None)
    return Page(
        items=tuple(item for p in pages for item in p.items),
        next_cursor=cursor,
        more=pages[-1].more,
        rejected=tuple(r for p in pages for r in p.rejected),
    )


async def sync_account(
    engine: Engine,
    account_id: int,
    streams: tuple[str, ...] = (MENTIONS, DMS, OWN),
    max_pages: int = 1000,
    batch_items: int | None = None,
) -> Changed:
    """Fetch every stream of one account until no page says "more".

    OWN (our replies from any client) comes last, so the conversations they
    answer are stored by then.

    Pages fetched back to back are committed together, up to batch_items items
    (None: BATCH_ITEMS, doubling per batch up to MAX_BATCH_ITEMS); the cursor
    advances with each commit. Errors become the account's status
    (needs_signin, rate_limited, offline) and are re-raised for the caller's
    backoff; what was fetched before the error is stored first.
    """
    adapter = engine.adapters[account_id]
    store = engine.store
    total = Changed()
    fetched = 0
    limit = batch_items or BATCH_ITEMS
    unreadable: list[str] = []  # why items were set aside (quarantined), to report them
    engine.publish(AccountStatus(account_id, "syncing"))
    try:
        for stream in streams:
            cursor = store.cursor(account_id, stream)
            pending: list[Page[Message]] = []
            try:
                for _ in range(max_pages):
                    try:
                        page = await adapter.fetch(stream, cursor)
                    except NotSupported:
                        if stream == OWN:  # this network cannot list our own replies
                            break
                        raise
                    pending.append(page)
                    unreadable += [reason for reason, _ in page.rejected]
                    cursor = page.next_cursor if page.next_cursor is not None else cursor
                    fetched += len(page.items)
                    engine.publish(
                        Progress(f"sync:{account_id}", fetched, 0, f"{stream}: {fetched}")
                    )
                    if page.more:  # paging on (a first sync's back-fill): say how far
                        engine.publish(
                            AccountStatus(account_id, "syncing", f"{fetched} items fetched")
                        )
                    if not page.more or sum(len(p.items) for p in pending) >= limit:
                        # Taken off pending first: a batch that failed to store (disk
                        # full) is not stored a second time by the finally below.
                        batch, pending = pending, []
                        total |= await store_batch(engine, account_id, stream, merge_pages(batch))
                        if batch_items is None:
                            limit = min(limit * 2, MAX_BATCH_ITEMS)
                    if not page.more:
                        break
            finally:
                if pending:  # an error mid-batch: keep what arrived before it
                    batch, pending = pending, []
                    total |= await store_batch(engine, account_id, stream, merge_pages(batch))
        if unreadable:  # stored in quarantine with the raw item; the user hears of it once
            _report_unreadable(engine, account_id, unreadable)
    except AuthExpired as exc:
        _status(engine, account_id, "needs_signin", str(exc))
        raise
    except RateLimited as exc:
        _status(engine, account_id, "rate_limited", f"waiting {exc.retry_after:.0f} s")
        raise
    except NetworkError as exc:
        _status(engine, account_id, "offline", str(exc))
        raise
    except team.NotFetcher:
        raise  # the account is fine: another laptop fetches it now
    except StoreError:
        raise  # the account is fine; the disk is not (and a status write would fail too)
    except InboxError as exc:  # e.g. an answer too large or nested too deeply to read
        _status(engine, account_id, "error", str(exc))
        raise
    except Exception as exc:  # a bug (an adapter's, a payload nobody foresaw): say so, re-raise
        _status(engine, account_id, "error", f"unexpected error: {type(exc).__name__}: {exc}")
        raise
    # An adapter may say more than "ok": feeds its plan lacks, the call budget left (X).
    status_text = getattr(adapter, "status_text", None)
    _status(engine, account_id, "ok", status_text() if callable(status_text) else "")
    return total


def _report_unreadable(engine: Engine, account_id: int, reasons: list[str]) -> None:
    handle = engine.store.account(account_id).handle
    first = reasons[0][:200]
    engine.publish(
        ErrorEvent(
            f"@{handle}: {len(reasons)} item(s) could not be read and were set aside "
            f"(the rest were stored): {first}",
            account_id,
        )
    )


def _status(engine: Engine, account_id: int, status: str, detail: str) -> None:
    engine.store.set_account_status(account_id, status, detail)
    engine.publish(AccountStatus(account_id, status, detail))
