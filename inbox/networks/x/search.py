"""Monitoring search on X: ``GET /2/tweets/search/recent`` (the last 7 days).

The terms become one query: ``("green tea" OR #leafkettle OR kettleco) -spam
-is:retweet`` (exclusions as ``-term``, so they cost no reads), with the same
fields and expansions as mentions. Paging: ``since_id`` from the cursor and
``next_token`` (this endpoint's name for it) to the end of the run; the cursor's
``since`` becomes the run's first ``meta.newest_id`` only on its last page, so a
failure re-fetches rather than skips. The first fetch takes one page.

Plans: recent search was not in the legacy Free tier; a 403 ``client-forbidden``
(TierRequired) becomes "your X plan does not include search" on the column, and
the adapter does not ask again for an hour. Like every X feed it is polled at most
every ``poll_interval`` (15 min), to spare the monthly read cap.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

from inbox.core.errors import BadPayload, RemoteRejected
from inbox.core.models import Kind, Message
from inbox.networks.base import Page
from inbox.networks.base import cursor_state as _state
from inbox.networks.x import mapping
from inbox.networks.x.api import TierRequired
from inbox.networks.x.mapping import Includes

if TYPE_CHECKING:
    from inbox.core.monitoring import SearchSpec
    from inbox.networks.x.adapter import XAdapter

PAGE = 100
MAX_QUERY = 512  # characters of a query on the self-serve plans
NO_SEARCH = (
    "your X plan does not include search (recent search needs the Basic plan or higher, "
    "or pay-per-use credits)"
)
OFF_FOR = 3600.0  # seconds before a refused search is asked again


def query(spec: SearchSpec) -> str:
    """The X search query for spec: any term, none of the exclusions, no reposts."""

    def term(t: str) -> str:
        if t.startswith("#") or (" " not in t and t.replace("_", "").isalnum()):
            return t
        return '"' + t.replace('"', "") + '"'

    anyof = " OR ".join(term(t) for t in spec.terms)
    text = f"({anyof})" if len(spec.terms) > 1 else anyof
    for t in spec.exclude:
        text += f" -{term(t)}"
    text += " -is:retweet"
    if len(text) > MAX_QUERY:
        raise RemoteRejected(
            f"X: the search is longer than {MAX_QUERY} characters; use fewer terms"
        )
    return text


async def search(adapter: XAdapter, spec: SearchSpec, cursor: str | None) -> Page[Message]:
    from inbox.networks.x.adapter import EXPANSIONS, MEDIA_FIELDS, TWEET_FIELDS, USER_FIELDS

    state = _state(cursor)
    now = adapter.clock.now().timestamp()
    if adapter.search_off_until > now:
        raise TierRequired(NO_SEARCH, 403)
    starting = not state.get("next")
    last = adapter.polled.get("search")
    if starting and cursor is not None and last is not None and now - last < adapter.poll_interval:
        return Page((), cursor, more=False)  # polled recently: spare the read cap
    if starting:
        adapter.polled["search"] = now
    params: dict[str, str] = {
        "query": query(spec),
        "max_results": str(PAGE),
        "tweet.fields": TWEET_FIELDS,
        "expansions": EXPANSIONS,
        "user.fields": USER_FIELDS,
        "media.fields": MEDIA_FIELDS,
    }
    if state.get("since"):
        params["since_id"] = str(state["since"])
    if state.get("next"):
        params["next_token"] = str(state["next"])
    try:
        response = await adapter.api.request(
            "GET", "/2/tweets/search/recent", endpoint="search", params=params
        )
    except TierRequired as exc:
        adapter.search_off_until = now + OFF_FOR
        raise TierRequired(f"{NO_SEARCH} ({exc})", 403) from exc
    body = response.body
    data = body.get("data") if isinstance(body, dict) else None
    meta = body.get("meta") if isinstance(body, dict) else None
    meta = meta if isinstance(meta, dict) else {}
    includes = Includes.of(body)
    me = adapter.info.remote_id
    items: list[Message] = []
    rejected: list[tuple[str, str]] = []
    for tweet in data if isinstance(data, list) else []:
        if isinstance(tweet, dict) and tweet.get("author_id") == me:
            continue  # our own post
        try:
            message = mapping.tweet_message(tweet, includes, me)
        except BadPayload as exc:
            rejected.append((str(exc), mapping.dump(tweet)))
            continue
        items.append(dataclasses.replace(message, kind=Kind.MONITORING))
    newest = meta.get("newest_id") if isinstance(meta.get("newest_id"), str) else None
    top = state.get("top") or _newer(newest, state.get("since"))
    next_token = meta.get("next_token") if isinstance(meta.get("next_token"), str) else None
    items.sort(key=lambda m: mapping.id_key(m.remote_id))
    if next_token and state.get("since"):
        new = {"since": state.get("since"), "top": top, "next": next_token}
        return Page(tuple(items), json.dumps(new), more=True, rejected=tuple(rejected))
    done = {"since": top, "top": None, "next": None}
    return Page(tuple(items), json.dumps(done), more=False, rejected=tuple(rejected))


def _newer(a: Any, b: Any) -> str | None:
    ids = [x for x in (a, b) if isinstance(x, str) and x]
    return max(ids, key=mapping.id_key) if ids else None
