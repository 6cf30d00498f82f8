"""Monitoring search on Mastodon: hashtag timelines and full-text status search.

- #hashtags: ``GET /api/v1/timelines/tag/:hashtag`` (public posts the server knows
  with that tag; works on every server). A tag the server never saw answers 404:
  nothing found.
- words, names, phrases: ``GET /api/v2/search?type=statuses&q=…`` (``resolve=false``).
  Full-text search needs the server's Elasticsearch/OpenSearch, and even then only
  covers posts whose authors opted in to being found (4.2+). A server without it
  answers with no statuses; the first fetch that finds nothing for a word says so
  (Page.note), since the API has no flag that tells.

Cursor (JSON): the newest status id seen per term, ``{"tag:<name>": id, "q:<word>": id}``.
The first fetch takes the newest page (40) of each term; later ones ask ``min_id``
(results immediately newer), so more than a page of news arrives over several calls
and nothing is skipped. Ids newer than the stored one only (a server that ignores
``min_id`` repeats nothing). Reblogs and our own posts are left out.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from inbox.core.errors import BadPayload, RemoteRejected
from inbox.core.models import Kind, Message
from inbox.networks.base import Page
from inbox.networks.base import cursor_state as _state
from inbox.networks.mastodon import mapping
from inbox.networks.mastodon.api import domain_of

if TYPE_CHECKING:
    from inbox.core.monitoring import SearchSpec
    from inbox.networks.mastodon.adapter import MastodonAdapter

PAGE = 40


def conversation_key(status: dict[str, Any]) -> str:
    """A post that starts a thread is that thread (a later mention in it joins it)."""
    parent = status.get("in_reply_to_id")
    return f"thread:{status['id']}" if not isinstance(parent, str) else f"post:{status['id']}"


async def search(adapter: MastodonAdapter, spec: SearchSpec, cursor: str | None) -> Page[Message]:
    state = _state(cursor)
    items: dict[str, Message] = {}
    rejected: list[tuple[str, str]] = []
    notes: list[str] = []
    more = False
    host = domain_of(adapter.api.base)
    for key, term, path, params in _calls(spec):
        first = key not in state
        newest = state.get(key)
        if isinstance(newest, str):
            params.append(("min_id", newest))
        try:
            response = await adapter.api.request("GET", path, params=params)
        except RemoteRejected as exc:
            if exc.status == 404 and key.startswith("tag:"):
                continue  # a hashtag nobody used on this server yet
            raise
        body = response.body
        raw = body.get("statuses") if isinstance(body, dict) else body
        statuses = [s for s in raw if isinstance(s, dict)] if isinstance(raw, list) else []
        if not statuses and first and key.startswith("q:"):
            notes.append(
                f"{host} found no posts for “{term}”: this server may not offer full-text "
                "search (#hashtags always work)"
            )
        ids = [s["id"] for s in statuses if isinstance(s.get("id"), str)]
        fresh = [
            s
            for s in statuses
            if isinstance(s.get("id"), str)
            and (not isinstance(newest, str) or mapping.id_key(s["id"]) > mapping.id_key(newest))
        ]
        if ids:
            top = mapping.newest(ids)
            if not isinstance(newest, str) or mapping.id_key(top) > mapping.id_key(newest):
                state[key] = top
        if isinstance(newest, str) and len(fresh) >= PAGE:
            more = True  # more news than one page: min_id walks on from here
        for status in fresh:
            if status.get("reblog") or _ours(status, adapter):
                continue
            try:
                message = mapping.status_message(
                    status, adapter.me, Kind.MONITORING, conversation_key(status)
                )
            except BadPayload as exc:
                rejected.append((str(exc), mapping.dump(status)))
                continue
            items.setdefault(message.remote_id, message)
        state.setdefault(key, None)  # asked once (the note is said once)
    ordered = sorted(items.values(), key=lambda m: mapping.id_key(m.remote_id))
    return Page(
        tuple(ordered),
        json.dumps(state, sort_keys=True),
        more=more,
        rejected=tuple(rejected),
        note="; ".join(notes),
    )


def _calls(spec: SearchSpec) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    """(cursor key, term as typed, path, query) for each term."""
    calls: list[tuple[str, str, str, list[tuple[str, str]]]] = []
    for tag in spec.hashtags:
        path = f"/api/v1/timelines/tag/{quote(tag, safe='')}"
        calls.append((f"tag:{tag.casefold()}", f"#{tag}", path, [("limit", str(PAGE))]))
    for word in spec.words:
        params = [("q", word), ("type", "statuses"), ("resolve", "false"), ("limit", str(PAGE))]
        calls.append((f"q:{word.casefold()}", word, "/api/v2/search", params))
    return calls


def _ours(status: dict[str, Any], adapter: MastodonAdapter) -> bool:
    account = status.get("account")
    return isinstance(account, dict) and account.get("id") == adapter.me.remote_id
