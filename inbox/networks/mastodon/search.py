"""Monitoring search on Mastodon: hashtag timelines and full-text status search.

- #hashtags: ``GET /api/v1/timelines/tag/:hashtag`` (public posts the server knows
  with that tag; works on every server). A tag the server never saw answers 404:
  nothing found.
- words, names, phrases: ``GET /api/v2/search?type=statuses&q=…`` (``resolve=false``).
  Full-text search needs the server's Elasticsearch/OpenSearch, and even then only
  covers posts whose authors opted in to being found (4.2+). A server without it
  answers with no statuses; the first fetch that finds nothing for a word says so
  (Page.note), since the API has no flag that tells.

Several hashtags are folded into one call: ``GET /api/v1/timelines/tag/:lead?any[]=b&any[]=c``
returns the public posts carrying any of them (Mastodon's TagFeed, 3.0+). Two server
facts shape it (app/models/tag_feed.rb, app/controllers/api/v1/timelines/tag_controller.rb):
the server reads at most 4 tags per call (``LIMIT_PER_MODE``: the path's and ``any[]``
together), so hashtags go in groups of 4; and a path tag the server does not know answers
404 (older servers) or an empty list (current ones) whatever the ``any[]`` tags would find,
so a group's lead must be a tag the server knows. Until one is known (the first fetch, or
while none of the group's tags has posts) each tag is asked alone, as before; the first
one that answers with posts becomes the group's lead, and every later fetch of the group
is one call. A lead that answers 404 goes back to asking each tag alone.

Cursor (JSON): the newest status id seen per call, ``{"tag:<name>": id, "q:<word>": id,
"tags:<a|b|c>": id, "lead:<a|b|c>": "b"}``. The first fetch takes the newest page (40) of
each term; later ones ask ``min_id`` (results immediately newer), so more than a page of
news arrives over several calls and nothing is skipped. Ids newer than the stored one only
(a server that ignores ``min_id`` repeats nothing). Reblogs and our own posts are left out.
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


FOLD = 4  # TagFeed::LIMIT_PER_MODE: tags the server reads per call (path + any[])


async def search(adapter: MastodonAdapter, spec: SearchSpec, cursor: str | None) -> Page[Message]:
    state = _state(cursor)
    found = _Found(adapter)
    host = domain_of(adapter.api.base)
    for tags in _groups(spec.hashtags):
        await _ask_tags(adapter, state, found, tags)
    for key, term, path, params in _calls(spec):
        first = key not in state
        statuses, newest = await _ask(adapter, state, key, path, params)
        if not statuses and first:
            found.notes.append(
                f"{host} found no posts for “{term}”: this server may not offer full-text "
                "search (#hashtags always work)"
            )
        found.take(state, key, statuses or [], newest)
    ordered = sorted(found.items.values(), key=lambda m: mapping.id_key(m.remote_id))
    return Page(
        tuple(ordered),
        json.dumps(state, sort_keys=True),
        more=found.more,
        rejected=tuple(found.rejected),
        note="; ".join(found.notes),
    )


class _Found:
    """What the calls of one fetch found: messages, rejects, notes, whether more wait."""

    def __init__(self, adapter: MastodonAdapter) -> None:
        self.adapter = adapter
        self.items: dict[str, Message] = {}
        self.rejected: list[tuple[str, str]] = []
        self.notes: list[str] = []
        self.more = False

    def take(
        self, state: dict[str, Any], key: str, statuses: list[dict[str, Any]], newest: Any
    ) -> bool:
        """Keep what is newer than newest; move state[key] on. True when a page was full."""
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
        full = isinstance(newest, str) and len(fresh) >= PAGE
        self.more = self.more or full  # more news than one page: min_id walks on from here
        for status in fresh:
            if status.get("reblog") or _ours(status, self.adapter):
                continue
            try:
                message = mapping.status_message(
                    status, self.adapter.me, Kind.MONITORING, conversation_key(status)
                )
            except BadPayload as exc:
                self.rejected.append((str(exc), mapping.dump(status)))
                continue
            self.items.setdefault(message.remote_id, message)
        state.setdefault(key, None)  # asked once (the note is said once)
        return full


async def _ask(
    adapter: MastodonAdapter,
    state: dict[str, Any],
    key: str,
    path: str,
    params: list[tuple[str, str]],
    floor: Any = None,
) -> tuple[list[dict[str, Any]] | None, Any]:
    """One call after the newest id stored under key (or floor, if newer): (statuses or
    None for a tag the server does not know, the newest id it was asked after)."""
    newest = state.get(key)
    if isinstance(floor, str) and (
        not isinstance(newest, str) or mapping.id_key(floor) > mapping.id_key(newest)
    ):
        newest = floor
    if isinstance(newest, str):
        params = [*params, ("min_id", newest)]
    try:
        response = await adapter.api.request("GET", path, params=params)
    except RemoteRejected as exc:
        if exc.status == 404 and path.startswith(TAG_PATH):
            return None, newest  # a hashtag nobody used on this server yet
        raise
    body = response.body
    raw = body.get("statuses") if isinstance(body, dict) else body
    return ([s for s in raw if isinstance(s, dict)] if isinstance(raw, list) else []), newest


async def _ask_tags(
    adapter: MastodonAdapter, state: dict[str, Any], found: _Found, tags: tuple[str, ...]
) -> None:
    """One group of up to FOLD hashtags: one call with a known lead, else one per tag."""
    names = [t.casefold() for t in tags]
    group = "|".join(names)
    lead = state.get(f"lead:{group}")
    if len(tags) > 1 and lead in names:
        others = [t for t in tags if t.casefold() != lead]
        params = [*(("any[]", t) for t in others), ("limit", str(PAGE))]
        statuses, newest = await _ask(adapter, state, f"tags:{group}", _tag_path(lead), params)
        if statuses is None:  # the lead is gone: ask each tag alone from here on
            state.pop(f"lead:{group}", None)
            statuses = []
        found.take(state, f"tags:{group}", statuses, newest)
        return
    answered: str | None = None
    full = False
    for tag in tags:
        key = f"tag:{tag.casefold()}"
        params = [("limit", str(PAGE))]
        statuses, newest = await _ask(
            adapter, state, key, _tag_path(tag), params, floor=state.get(f"tags:{group}")
        )
        full = found.take(state, key, statuses or [], newest) or full
        if statuses and answered is None:
            answered = tag.casefold()
    if len(tags) > 1 and answered is not None and not full:
        # The server knows this tag: from the next fetch on, the group is one call, after
        # the newest post any of its tags has shown (none is catching up a backlog).
        state[f"lead:{group}"] = answered
        tops = [state.get(f"tag:{n}") for n in names] + [state.get(f"tags:{group}")]
        ids = [t for t in tops if isinstance(t, str)]
        if ids:
            state[f"tags:{group}"] = mapping.newest(ids)


TAG_PATH = "/api/v1/timelines/tag/"


def _tag_path(tag: str) -> str:
    return f"{TAG_PATH}{quote(tag, safe='')}"


def _groups(hashtags: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The hashtags in groups of FOLD, in the order typed, each name once."""
    first: dict[str, str] = {}
    for tag in hashtags:
        first.setdefault(tag.casefold(), tag)
    kept = list(first.values())
    return [tuple(kept[i : i + FOLD]) for i in range(0, len(kept), FOLD)]


def _calls(spec: SearchSpec) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    """(cursor key, term as typed, path, query) for each word (hashtags: _ask_tags)."""
    calls: list[tuple[str, str, str, list[tuple[str, str]]]] = []
    for word in spec.words:
        params = [("q", word), ("type", "statuses"), ("resolve", "false"), ("limit", str(PAGE))]
        calls.append((f"q:{word.casefold()}", word, "/api/v2/search", params))
    return calls


def _ours(status: dict[str, Any], adapter: MastodonAdapter) -> bool:
    account = status.get("account")
    return isinstance(account, dict) and account.get("id") == adapter.me.remote_id
