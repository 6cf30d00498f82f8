"""The demo's X recording in the API v2 payload shape, replayed through the real adapter.

to_api() turns the normalized recording (resources/demo/x.json) into what X
answers: the users/me object, mention timeline posts with ``includes.users``,
``referenced_tweets``, ``conversation_id`` and ``public_metrics``, and DM events
with ``dm_conversation_id`` and participants. RecordedX serves them the way the
v2 API documents it (newest first, ``max_results``, ``meta.next_token`` /
``pagination_token``, ``since_id``, ``meta.newest_id``; an empty page has no
``data``), and accepts posts and DMs, so the demo's X account runs the real
adapter, mapping and sync code. It is the network's Capabilities.demo.

One liberty: our own replies in a mention thread are served in the mentions
timeline (X would only show them in the conversation), so the demo's threads
keep both sides.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, timedelta
from typing import Any

import httpx

from inbox.core.clock import Clock, from_iso
from inbox.core.models import AccountInfo
from inbox.networks.x.adapter import XAdapter
from inbox.networks.x.mapping import id_key

DEMO_TOKEN = json.dumps({"access_token": "demo", "refresh_token": "", "client_id": "demo"})
PAGE = 100


def _time(value: str, shift: timedelta) -> str:
    when = (from_iso(value) + shift).astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _user(author: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(author["id"]),
        "name": author.get("name", ""),
        "username": str(author["handle"]).lstrip("@"),
        "profile_image_url": author.get("avatar_url", ""),
        "public_metrics": {"followers_count": int(author.get("followers") or 0)},
    }


def to_api(data: dict[str, Any], shift: timedelta = timedelta()) -> dict[str, Any]:
    """A normalized recording as {"me", "users", "tweets", "dm_events"} in v2 shapes."""
    info = data["account"]
    me_id = str(info["remote_id"])
    me = {"id": me_id, "name": info.get("display_name", ""), "username": info["handle"]}
    users: dict[str, dict[str, Any]] = {me_id: me}
    tweets = []
    for item in data["streams"].get("mentions", []):
        author = _user(item["author"]) if item.get("direction", "in") == "in" else me
        users[author["id"]] = author
        tweet: dict[str, Any] = {
            "id": str(item["id"]),
            "text": item["text"],
            "author_id": author["id"],
            "created_at": _time(item["created_at"], shift),
            "conversation_id": str(item["conversation"]),
            "lang": item.get("language") or "en",
            "edit_history_tweet_ids": [str(item["id"])],
        }
        refs = []
        if item.get("in_reply_to"):
            refs.append({"type": "replied_to", "id": str(item["in_reply_to"])})
        if item.get("kind") == "quote":
            refs.append({"type": "quoted", "id": str(item["conversation"])})
        if refs:
            tweet["referenced_tweets"] = refs
        if item.get("kind") == "reply" and item.get("direction", "in") == "in":
            tweet["in_reply_to_user_id"] = me_id
        if item.get("direction", "in") == "in":
            tweet["entities"] = {
                "mentions": [{"start": 0, "end": 0, "username": me["username"], "id": me_id}]
            }
        tweets.append(tweet)
    customers: dict[str, str] = {}  # recording conversation -> the customer's id
    for item in data["streams"].get("dms", []):
        if item.get("direction", "in") == "in":
            customers.setdefault(str(item["conversation"]), str(item["author"]["id"]))
    events = []
    for item in data["streams"].get("dms", []):
        inbound = item.get("direction", "in") == "in"
        sender = _user(item["author"]) if inbound else me
        users[sender["id"]] = sender
        customer = customers.get(str(item["conversation"]), sender["id"])
        pair = sorted((me_id, customer), key=id_key)
        events.append(
            {
                "id": str(item["id"]),
                "event_type": "MessageCreate",
                "text": item["text"],
                "sender_id": sender["id"],
                "dm_conversation_id": f"{pair[0]}-{pair[1]}",
                "created_at": _time(item["created_at"], shift),
                "participant_ids": pair,
            }
        )
    public = []
    for item in data.get("public", []):  # found by the demo's search column, not to us
        author = _user(item["author"])
        users[author["id"]] = author
        public.append(
            {
                "id": str(item["id"]),
                "text": item["text"],
                "author_id": author["id"],
                "created_at": _time(item["created_at"], shift),
                "conversation_id": str(item["id"]),
                "lang": item.get("language") or "en",
                "edit_history_tweet_ids": [str(item["id"])],
            }
        )
    by_id = lambda x: id_key(x["id"])  # noqa: E731
    return {
        "public": sorted(public, key=by_id, reverse=True),
        "me": me,
        "users": users,
        "tweets": sorted(tweets, key=by_id, reverse=True),
        "dm_events": sorted(events, key=by_id, reverse=True),
    }


class RecordedX:
    """Answers the adapter's requests from to_api()'s payloads."""

    def __init__(self, api: dict[str, Any]) -> None:
        self.me = api["me"]
        self.users: dict[str, dict[str, Any]] = api["users"]
        self.tweets: list[dict[str, Any]] = api["tweets"]
        self.events: list[dict[str, Any]] = api["dm_events"]
        self.own: list[dict[str, Any]] = []
        self.public: list[dict[str, Any]] = api.get("public", [])
        self._ids = itertools.count(1_900_000_000_000_000_000)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path, q = request.url.path, request.url.params
        me = self.me["id"]
        if path == "/2/users/me":
            return httpx.Response(200, json={"data": self.me})
        if path == f"/2/users/{me}/mentions":
            found = self.tweets
            if q.get("since_id"):
                found = [t for t in found if id_key(t["id"]) > id_key(q["since_id"])]
            return self._page(found, q, "author_id", newest=True)
        if path == "/2/dm_events":
            return self._page(self.events, q, "sender_id", newest=False)
        if path == "/2/tweets/search/recent":
            found = [t for t in self.public if _matches(str(q.get("query", "")), t["text"])]
            if q.get("since_id"):
                found = [t for t in found if id_key(t["id"]) > id_key(q["since_id"])]
            return self._page(found, q, "author_id", newest=True)
        if path == f"/2/users/{me}/tweets":
            return self._page(self.own, q, "author_id", newest=True)
        if path == "/2/tweets" and request.method == "POST":
            body = json.loads(request.content)
            tweet = {"id": str(next(self._ids)), "text": body.get("text", "")}
            reply = (body.get("reply") or {}).get("in_reply_to_tweet_id")
            own = dict(tweet, author_id=me)
            if reply:
                own["referenced_tweets"] = [{"type": "replied_to", "id": reply}]
            self.own.insert(0, own)
            return httpx.Response(
                201, json={"data": dict(tweet, edit_history_tweet_ids=[tweet["id"]])}
            )
        if path.startswith("/2/dm_conversations/") and path.endswith("/messages"):
            conversation = path.split("/")[3]
            event = str(next(self._ids))
            return httpx.Response(
                201, json={"data": {"dm_conversation_id": conversation, "dm_event_id": event}}
            )
        if path.startswith("/2/dm_conversations/") and path.endswith("/dm_events"):
            return httpx.Response(200, json={"meta": {"result_count": 0}})
        return httpx.Response(
            404,
            json={
                "title": "Not Found Error",
                "detail": f"Could not find {path}",
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            },
        )

    def _page(
        self, items: list[dict[str, Any]], q: Any, author_key: str, newest: bool
    ) -> httpx.Response:
        size = max(1, min(100, int(q.get("max_results", PAGE))))
        start = int(str(q.get("pagination_token") or "p0")[1:] or 0)
        chunk = items[start : start + size]
        meta: dict[str, Any] = {"result_count": len(chunk)}
        if not chunk:
            return httpx.Response(200, json={"meta": meta})
        if newest:
            meta.update(newest_id=chunk[0]["id"], oldest_id=chunk[-1]["id"])
        if start + size < len(items):
            meta["next_token"] = f"p{start + size}"
        ids = {i.get(author_key) for i in chunk} | {
            p for i in chunk for p in i.get("participant_ids", [])
        }
        users = [self.users[i] for i in sorted(ids, key=str) if i in self.users]
        return httpx.Response(200, json={"data": chunk, "includes": {"users": users}, "meta": meta})


def _matches(query: str, text: str) -> bool:
    """The part of X's query syntax networks/x/search.py writes: (a OR "b c") -d -is:retweet."""
    words = re.findall(r'(-?)(?:"([^"]+)"|([^\s()]+))', query)
    wanted = [(p or w).lower() for neg, p, w in words if not neg and (p or w) != "OR"]
    unwanted = [(p or w).lower() for neg, p, w in words if neg and not (p or w).startswith("is:")]
    lowered = text.lower()
    return any(w in lowered for w in wanted) and not any(w in lowered for w in unwanted)


def adapter(data: dict[str, Any], clock: Clock) -> tuple[AccountInfo, XAdapter]:
    """The demo account's info and a real XAdapter talking to its recorded API."""
    shift = clock.now() - from_iso(data["recorded_at"])
    server = RecordedX(to_api(data, shift))
    a = data["account"]
    info = AccountInfo(
        "x", a["instance"], str(a["remote_id"]), a["handle"], a.get("display_name", "")
    )
    http = httpx.AsyncClient(transport=server.transport())
    return info, XAdapter(
        info, DEMO_TOKEN, http=http, clock=clock, window_items=100_000, poll_interval=0
    )
