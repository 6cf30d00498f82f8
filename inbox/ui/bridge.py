"""The one crossing from the engine thread to the GUI thread: events and command results."""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from inbox.core.clock import Clock
from inbox.core.errors import InboxError, user_words
from inbox.core.events import AccountStatus, Changed, ErrorEvent, Event, Progress, SearchStatus
from inbox.ui.reader import Done, Failed, ReaderThread, ReadFn, Ticket

if TYPE_CHECKING:
    from inbox.engine import Engine

log = logging.getLogger(__name__)


class EngineBridge(QObject):
    """Re-emits engine events as Qt signals; GUI receivers get queued calls.

    It also owns the reader thread (read()), so every thread crossing passes here.
    A bridge made before its engine (`engine=None`, with the profile's db_path and
    clock: the window paints first, docs/architecture.md "Performance") reads at once
    and keeps the commands it is given until `attach(engine)`.

    Signals:
        changed: a core.events.Changed (conversations, columns, accounts, ...).
        progress: a core.events.Progress of long work.
        error: a core.events.ErrorEvent to show the user.
        account_status: a core.events.AccountStatus (sync state of one account).
        search_status: a core.events.SearchStatus (fetch state of a monitoring search).
        _finished: internal; carries a command's or a read's callback and result to the
            GUI thread.
        _event: internal; carries an engine event to the GUI thread, where it is re-emitted
            on the public signals above unless the bridge was detached meanwhile.
    """

    changed = Signal(object)
    progress = Signal(object)
    error = Signal(object)
    account_status = Signal(object)
    search_status = Signal(object)
    _finished = Signal(object, object)
    _event = Signal(object)

    def __init__(
        self,
        engine: Engine | None,
        parent: QObject | None = None,
        *,
        db_path: Path | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine: Engine | None = None
        self.detached = False
        self._finished.connect(self._deliver)
        self._event.connect(self._dispatch)
        self._unsubscribe: Callable[[], None] = lambda: None
        self._waiting: list[Callable[[], None]] = []  # commands given before attach()
        db_path = engine.db_path if engine is not None else db_path
        clock = engine.clock if engine is not None else clock
        if db_path is None or clock is None:
            raise ValueError("a bridge without an engine needs the db_path and clock")
        self.reader = ReaderThread(db_path, clock, self._finished.emit, self._report)
        if engine is not None:
            self.attach(engine)

    def attach(self, engine: Engine) -> None:
        """Listen to engine and run the commands given before it started, in order."""
        self.engine = engine
        # Emitted on the engine thread: Qt queues the call to this GUI-thread object.
        self._unsubscribe = engine.subscribe(self._on_event)
        waiting, self._waiting = self._waiting, []
        for submit in waiting:
            submit()

    def read(self, fn: ReadFn, on_done: Done, on_error: Failed | None = None) -> Ticket:
        """Run fn(read-only store) on the reader thread; on_done(result) runs on the GUI thread."""
        return self.reader.read(fn, on_done, on_error)

    def detach(self) -> None:
        """Stop listening to the engine (before it stops or the window closes)."""
        self._unsubscribe()
        self._unsubscribe = lambda: None
        self._waiting.clear()
        self.reader.close()
        self.detached = True

    def _on_event(self, event: Event) -> None:
        # Engine thread: hop to the GUI thread first, so a detached bridge can drop what
        # was still in flight instead of reaching views whose store is already closed.
        self._event.emit(event)

    def _dispatch(self, event: Event) -> None:
        if self.detached:
            return
        if isinstance(event, Changed):
            self.changed.emit(event)
        elif isinstance(event, Progress):
            self.progress.emit(event)
        elif isinstance(event, ErrorEvent):
            self.error.emit(event)
        elif isinstance(event, AccountStatus):
            self.account_status.emit(event)
        elif isinstance(event, SearchStatus):
            self.search_status.emit(event)

    # -- commands ---------------------------------------------------------------

    def run(
        self,
        fn: Callable[[Engine], Any],
        on_done: Done | None = None,
        on_error: Failed | None = None,
    ) -> concurrent.futures.Future[Any]:
        """Run fn(engine) on the engine thread; on_done/on_error are called on the GUI thread.

        Without on_error, an InboxError is shown through the error signal. Before the
        engine is attached the command waits for it (the returned future follows).
        """
        if self.engine is None:
            return self._later(fn, on_done, on_error)
        from inbox.engine.runtime import EngineStopped  # loaded with the engine

        try:
            future = self.engine.submit(fn)
        except EngineStopped:
            # A timer of a window outliving its engine (a composer's autosave while the
            # app closes): nothing can run any more; say so in the log, not in a crash.
            log.info("Not run: the engine has stopped (%s)", getattr(fn, "__name__", fn))
            future = concurrent.futures.Future()
            future.cancel()
            return future

        def finished(fut: concurrent.futures.Future[Any]) -> None:
            exc = fut.exception()
            if exc is not None:
                self._finished.emit(on_error or self._report, exc)
            elif on_done is not None:
                self._finished.emit(on_done, fut.result())

        future.add_done_callback(finished)
        return future

    def _later(
        self, fn: Callable[[Engine], Any], on_done: Done | None, on_error: Failed | None
    ) -> concurrent.futures.Future[Any]:
        outer: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def submit() -> None:
            if not outer.set_running_or_notify_cancel():
                return  # cancelled while it waited
            self.run(fn, on_done, on_error).add_done_callback(lambda inner: _follow(inner, outer))

        self._waiting.append(submit)
        return outer

    def op(
        self,
        name: str,
        /,
        on_done: Done | None = None,
        on_error: Failed | None = None,
        **args: Any,
    ) -> concurrent.futures.Future[Any]:
        """Run the operation name (engine.ops) with plain-data args, started by the user.

        The operation audits, records its undo and publishes what changed; on_done gets
        its result on the GUI thread.
        """
        # Imported on the first operation: the registry loads every operation's module
        # (accounts, connectors, suggestions, ...), nothing the window's first paint needs.
        from inbox.engine import ops

        return self.run(lambda e: ops.run(e, name, initiator="user", **args), on_done, on_error)

    def _report(self, exc: BaseException) -> None:
        if not isinstance(exc, InboxError):
            log.error("operation failed", exc_info=exc)
        message = user_words(exc)
        self.error.emit(ErrorEvent(message))

    def _deliver(self, callback: Callable[[Any], None], value: Any) -> None:
        if not self.detached:  # the window that asked is closing: its answer is moot
            callback(value)


def _follow(inner: concurrent.futures.Future[Any], outer: concurrent.futures.Future[Any]) -> None:
    """outer (running) ends as inner ended."""
    if inner.cancelled():
        outer.set_exception(concurrent.futures.CancelledError())
    elif (exc := inner.exception()) is not None:
        outer.set_exception(exc)
    else:
        outer.set_result(inner.result())
