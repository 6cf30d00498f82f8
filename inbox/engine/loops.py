"""The engine's long-running loops: a sync loop per account (stream or poll), the outbox worker.

An account loop listens to its adapter's live stream when it has one (every
event, and every reconnect, triggers a REST sync: streams replay nothing) and
falls back to polling when the stream fails. Polling starts at
sync.poll_interval_s and backs off while nothing new arrives or errors repeat.
A revoked sign-in stops only that account's loop; the others go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inbox.core.errors import AuthExpired, InboxError, NetworkError, RateLimited
from inbox.core.events import AccountStatus, ErrorEvent
from inbox.engine import live, monitoring, offline, publishing, team
from inbox.engine.sync import sync_account
from inbox.networks import registry
from inbox.networks.base import LiveAdapter

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
OUTBOX_TASK = "outbox"


@dataclass(frozen=True)
class LoopSettings:
    """Timing of the loops; read from the profile's settings by from_store."""

    poll_interval: float | None = None  # None: the network's own (Capabilities.poll_interval)
    max_poll_interval: float = 600.0
    error_backoff_max: float = 900.0
    stream: bool = True
    stream_retry_polls: int = 5  # polls between attempts to reopen a dropped stream
    outbox_interval: float = 5.0

    @classmethod
    def from_store(cls, engine: Engine) -> LoopSettings:
        store = engine.store
        chosen = store.setting("sync.poll_interval_s")
        return cls(
            poll_interval=float(chosen) if chosen is not None else None,
            stream=bool(store.setting("sync.streaming")),
        )

    def interval_for(self, engine: Engine, account_id: int) -> float:
        """The account's poll interval: the user's setting, else its network's default."""
        if self.poll_interval is not None:
            return self.poll_interval
        try:
            network = engine.store.account(account_id).network
            return registry.capabilities(network).poll_interval
        except InboxError:  # an account or network gone since: the common default
            return 60.0


async def sync_once(engine: Engine, account_id: int) -> bool:
    """One sync of an account; True when it stored something new."""
    return bool(await sync_account(engine, account_id))


async def account_loop(
    engine: Engine,
    account_id: int,
    settings: LoopSettings | None = None,
    *,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """Keep one account in sync until it needs sign-in or the task is cancelled."""
    cfg = settings or LoopSettings()
    base = cfg.interval_for(engine, account_id)
    interval = base
    failures = 0
    polls_since_stream = cfg.stream_retry_polls
    while True:
        adapter = engine.adapters.get(account_id)
        if adapter is None:
            return
        if not _elected(engine, account_id):
            # Another laptop fetches this account: look again soon, take over when its
            # lease ends (it stopped, or vanished and stopped renewing).
            polls_since_stream = cfg.stream_retry_polls
            await sleep(min(team.FOLLOW, interval))
            continue
        try:
            if (
                cfg.stream
                and isinstance(adapter, LiveAdapter)
                and (polls_since_stream >= cfg.stream_retry_polls)
            ):
                polls_since_stream = 0
                await _listen(engine, account_id, adapter)
            got_new = await sync_once(engine, account_id)
            failures = 0
            interval = base if got_new else min(interval * 1.5, cfg.max_poll_interval)
            delay = interval
        except team.NotFetcher:
            log.info("account %s is fetched by another laptop now", account_id)
            engine.fetching.discard(account_id)
            delay = 0.0
        except AuthExpired:
            log.info("account %s needs sign-in; its loop stops", account_id)
            return
        except RateLimited as exc:
            delay = max(exc.retry_after, 1.0)
        except NetworkError:
            failures += 1
            delay = min(base * 2 ** (failures - 1), cfg.error_backoff_max)
        except InboxError as exc:  # a bug-free but unexpected refusal: report, keep going
            log.warning("sync of account %s failed: %s", account_id, exc)
            failures += 1
            delay = min(base * 2 ** (failures - 1), cfg.error_backoff_max)
        except Exception as exc:  # a bug must not end this account's syncing for good
            log.exception("sync of account %s failed unexpectedly", account_id)
            engine.publish(
                ErrorEvent(f"Account {account_id}: unexpected error: {exc!r}", account_id)
            )
            failures += 1
            delay = min(base * 2 ** (failures - 1), cfg.error_backoff_max)
        polls_since_stream += 1
        await sleep(delay)


def _elected(engine: Engine, account_id: int) -> bool:
    """Whether this engine is (or just became) the one fetcher of the account."""
    if not hasattr(engine, "holder"):  # a test's stand-in engine: alone, always fetches
        return True
    try:
        return team.may_fetch(engine, account_id)
    except InboxError as exc:  # a busy database: fetch anyway, the fence guards the commit
        log.warning("fetch election for account %s failed: %s", account_id, exc)
        return account_id in engine.fetching


async def _listen(engine: Engine, account_id: int, adapter: LiveAdapter) -> None:
    """Sync on every stream event until the stream drops (then the caller polls)."""
    try:
        async for _event in adapter.live():
            await sync_account(engine, account_id)
    except NetworkError as exc:
        log.info("live updates of account %s stopped, polling: %s", account_id, exc)


async def outbox_loop(
    engine: Engine,
    settings: LoopSettings | None = None,
    *,
    sleep: Sleep = asyncio.sleep,
    wake: asyncio.Event | None = None,
) -> None:
    """Promote due posts and deliver due outbox rows every few seconds, or at once when woken.

    publishing.tick is the one delivery round (due posts -> outbox -> deliver_due ->
    post states), so the window, `sync` and `schedule run` share one worker. start()
    passes engine.delivery_wake, which engine.publish sets whenever an operation
    reports Changed(outbox=...) or Changed(posts=...): a reply queued while online
    leaves at once, not at the next round.
    """
    cfg = settings or LoopSettings()
    with contextlib.suppress(InboxError):  # each server's own post length; offline is fine
        await publishing.refresh_limits(engine)
    while True:
        try:
            while await publishing.tick(engine):
                pass  # a full batch went out: there may be more due right now
        except InboxError as exc:  # a store failure: report and try again later
            log.warning("outbox delivery failed: %s", exc)
        if wake is None:
            await sleep(cfg.outbox_interval)
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), cfg.outbox_interval)
        wake.clear()


