"""Working together: several laptops (engines) on one database.

- The collision guard (``guard``): a reply to a conversation someone else answered
  since the member saw it is refused with ``AnsweredMeanwhile`` unless forced; the
  window asks ("Send anyway?"), the CLI needs ``--force``.
- Presence (``set_presence``, the heartbeat): "Sam is viewing" / "Sam is replying…".
- The heartbeat task (``heartbeat``) renews this engine's presence and its fetch leases
  (store/leases.py) every ``BEAT`` seconds; when a laptop disappears its rows expire.
- One fetcher per account (``may_fetch``): the account loop fetches only while this
  engine holds the account's ``fetch:<id>`` lease; another engine takes over when it
  expires (or at once when the holder stopped or its process died on this host).
- One fetcher per monitoring search (``may_fetch_search``): the monitoring loop fetches a
  search only while this engine holds its ``fetch-search:<id>`` lease, same rules.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from inbox.core.clock import from_iso
from inbox.core.errors import AnsweredMeanwhile, InboxError
from inbox.store.presence import Answer, Seen

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine

log = logging.getLogger(__name__)

BEAT = 15.0  # seconds between heartbeats (renewing presence and leases)
FETCH_LEASE = timedelta(seconds=45)  # a fetcher that stopped renewing is replaced after this
FOLLOW = 10.0  # seconds between a follower's looks at the fetch lease
HEARTBEAT_TASK = "team-heartbeat"


class NotFetcher(InboxError):
    """This engine lost the account's fetch lease (it stalled past it): another laptop
    fetches now, and this page is not stored."""


# -- the collision guard -----------------------------------------------------------------


def guard(
    engine: Engine,
    conversation_id: int,
    seen: dict[str, int | str] | None,
    *,
    force: bool = False,
) -> list[Answer]:
    """Someone else's answers since seen; raises AnsweredMeanwhile unless force.

    seen None: no guard (the engine's own callers). {}: since the customer's last
    message. Otherwise the mark the window took when it opened the conversation.
    """
    if seen is None:
        return []
    store = engine.store
    mark = Seen.from_json(seen) if seen else store.presence.seen_customer(conversation_id)
    answers = store.presence.answered_since(
        conversation_id, mark, str(getattr(engine, "holder", ""))
    )
    if answers and not force:
        raise AnsweredMeanwhile(describe(answers, since="since you opened it" if seen else ""))
    return answers


def describe(answers: list[Answer], since: str = "") -> str:
    """The guard's sentence: who answered, when, with what (the newest answer)."""
    last = answers[-1]
    when = from_iso(last.at).astimezone().strftime("%H:%M")
    text = " ".join(last.text.split())
    text = text if len(text) <= 80 else text[:79] + "…"
    verb = "is sending a reply" if last.pending else f"answered at {when}"
    since = since or "after the customer's last message"
    more = f" (and {len(answers) - 1} more)" if len(answers) > 1 else ""
    return f"{last.who} {verb} {since}{more}: “{text}”"


# -- presence ----------------------------------------------------------------------------


def set_presence(
    engine: Engine, conversation_id: int | None, activity: str = "viewing", member: str = ""
) -> None:
    """This engine's member now views (or replies to) conversation_id; None: nothing.

    member "" (the window, every caller but a test on one SQLite file) is this laptop's
    current member: laptop.json on a team profile ("Someone" without one)."""
    store = engine.store
    current = store.teams.current() if not member else None
    name = member or (current.name if current is not None else "Someone")
    if conversation_id is None:
        store.presence.leave(engine.holder)
    else:
        store.presence.beat(engine.holder, name, conversation_id, activity)


# -- one fetcher per account -------------------------------------------------------------


def fetch_lease(account_id: int) -> str:
    return f"fetch:{account_id}"


def may_fetch(engine: Engine, account_id: int) -> bool:
    """Take or keep the account's fetch lease; False while another engine fetches it."""
    return _elect(engine, fetch_lease(account_id), engine.fetching, account_id)


def _elect(engine: Engine, lease: str, held_ids: set[int], key: int) -> bool:
    """Take or keep lease; held_ids (the engine's own record) follows the answer."""
    held = engine.store.leases.acquire(lease, engine.holder, FETCH_LEASE)
    if held:
        held_ids.add(key)
    else:
        held_ids.discard(key)
    return held


def still_fetcher(engine: Engine, account_id: int) -> bool:
    """Inside a page's transaction: is this engine still the account's fetcher? (A
    stalled engine whose lease was taken must not store a page or move the cursor.)
    True when this engine never took part in the election (`sync --once`)."""
    if account_id not in getattr(engine, "fetching", ()):
        return True
    return engine.store.leases.fence(fetch_lease(account_id), engine.holder, FETCH_LEASE)


# -- one fetcher per monitoring search -----------------------------------------------------


def search_lease(search_id: int) -> str:
    return f"fetch-search:{search_id}"


def may_fetch_search(engine: Engine, search_id: int) -> bool:
    """Take or keep the monitoring search's fetch lease (the account election's rules and
    times: the heartbeat renews it, a stopping engine hands it back); False while another
    engine fetches this search."""
    return _elect(engine, search_lease(search_id), engine.searching, search_id)


def give_up_search(engine: Engine, search_id: int) -> None:
    """This engine cannot fetch the search (no signed-in account of its networks here):
    hand the lease back so a laptop that can takes it at its next round."""
    engine.store.leases.release(search_lease(search_id), engine.holder)
    engine.searching.discard(search_id)


def still_search_fetcher(engine: Engine, search_id: int) -> bool:
    """Inside a search page's transaction: does this engine still hold the search? True when
    it never took part in the election (`sync --once`, `columns fetch`)."""
    if search_id not in getattr(engine, "searching", ()):
        return True
    return engine.store.leases.fence(search_lease(search_id), engine.holder, FETCH_LEASE)


# -- the heartbeat -----------------------------------------------------------------------


async def heartbeat(engine: Engine, interval: float | None = None) -> None:
    """Renew this engine's presence and leases until cancelled."""
    while True:
        try:
            engine.store.presence.touch(engine.holder)
            engine.store.leases.renew_all(engine.holder, FETCH_LEASE)
        except InboxError as exc:  # a busy or full database: try at the next beat
            log.warning("heartbeat failed: %s", exc)
        await asyncio.sleep(interval if interval is not None else BEAT)
