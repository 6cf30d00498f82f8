"""Ingest in a worker process, so the window's interpreter never runs it.

Storing a sync batch (dedupe, conversation rows, the rules with VADER, the inserts) is
pure Python and SQLite work. On the engine thread of the window's process it holds the
interpreter lock for most of a second per 1,000 items, and every call from Qt into
Python (a repaint, a slot) waits for that lock: the window froze while a sync landed.
`IngestWorker` hands the batch to one child process (multiprocessing, 'spawn' context)
that opens its own writer connection on the same SQLite file and runs exactly the
in-process code (`sync.write_page`: items, quarantined rejects, audit, cursor, in one
transaction); the engine thread awaits the answer without the lock and publishes the
returned `Changed` as before.

Only the window asks for it (`Engine(..., ingest_process=True)`); the CLI and the tests'
engines store in-process. A batch stays in-process when it is small (the worker's round
trip is not worth it), when the engine has its own rules (`decide`: test code, not
picklable), or on a team profile (its PostgreSQL database or offline replica). When this
engine is the account's elected fetcher (the window's account loops always take part in
the election), the child checks the fetch lease in the batch's transaction, as
store_page does. A worker that dies is not restarted: that batch and every later one are
stored in-process (nothing is lost: its transaction rolled back and the cursor did not
move).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.queues  # loaded now (before Qt), not on the engine thread later
import multiprocessing.synchronize
import operator
import os
import sys
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import TYPE_CHECKING

from inbox.core.clock import Clock
from inbox.core.events import Changed
from inbox.core.models import Contact, Message
from inbox.networks.base import Page

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine
    from inbox.store.store import Store

log = logging.getLogger(__name__)

# Batches smaller than this are stored in-process: pickling, the pipe and the worker's
# own transaction cost more than they save, and a small batch does not freeze anything.
MIN_ITEMS = 100
NICE = 5  # the child's scheduling priority below the window's


# A batch is pickled on the way to the child by a thread of the window's process, holding
# the interpreter lock: the dataclasses' own pickling (a Python __getstate__ per object)
# costs ~40 ms per 1,000 messages, their fields read by C (attrgetter) ~8 ms.
_MESSAGE_FIELDS = operator.attrgetter(*Message.__dataclass_fields__)
_CONTACT_FIELDS = operator.attrgetter(*Contact.__dataclass_fields__)


def _reduce_message(m: Message) -> tuple[type[Message], tuple[object, ...]]:
    return Message, _MESSAGE_FIELDS(m)


def _reduce_contact(c: Contact) -> tuple[type[Contact], tuple[object, ...]]:
    return Contact, _CONTACT_FIELDS(c)


ForkingPickler.register(Message, _reduce_message)
ForkingPickler.register(Contact, _reduce_contact)


class IngestWorker:
    """One child process that stores sync batches for the engine (see the module doc)."""

    def __init__(self, db_path: Path) -> None:
        self._path = db_path
        self._pool: ProcessPoolExecutor | None = None
        self.broken = False
        self._ingests = -1  # the engine store's ingest count the worker last knew of
        # Held by the engine thread around every sync batch, here or in the child, so two
        # accounts' batches never wait on each other's write lock in the database file.
        self.lock = asyncio.Lock()

    def start(self) -> None:
        """Start the child now; it imports and opens the store while the caller goes on."""
        if self._pool is not None or self.broken:
            return
        self._pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_open,
            initargs=(str(self._path),),
        )
        self._pool.submit(_ready)  # the child is spawned on the first submit

    def takes(self, engine: Engine, account_id: int, page: Page[Message]) -> bool:
        store = engine.store
        return (
            not self.broken
            and len(page.items) >= MIN_ITEMS
            and engine.decide is None
            # a local profile's own file: not a team's server, nor its offline replica
            # (engine/offline.py), which the child's Store(path) would not open
            and store.dsn is None
            and getattr(engine, "journal", None) is None
            and store.path == self._path
        )

    async def store_page(
        self, engine: Engine, account_id: int, stream: str, page: Page[Message]
    ) -> Changed | None:
        """Store the batch in the child; None when the child is gone (store it here).

        Raises:
            team.NotFetcher: this engine was elected the account's fetcher (the window's
                account loops always are) and lost the lease: the child checks it in the
                batch's transaction, as store_page does.
        """
        self.start()
        assert self._pool is not None
        store = engine.store
        # The engine wrote messages itself since the child's last batch: the child's
        # cache of contacts as stored may be out of date.
        forget = store.ingest.count != self._ingests
        holder = engine.holder if account_id in engine.fetching else None
        try:
            future: Future[Changed] = self._pool.submit(
                _store_page, account_id, stream, page, forget, store.clock, holder
            )
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            log.warning("the ingest worker process stopped; storing in the engine from now on")
            self.broken = True
            self.close()
            return None
        finally:
            store.ingest.forget_contacts()  # the child may have changed them
            self._ingests = store.ingest.count

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


# -- in the child ---------------------------------------------------------------------

_STORE: Store | None = None


def _open(path: str) -> None:
    global _STORE
    from inbox.store.store import Store

    threading.Thread(target=_exit_with_parent, name="ingest-parent", daemon=True).start()
    if sys.platform != "win32":
        os.nice(NICE)  # the window's process comes first for the CPU, too
    _STORE = Store(Path(path))


def _exit_with_parent() -> None:
    """End the child when the window's process is gone (killed, crashed): the pool's
    pipes alone do not tell it. A transaction cut short is rolled back by SQLite."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        parent.join()
        os._exit(0)


def _ready() -> bool:
    return _STORE is not None


def _store_page(
    account_id: int,
    stream: str,
    page: Page[Message],
    forget: bool,
    clock: Clock,
    holder: str | None,
) -> Changed:
    from inbox.engine import team
    from inbox.engine.sync import write_page

    store = _STORE
    assert store is not None
    store.clock = clock  # the engine's (a test's fake clock moves between batches)
    if forget:
        store.ingest.forget_contacts()
    store.rules.forget()  # rules edited in the window meanwhile: read them again
    with store.transaction():
        # holder: the engine is the account's elected fetcher; still, at commit time?
        lease = team.fetch_lease(account_id)
        if holder is not None and not store.leases.fence(lease, holder, team.FETCH_LEASE):
            raise team.NotFetcher(f"account {account_id} is fetched by another laptop now")
        return write_page(store, account_id, stream, page, None)
