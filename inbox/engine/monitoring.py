"""Monitoring: fetch each search column's search from every network it asks, store the
hits through the same ingest and rules as mentions.

For each network the search asks (every network that can search when it names none),
the first connected account of that network runs the search (``adapter.search``).
Each page is stored in one transaction with its cursor (sync_cursors, stream
``search:<id>``), exactly like a stream's page:

- posts naming an exclusion are dropped (``core.monitoring.excluded``);
- a post already stored under another account of the same network (a mention of
  our other account; for networks whose ids are per server, an account on the same
  server) is not stored again: that conversation is recorded as the hit;
- the rest go to ``store.ingest.messages`` as Kind.MONITORING (a post already stored
  under the same account, e.g. a mention, is skipped there: one item);
- every conversation found is recorded in ``search_hits``, which the column shows.

A network that refuses (X without search in its plan, an account offline) is said
in the search's fetch state ("X: your X plan does not include search"); the other
networks go on. The state (fetching / ok / error, with words and the time) is
stored on the search and published as ``SearchStatus`` for the column header.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inbox.core.errors import AuthExpired, InboxError, NetworkError, RateLimited, StoreError
from inbox.core.events import Changed, SearchStatus
from inbox.core.models import Direction, Message
from inbox.core.monitoring import SearchSpec, excluded
from inbox.engine import team
from inbox.networks import registry
from inbox.networks.base import SEARCH_STREAM, Page, SearchAdapter

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine

log = logging.getLogger(__name__)

TASK = "monitor"
MAX_PAGES = 20  # pages per network per fetch; the cursor picks up the rest next time


@dataclass(frozen=True)
class Source:
    network: str
    account_id: int
    adapter: SearchAdapter


def stream(search_id: int) -> str:
    return f"{SEARCH_STREAM}{search_id}"


def sources(engine: Engine, spec: SearchSpec) -> tuple[list[Source], list[str]]:
    """(one connected account per network the search asks, networks it cannot ask and why)."""
    found: dict[str, Source] = {}
    for account in engine.store.accounts():
        caps = registry.find(account.network)
        adapter: object = engine.adapters.get(account.id)
        if caps is None or not caps.search or not spec.asks(account.network):
            continue
        if account.network in found or not isinstance(adapter, SearchAdapter):
            continue  # not connected (yet), or a replayed demo account without search
        found[account.network] = Source(account.network, account.id, adapter)
    missing = [
        f"{registry.label(n)}: no signed-in account to search with"
        for n in spec.networks
        if n not in found
    ]
    return list(found.values()), missing


def _publish_state(engine: Engine, search_id: int, state: str, detail: str, done: bool) -> None:
    fetch = engine.store.searches.set_state(search_id, state, detail, fetched=done)
    engine.publish(SearchStatus(search_id, fetch.state, fetch.detail, fetch.fetched_at))


async def fetch_search(
    engine: Engine, search_id: int, max_pages: int = MAX_PAGES, *, elected: bool = False
) -> Changed:
    """Fetch one search from each network it asks and store what is new.

    elected: only when this engine is (or becomes) the search's elected fetcher among the
    laptops on the database (team.may_fetch_search); else the fetcher's state is shown.
    Network failures are words in the search's state, never raised; a store error
    (disk full) is raised after the state says so.
    """
    store = engine.store
    search = store.searches.get(search_id)
    spec = search.spec
    if not spec.terms:
        _publish_state(
            engine, search_id, "error", "This search has no terms; edit the column.", True
        )
        return Changed()
    if elected and not team.may_fetch_search(engine, search_id):
        fetch = search.fetch  # another laptop fetches it: show what it last said
        engine.publish(SearchStatus(search_id, fetch.state, fetch.detail, fetch.fetched_at))
        return Changed()
    _publish_state(engine, search_id, "fetching", search.fetch.detail, False)
    asked, notes = sources(engine, spec)
    if not asked:
        if elected:
            team.give_up_search(engine, search_id)
        names = ", ".join(c.label for c in registry.searching()) or "none"
        notes.append(f"No signed-in account on a network that can search ({names}).")
        _publish_state(engine, search_id, "error", " ".join(notes), True)
        return Changed()
    total = Changed()
    failed = 0
    for source in asked:
        label = registry.label(source.network)
        cursor = store.cursor(source.account_id, stream(search_id))
        try:
            for _ in range(max_pages):
                page = await source.adapter.search(spec, cursor)
                total |= store_page(engine, search_id, source, spec, page)
                if page.note:
                    notes.append(f"{label}: {page.note}")
                cursor = page.next_cursor if page.next_cursor is not None else cursor
                if not page.more:
                    break
        except team.NotFetcher:  # stalled past the lease: another laptop fetches it now
            engine.searching.discard(search_id)
            return total
        except StoreError as exc:
            _publish_state(engine, search_id, "error", str(exc), True)
            raise
        except (NetworkError, RateLimited, AuthExpired, InboxError) as exc:
            failed += 1
            words = str(exc)
            prefix = f"{label}: "
            notes.append(words if words.startswith(prefix) else prefix + words)
            log.info("search %s on %s: %s", search_id, source.network, exc)
    state = "error" if failed == len(asked) else "ok"
    _publish_state(engine, search_id, state, "; ".join(dict.fromkeys(notes)), True)
    return total


def store_page(
    engine: Engine, search_id: int, source: Source, spec: SearchSpec, page: Page[Message]
) -> Changed:
    """One page of hits, its rejects and the cursor, in one transaction."""
    store = engine.store
    items = [m for m in page.items if m.direction is Direction.IN and not excluded(spec, m.text)]
    account = store.account(source.account_id)
    caps = registry.find(source.network)
    same_ids = caps is None or caps.global_ids
    others = [
        a.id
        for a in store.accounts()
        if a.network == source.network
        and a.id != account.id
        and (same_ids or a.instance == account.instance)
    ]
    remote_ids = [m.remote_id for m in items]
    elsewhere = store.searches.known(others, remote_ids) if others and remote_ids else {}
    mine = [m for m in items if m.remote_id not in elsewhere]
    with store.transaction():
        if not team.still_search_fetcher(engine, search_id):  # fenced, like an account page
            raise team.NotFetcher(f"search {search_id} is fetched by another laptop now")
        changed = store.ingest.messages(source.account_id, mine, engine.decide)
        for reason, raw in page.rejected:
            store.quarantine(f"search:{search_id}:{source.network}", reason, raw)
        found = store.searches.known([source.account_id], [m.remote_id for m in mine])
        new = store.searches.record_hits(search_id, [*found.values(), *elsewhere.values()])
        if page.next_cursor is not None:
            store.set_cursor(source.account_id, stream(search_id), page.next_cursor)
    changed |= Changed(conversations=frozenset(new))
    if changed:
        engine.publish(changed)
    return changed


async def fetch_all(engine: Engine, *, elected: bool = False) -> int:
    """Fetch every search a column shows once (``sync --once``; the loop, elected: only the
    searches this engine is the fetcher of). Returns how many ended in error."""
    errors = 0
    for search in engine.store.searches.active():
        await fetch_search(engine, search.id, elected=elected)
        if engine.store.searches.get(search.id).fetch.state == "error":
            errors += 1
    return errors


async def monitor_loop(engine: Engine, interval: float | None = None) -> None:
    """Fetch every shown search, then wait monitoring.poll_interval_s, for ever."""
    while True:
        waited = 0.0
        while not engine.adapters and waited < 60.0:  # the window connects accounts after start
            await asyncio.sleep(1.0)
            waited += 1.0
        try:
            await fetch_all(engine, elected=True)  # one laptop of the team per search
        except InboxError as exc:  # the disk: said in the state, try again next round
            log.warning("monitoring round failed: %s", exc)
        wait = (
            interval if interval is not None else engine.store.setting("monitoring.poll_interval_s")
        )
        await asyncio.sleep(float(wait))


def _running(name: str) -> bool:
    return any(t.get_name() == name and not t.done() for t in asyncio.all_tasks())


def start(engine: Engine) -> None:
    """Start the monitoring loop unless it runs (call on the engine thread)."""
    if not _running(TASK):
        engine.spawn(monitor_loop(engine), name=TASK)


def fetch_soon(engine: Engine, search_id: int) -> None:
    """A new or edited search column: fetch it now when the engine's loops run (the
    window), without waiting for the next round. The CLI fetches with `columns fetch`."""
    if _running(TASK) and not _running(f"search:{search_id}"):
        engine.spawn(fetch_search(engine, search_id, elected=True), name=f"search:{search_id}")
