"""Monitoring search on Bluesky: ``app.bsky.feed.searchPosts`` (the AppView's index).

One query per term (``q`` as typed: words, "phrases", #hashtags; ``sort=latest``),
newest first, paged with the server's ``cursor``. Cursor (JSON), per term:
``{"q:<term>": {"hw": newest indexedAt stored, "cur": server cursor while catching
up, "top": newest seen while catching up}}``. The first fetch takes one page
(the newest ``PAGE``); later ones read from the newest page down to ``hw``, so
nothing between two fetches is skipped; ``cur`` survives a restart mid-walk.

Each post is keyed like a mention's thread (``thread:<root uri>``): a later mention
in the same thread joins the same conversation. Our own posts are left out.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from inbox.core.clock import from_iso, to_iso
from inbox.core.errors import BadPayload
from inbox.core.models import Kind, Message
from inbox.networks.base import Page
from inbox.networks.base import cursor_state as _state
from inbox.networks.bluesky import mapping

if TYPE_CHECKING:
    from inbox.core.monitoring import SearchSpec
    from inbox.networks.bluesky.adapter import BlueskyAdapter

PAGE = 50
MAX_PAGES = 10  # one fetch catches up at most this many pages per term


async def search(adapter: BlueskyAdapter, spec: SearchSpec, cursor: str | None) -> Page[Message]:
    state = _state(cursor)
    items: dict[str, Message] = {}
    rejected: list[tuple[str, str]] = []
    more = False
    for term in spec.terms:
        key = f"q:{term.casefold()}"
        entry = state.get(key) if isinstance(state.get(key), dict) else None
        found, bad, entry, again = await _term(adapter, term, entry)
        state[key] = entry
        more = more or again
        rejected += bad
        for message in found:
            items.setdefault(message.remote_id, message)
    ordered = sorted(items.values(), key=lambda m: m.created_at)
    return Page(
        tuple(ordered), json.dumps(state, sort_keys=True), more=more, rejected=tuple(rejected)
    )


async def _term(
    adapter: BlueskyAdapter, term: str, entry: dict[str, Any] | None
) -> tuple[list[Message], list[tuple[str, str]], dict[str, Any], bool]:
    """One page of one term: (messages, rejected, the term's new cursor, more)."""
    params: list[tuple[str, str]] = [("q", term), ("sort", "latest"), ("limit", str(PAGE))]
    if entry and entry.get("cur"):
        params.append(("cursor", str(entry["cur"])))
    body = await adapter.xrpc.get("app.bsky.feed.searchPosts", params)
    raw = body.get("posts") if isinstance(body, dict) else None
    posts = [p for p in raw if isinstance(p, dict)] if isinstance(raw, list) else []
    server = body.get("cursor") if isinstance(body, dict) else None
    server = server if isinstance(server, str) and server else None
    hw = _when((entry or {}).get("hw"))
    newest: datetime | None = _when((entry or {}).get("top"))
    reached = False
    messages: list[Message] = []
    rejected: list[tuple[str, str]] = []
    for post in posts:
        at = _when(post.get("indexedAt"))
        if at is not None and (newest is None or at > newest):
            newest = at
        if hw is not None and at is not None and at <= hw:
            reached = True  # what an earlier fetch stored
            continue
        author = post.get("author")
        if isinstance(author, dict) and author.get("did") == adapter.me.did:
            continue
        try:
            messages.append(mapping.post_message(post, adapter.me, Kind.MONITORING, _key(post)))
        except BadPayload as exc:
            rejected.append((str(exc), mapping.dump(post)))
    top = to_iso(newest) if newest is not None else (entry or {}).get("hw")
    if top is None:  # nothing yet: later fetches keep what is newer than this one
        top = to_iso(adapter.clock.now())
    pages = int((entry or {}).get("pages") or 0) + 1
    if entry is None or reached or server is None or not posts or pages >= MAX_PAGES:
        return messages, rejected, {"hw": top}, False
    # Still newer than what we had: walk on from the server's cursor next call.
    return (
        messages,
        rejected,
        {"hw": entry.get("hw"), "cur": server, "top": top, "pages": pages},
        True,
    )


def _key(post: dict[str, Any]) -> str:
    root, _ = mapping.reply_refs(post.get("record"))
    return f"thread:{root or post.get('uri')}"


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return from_iso(value)
    except ValueError:
        return None
