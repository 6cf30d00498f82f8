"""Read queries off the GUI thread: one reader thread with its own read-only Store.

The bridge owns the reader and hands results back on the GUI thread; a
synchronous twin (SyncReader) serves benches and views built without an engine.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from inbox.core.clock import Clock
from inbox.store import Store

ReadFn = Callable[[Store], Any]
Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]
Deliver = Callable[[Callable[[Any], None], Any], None]


class Ticket:
    """A pending read; cancel() drops its result (a newer query superseded it)."""

    __slots__ = ("cancelled",)

    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Reads(Protocol):
    def read(self, fn: ReadFn, on_done: Done, on_error: Failed | None = None) -> Ticket:
        """Run fn(store) somewhere; call on_done(result) on the GUI thread."""
        ...


class ReaderThread:
    """One worker thread, one read-only connection; requests run in the order given.

    FIFO order matters: a column's change request queued after its page request
    sees the page's result applied first.
    """

    def __init__(self, db_path: Path, clock: Clock, deliver: Deliver, report: Failed) -> None:
        self._db_path = db_path
        self._clock = clock
        self._deliver = deliver  # emits a queued signal: runs the callback on the GUI thread
        self._report = report
        self._local = threading.local()
        self._stores: list[Store] = []
        self._closed = False
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="inbox-reader")

    def _store(self) -> Store:
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = Store(self._db_path, clock=self._clock, readonly=True)
            self._local.store = store
            self._stores.append(store)
        return store

    def read(self, fn: ReadFn, on_done: Done, on_error: Failed | None = None) -> Ticket:
        ticket = Ticket()
        if self._closed:  # the window is closing: nobody will read the answer
            ticket.cancel()
            return ticket

        def job() -> None:
            if ticket.cancelled:
                return
            try:
                result = fn(self._store())
            except BaseException as exc:  # handed to the GUI thread
                self._deliver(
                    lambda e: None if ticket.cancelled else (on_error or self._report)(e), exc
                )
                return
            self._deliver(lambda r: None if ticket.cancelled else on_done(r), result)

        self._pool.submit(job)
        return ticket

    def close(self) -> None:
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)
        for store in self._stores:
            store.close()
        self._stores.clear()


class SyncReader:
    """Runs reads at once on the calling thread (benches, tests of a lone view)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def read(self, fn: ReadFn, on_done: Done, on_error: Failed | None = None) -> Ticket:
        try:
            result = fn(self.store)
        except BaseException as exc:
            if on_error is None:
                raise
            on_error(exc)
        else:
            on_done(result)
        return Ticket()