async def run_once(engine: Engine, deadline: float | None = None) -> tuple[int, int]:
    """Sync every connected account once and deliver what is due: `sync --once`.

    An account whose server cannot be reached is offline for the rest of the run: its
    due rows stay queued (nothing retried against a dead connection). deadline bounds
    the whole run in seconds: an account still syncing when it passes is stopped (what
    it stored so far is kept) and counted as failed. Any error of one account is
    reported and the run goes on with the others.

    Returns:
        (accounts that failed, outbox rows delivered).
    """
    start = time.monotonic()

    def left() -> float | None:
        return None if deadline is None else max(0.0, deadline - (time.monotonic() - start))

    failed = 0
    engine.offline.clear()
    for account_id in list(engine.adapters):
        try:
            async with asyncio.timeout(left()):
                await sync_account(engine, account_id)
        except TimeoutError:
            message = f"stopped: the run's deadline of {deadline:g} s passed"
            engine.store.set_account_status(account_id, "timeout", message)
            engine.publish(AccountStatus(account_id, "timeout", message))
            failed += 1
        except RateLimited as exc:
            log.warning("sync of account %s failed: %s", account_id, exc)
            failed += 1
        except NetworkError as exc:
            log.warning("account %s is offline for this run: %s", account_id, exc)
            engine.offline.add(account_id)
            failed += 1
        except InboxError as exc:  # a store error (disk full), an unreadable answer
            log.warning("sync of account %s failed: %s", account_id, exc)
            engine.publish(ErrorEvent(f"Account {account_id}: {exc}", account_id))
            failed += 1
        except Exception as exc:  # a bug must not stop the other accounts
            log.exception("sync of account %s failed unexpectedly", account_id)
            engine.publish(ErrorEvent(f"Account {account_id}: unexpected error: {exc!r}"))
            failed += 1
    try:  # the search columns, once (their words go to each search's state)
        async with asyncio.timeout(left()):
            await monitoring.fetch_all(engine)
    except TimeoutError:
        engine.publish(ErrorEvent(f"Searches stopped: the run's deadline of {deadline:g} s passed"))
    except InboxError as exc:
        engine.publish(ErrorEvent(f"Searches: {exc}"))
    delivered = 0
    try:
        async with asyncio.timeout(left()):
            while sent := await publishing.tick(engine):
                delivered += sent
    except TimeoutError:
        engine.publish(ErrorEvent(f"Sending stopped: the run's deadline of {deadline:g} s passed"))
    waiting = engine.store.outbox.due_for(frozenset(engine.offline))
    if waiting:
        engine.publish(
            ErrorEvent(f"{waiting} item(s) wait to be sent until their account is back online")
        )
    return failed, delivered


def _running(name: str) -> bool:
    return any(t.get_name() == name and not t.done() for t in asyncio.all_tasks())


def running(engine: Engine) -> bool:
    """Whether start() has run: the outbox worker is alive (call on the engine thread)."""
    return _running(OUTBOX_TASK)


def start_account(
    engine: Engine, account_id: int, settings: LoopSettings | None = None
) -> asyncio.Task[None] | None:
    """Start one account's loop unless it runs already (after adding or re-signing in)."""
    name = f"sync:{account_id}"
    if _running(name):
        return None
    cfg = settings or LoopSettings.from_store(engine)
    task: asyncio.Task[None] = engine.spawn(account_loop(engine, account_id, cfg), name=name)
    return task


def start(engine: Engine, settings: LoopSettings | None = None) -> list[asyncio.Task[None]]:
    """Spawn the account loops and the outbox worker (call on the engine thread).

    A team profile working offline starts only the watch of its server (engine/offline.py):
    nothing is fetched into, nor sent from, the replica; back online, this runs again."""
    engine.loop_settings = settings
    engine.loops_wanted = True
    offline.spawn_watch(engine)
    if engine.team_offline:
        return []
    cfg = settings or LoopSettings.from_store(engine)
    tasks = [start_account(engine, account_id, cfg) for account_id in list(engine.adapters)]
    started = [t for t in tasks if t is not None]
    if not _running(OUTBOX_TASK):
        worker = outbox_loop(engine, cfg, wake=engine.delivery_wake)
        started.append(engine.spawn(worker, name=OUTBOX_TASK))
    if not _running(team.HEARTBEAT_TASK):  # keeps this engine's leases and presence alive
        started.append(engine.spawn(team.heartbeat(engine), name=team.HEARTBEAT_TASK))
    watcher = live.start(engine)  # the other laptops' changes reach this deck
    if watcher is not None:
        started.append(watcher)
    monitoring.start(engine)
    return started
