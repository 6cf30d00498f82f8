"""The demo's Bluesky recording in the real API's payload shape, replayed through the adapter.

to_api() turns the normalized recording (resources/demo/bluesky.json) into what a
PDS answers: notifications with raw post records and facets on UTF-8 byte offsets,
post threads (threadViewPost with parents), chat conversations and messages;
adapter() serves that through networks.bluesky.replay, so the demo's Bluesky
account runs the real adapter, mapping and sync code.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import timedelta
from typing import Any

from inbox.core.clock import Clock, from_iso, to_iso
from inbox.core.models import AccountInfo
from inbox.networks.bluesky import richtext
from inbox.networks.bluesky.adapter import BlueskyAdapter
from inbox.networks.bluesky.replay import RecordedPds
from inbox.networks.bluesky.xrpc import Session

SERVICE = "https://bsky.social"
POST = "app.bsky.feed.post"


def _time(value: str, shift: timedelta) -> str:
    return to_iso(from_iso(value) + shift).replace("+00:00", "Z")


def _profile(author: dict[str, Any]) -> dict[str, Any]:
    return {
        "did": str(author["id"]),
        "handle": str(author["handle"]),
        "displayName": author.get("name", ""),
        "avatar": author.get("avatar_url", ""),
    }


def _uri(item: dict[str, Any]) -> str:
    return f"at://{item['author']['id']}/{POST}/{item['id']}"


def _ref(post: dict[str, Any]) -> dict[str, str]:
    return {"uri": post["uri"], "cid": post["cid"]}


def to_api(data: dict[str, Any], shift: timedelta = timedelta()) -> dict[str, Any]:
    """A normalized recording as {"profile", "notifications", "threads", "convos", "messages"}."""
    info = data["account"]
    me = {"did": info["remote_id"], "handle": info["handle"], "displayName": info["display_name"]}
    streams = data["streams"]
    people = {me["handle"].lower(): me["did"]}
    for item in itertools.chain(*streams.values()):
        people[str(item["author"]["handle"]).lower()] = str(item["author"]["id"])

    def post(item: dict[str, Any]) -> dict[str, Any]:
        text = str(item["text"])
        record: dict[str, Any] = {
            "$type": POST,
            "text": text,
            "createdAt": _time(item["created_at"], shift),
        }
        facets = richtext.facets(text, people)
        if facets:
            record["facets"] = facets
        if item.get("language"):
            record["langs"] = [item["language"]]
        view: dict[str, Any] = {
            "uri": _uri(item),
            "cid": f"bafyreidemo{item['id']}",
            "author": _profile(item["author"]),
            "record": record,
            "indexedAt": record["createdAt"],
        }
        if item.get("media"):
            view["embed"] = {
                "$type": "app.bsky.embed.images#view",
                "images": [
                    {
                        "fullsize": m.get("url", ""),
                        "thumb": m.get("preview_url", ""),
                        "alt": m.get("description", ""),
                    }
                    for m in item["media"]
                ],
            }
        return view

    threads: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in sorted(streams.get("mentions", []), key=lambda i: i["created_at"]):
        threads[str(item["conversation"])].append(item)
    notifications: list[dict[str, Any]] = []
    thread_views: dict[str, Any] = {}
    for chain_items in threads.values():
        chain = [post(item) for item in chain_items]
        # Each post of a conversation answers the one before it, as on the network.
        for before, view in itertools.pairwise(chain):
            view["record"]["reply"] = {"root": _ref(chain[0]), "parent": _ref(before)}
        for n, (item, view) in enumerate(zip(chain_items, chain, strict=True)):
            node: dict[str, Any] = {"$type": "app.bsky.feed.defs#threadViewPost", "post": view}
            parent_node = node
            for ancestor in reversed(chain[:n]):
                parent_node["parent"] = {
                    "$type": "app.bsky.feed.defs#threadViewPost",
                    "post": ancestor,
                }
                parent_node = parent_node["parent"]
            node["replies"] = [
                {"$type": "app.bsky.feed.defs#threadViewPost", "post": later, "replies": []}
                for later in chain[n + 1 :]
            ]
            thread_views[view["uri"]] = node
            if item.get("direction", "in") != "in":
                continue
            reason = item["kind"] if item["kind"] in ("reply", "quote") else "mention"
            notifications.append(
                {
                    "uri": view["uri"],
                    "cid": view["cid"],
                    "author": view["author"],
                    "reason": reason,
                    "record": view["record"],
                    "isRead": False,
                    "indexedAt": view["indexedAt"],
                    "labels": [],
                }
            )
    convos, messages = _chats(streams.get("dms", []), me, shift)
    public = [post(item) for item in data.get("public", [])]  # for searchPosts
    return {
        "public": public,
        "profile": me,
        "notifications": notifications,
        "threads": thread_views,
        "convos": convos,
        "messages": messages,
        "handles": people,
    }


def _chats(
    items: list[dict[str, Any]], me: dict[str, Any], shift: timedelta
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    by_convo: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in sorted(items, key=lambda i: i["created_at"]):
        by_convo[str(item["conversation"])].append(item)
    convos: list[dict[str, Any]] = []
    messages: dict[str, list[dict[str, Any]]] = {}
    revs = itertools.count(1)
    for convo_id, convo_items in by_convo.items():
        members = {me["did"]: me}
        views = []
        for item in convo_items:
            author = _profile(item["author"])
            members.setdefault(author["did"], author)
            views.append(
                {
                    "$type": "chat.bsky.convo.defs#messageView",
                    "id": str(item["id"]),
                    "rev": f"3ldemo{next(revs):07d}",
                    "text": str(item["text"]),
                    "sender": {"did": author["did"]},
                    "sentAt": _time(item["created_at"], shift),
                }
            )
        messages[convo_id] = views[::-1]  # newest first, as getMessages answers
        convos.append(
            {
                "id": convo_id,
                "rev": views[-1]["rev"],
                "members": list(members.values()),
                "lastMessage": views[-1],
                "muted": False,
                "status": "accepted",
                "unreadCount": 1,
            }
        )
    return convos, messages


def adapter(data: dict[str, Any], clock: Clock) -> tuple[AccountInfo, BlueskyAdapter]:
    """The demo account's info and a real BlueskyAdapter talking to its recorded PDS."""
    import httpx

    shift = clock.now() - from_iso(data["recorded_at"])
    server = RecordedPds(to_api(data, shift))
    a = data["account"]
    info = AccountInfo("bluesky", SERVICE, a["remote_id"], a["handle"], a.get("display_name", ""))
    session = Session(a["remote_id"], a["handle"], SERVICE, "demo", "demo")
    http = httpx.AsyncClient(transport=server.transport())
    return info, BlueskyAdapter(
        info,
        session.dumps(),
        http=http,
        clock=clock,
        window_days=3650,
        window_items=100_000,
        page_size=100,
    )
