"""Engine: one asyncio loop on its own thread that owns the single writer connection.

Commands go in through submit() from any thread and come back as
concurrent futures; events go out to subscribers, called on the engine
thread (the UI's bridge re-emits them as queued Qt signals).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar, overload

from inbox.core.clock import Clock, SystemClock
from inbox.core.errors import InboxError
from inbox.core.events import Changed, ErrorEvent, Event
from inbox.core.rules import Decide
from inbox.engine import live, offline
from inbox.engine import moderation as _moderation  # noqa: F401  (its outbox handler)
from inbox.engine.ingest_worker import IngestWorker
from inbox.networks.base import NetworkAdapter
from inbox.store import Store
from inbox.store.journal import Journal
from inbox.store.leases import new_holder

log = logging.getLogger(__name__)


class EngineStopped(RuntimeError):
    """Work handed to an engine that is not running (not started yet, or stopped)."""


T = TypeVar("T")

Listener = Callable[[Event], None]


class Engine:
    """The runtime the window and `social-inbox sync` share."""

    def __init__(
        self,
        profile_db: Path | str,
        *,
        clock: Clock | None = None,
        decide: Decide | None = None,
        ingest_process: bool = False,
    ) -> None:
        self.db_path = Path(profile_db)
        self.clock: Clock = clock or SystemClock()
        self.decide = decide  # None: the rules stored in the profile
        # The window stores sync batches in a worker process (engine/ingest_worker.py),
        # so its own interpreter stays free to paint; the CLI stores them here.
        self.ingest_worker: IngestWorker | None = (
            IngestWorker(self.db_path) if ingest_process else None
        )
        self.adapters: dict[int, NetworkAdapter] = {}
        # Accounts whose server could not be reached in this run (`sync --once`): their
        # due rows wait in the queue instead of each failing to connect again.
        self.offline: set[int] = set()
        # This engine among the laptops sharing the database (store/leases.py): it holds
        # outbox rows, fetch leases and its member's presence under this id.
        self.holder = new_holder()
        # Accounts this engine is the elected fetcher of (engine/team.py).
        self.fetching: set[int] = set()
        # Monitoring searches this engine is the elected fetcher of (engine/team.py).
        self.searching: set[int] = set()
        # A team profile's offline side (engine/offline.py): its journal, whether the
        # engine works on the replica now, what waits to sync.
        self.journal: Journal | None = None
        self.team_offline = False
        self.replaying = False
        self.offline_state = offline.State()
        self.offline_undo: dict[int, tuple[Any, int]] = {}
        self.journal_superseded: list[str] = []
        self.last_replay: offline.Replayed | None = None
        self.refreshing: threading.Thread | None = None
        self.refresh_cancel = threading.Event()
        # loops.start ran (with these settings): back online, offline.try_online restarts them.
        self.loops_wanted = False
        self.loop_settings: Any = None
        self._listeners: list[Listener] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._store: Store | None = None
        self._started = threading.Event()
        self._start_error: BaseException | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        # Set when an outbox row or a post may be due: wakes the one delivery loop
        # (loops.outbox_loop) at once instead of at its next round.
        self.delivery_wake = asyncio.Event()
        # New messages on a conversation that has a ticket become follow-ups on it.
        self.subscribe(_follow_ups(self))
        # What changes here is logged for the other laptops' decks (engine/live.py).
        self.subscribe(live.recorder(self))

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> None:
        """Start the engine thread and open the writer store; raises its open errors."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="inbox-engine", daemon=True)
        self._thread.start()
        self._started.wait()
        if self._start_error is not None:
            self._thread.join()
            self._thread = None
            raise self._start_error

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            self._store = offline.open_store(self)
            if not self.team_offline:
                self._store.outbox.recover(self.holder)
            offline.after_open(self)
        except BaseException as exc:  # handed to start()'s caller
            self._start_error = exc
            self._started.set()
            loop.close()
            return
        self._started.set()
        try:
            loop.run_forever()
        finally:
            for task in asyncio.all_tasks(loop):
                task.cancel()
            loop.run_until_complete(
                asyncio.gather(*asyncio.all_tasks(loop), return_exceptions=True)
            )
            for adapter in self.adapters.values():
                try:
                    loop.run_until_complete(adapter.aclose())
                except Exception:  # closing must not mask the shutdown
                    log.exception("closing an adapter failed")
            if self.ingest_worker is not None:
                self.ingest_worker.close()
            self._release()
            self._store.close()
            if self.journal is not None:
                self.journal.close()
            loop.close()

    def _release(self) -> None:
        """Hand back what this engine holds, so the other laptops take over at once."""
        if self._store is None or self._store.readonly or self.team_offline:
            return
        try:
            self._store.outbox.release(self.holder)
            self._store.leases.release_all(self.holder)
            self._store.presence.leave(self.holder)
        except InboxError as exc:  # a full disk must not stop the shutdown
            log.warning("could not release this engine's leases: %s", exc)

    def stop(self, timeout: float = 10.0) -> None:
        """Cancel background work, close the store and join the thread."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        self._thread = None
        if self.refreshing is not None:  # a replica copy in progress stops, unused
            self.refresh_cancel.set()
            self.refreshing.join(timeout)  # a server gone silent must not hang the stop

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def store(self) -> Store:
        """The writer store; only code running on the engine thread may use it."""
        if self._store is None:
            raise RuntimeError("engine not started")
        if threading.current_thread() is not self._thread:
            raise RuntimeError("the writer store is used only on the engine thread")
        return self._store

    def swap_store(self, store: Store) -> Store:
        """Work on another store from now on (the team server or its offline replica);
        returns the old one. Engine thread only."""
        old = self.store
        self._store = store
        return old

    def stop_background(self, keep: str = "") -> bool:
        """Cancel the background tasks (loops, watchers) but the one named keep; True when
        some ran (the caller restarts what it needs)."""
        found = False
        for task in list(self._tasks):
            if task.get_name() != keep and not task.done():
                task.cancel()
                found = True
        return found

    # -- commands ----------------------------------------------------------------

    @overload
    def submit(self, fn: Callable[[Engine], Awaitable[T]]) -> concurrent.futures.Future[T]: ...
    @overload
    def submit(self, fn: Callable[[Engine], T]) -> concurrent.futures.Future[T]: ...
    def submit(self, fn: Callable[[Engine], Any]) -> concurrent.futures.Future[Any]:
        """Run fn(engine) on the engine thread; await it if it returns an awaitable."""
        if self._loop is None or self._loop.is_closed() or not self.running:
            raise EngineStopped("engine not started" if self._loop is None else "engine stopped")

        async def invoke() -> Any:
            result = fn(self)
            if inspect.isawaitable(result):
                return await result
            return result

        return asyncio.run_coroutine_threadsafe(invoke(), self._loop)

    @overload
    def call(self, fn: Callable[[Engine], Awaitable[T]], timeout: float = ...) -> T: ...
    @overload
    def call(self, fn: Callable[[Engine], T], timeout: float = ...) -> T: ...
    def call(self, fn: Callable[[Engine], Any], timeout: float = 60.0) -> Any:
        """submit() and wait: for the CLI and tests, never for the GUI thread."""
        return self.submit(fn).result(timeout)

    def spawn(self, coro: Awaitable[Any], name: str = "") -> asyncio.Task[Any]:
        """Start background work on the engine loop (call from the engine thread)."""
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        if name:
            task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            message = str(exc) if isinstance(exc, InboxError) else f"Internal error: {exc!r}"
            log.error("background task %s failed: %r", task.get_name(), exc)
            self.publish(ErrorEvent(message))

    # -- events ------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call listener(event) for every event, on the engine thread. Returns unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def publish(self, event: Event) -> None:
        if isinstance(event, Changed) and (event.outbox or event.posts):
            self.delivery_wake.set()
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken listener must not stop the engine
                log.exception("event listener failed")


def _follow_ups(engine: Engine) -> Callable[[Event], None]:
    """connectors.follow_ups, imported on the first event (it pulls httpx: ~1 s of imports
    that the first paint does not need)."""
    listener: list[Callable[[Event], None]] = []

    def on_event(event: Event) -> None:
        if not listener:
            from inbox.engine import connectors

            listener.append(connectors.follow_ups(engine))
        listener[0](event)

    return on_event
