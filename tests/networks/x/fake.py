"""A fake X API v2 (httpx.MockTransport) serving the recordings in tests/data/x/.

It keeps the state a real server keeps: access tokens that expire, single-use
refresh tokens that rotate, PKCE codes, the posts and DMs we send (so a lookup
after a lost answer finds them), rate-limit headers, and scripted failures.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx

DATA = Path(__file__).resolve().parents[2] / "data" / "x"
HOST = "api.x.test"
ME = "1580000000000000001"
CLIENT_ID = "TGVhZktldHRsZUNsaWVudA"
ACCESS = "QUNDRVNTLXRva2VuLTA"
REFRESH = "UkVGUkVTSC10b2tlbi0w"
RESET_AT = 1_900_000_000  # x-rate-limit-reset (Unix seconds) the fake reports


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def bundle(access: str = ACCESS, refresh: str = REFRESH, expires_at: int | None = None) -> str:
    return json.dumps(
        {
            "access_token": access,
            "refresh_token": refresh,
            "expires_at": expires_at if expires_at is not None else 4_000_000_000,
            "client_id": CLIENT_ID,
        }
    )


@dataclass
class Failure:
    match: Callable[[httpx.Request], bool]
    status: int
    body: Any
    headers: dict[str, str]
    times: int


@dataclass
class FakeX:
    access_tokens: set[str] = field(default_factory=lambda: {ACCESS})
    refresh_tokens: set[str] = field(default_factory=lambda: {REFRESH})
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (challenge, uri)
    requests: list[httpx.Request] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)
    dms: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    new_mentions: bool = False
    search_allowed: bool = True  # False: a plan without recent search (403 client-forbidden)
    new_search_hits: bool = False
    lose_next_answers: int = 0  # the next N POST answers are lost after the server acted
    remaining: int = 9
    limit: int = 10  # x-rate-limit-limit
    url: str = ""  # http://127.0.0.1:PORT while serving() runs
    muted: set[str] = field(default_factory=set)
    hidden: set[str] = field(default_factory=set)
    _ids: Any = field(default_factory=lambda: itertools.count(1860000000000000900))
    _tokens: Any = field(default_factory=lambda: itertools.count(1))

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport())

    @contextlib.contextmanager
    def serving(self) -> Iterator[str]:
        """This fake on a real socket (127.0.0.1, a random port): yields http://127.0.0.1:PORT,
        the "instance" to give `accounts add x --instance`. Requests are served one at a time
        (the state is not thread-safe; X's own answers do not interleave either)."""
        from tests.servers.loopback import serve

        lock = threading.Lock()

        def handle(request: httpx.Request) -> httpx.Response:
            with lock:
                return self.handle(request)

        with serve(handle) as url:
            self.url = url
            try:
                yield url
            finally:
                self.url = ""

    def fail(
        self,
        match: Callable[[httpx.Request], bool],
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        self.failures.append(Failure(match, status, body, headers or {}, times))

    def to(self, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == path]

    # -- OAuth ------------------------------------------------------------------------

    def approve(self, challenge: str, redirect_uri: str) -> str:
        """What the consent page does when the user clicks Authorize: a one-time code."""
        code = f"code-{next(self._tokens)}"
        self.codes[code] = (challenge, redirect_uri)
        return code

    def _issue(self) -> dict[str, Any]:
        n = next(self._tokens)
        access, refresh = f"access-{n}", f"refresh-{n}"
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        body = load("token.json")
        body.update(access_token=access, refresh_token=refresh)
        return body

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        bad = {
            "error": "invalid_request",
            "error_description": "Value passed for the token was invalid.",
        }
        if form.get("client_id") != CLIENT_ID:
            return httpx.Response(401, json={"error": "unauthorized_client"})
        if form.get("grant_type") == "authorization_code":
            code = self.codes.pop(form.get("code", ""), None)
            if code is None:
                return httpx.Response(400, json=bad)
            challenge, uri = code
            verifier = form.get("code_verifier", "").encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
            if digest.decode() != challenge or form.get("redirect_uri") != uri:
                return httpx.Response(400, json=bad)
            return httpx.Response(200, json=self._issue())
        if form.get("grant_type") == "refresh_token":
            old = form.get("refresh_token", "")
            if old not in self.refresh_tokens:
                return httpx.Response(400, json=bad)
            self.refresh_tokens.discard(old)  # single use: rotated
            return httpx.Response(200, json=self._issue())
        return httpx.Response(400, json=bad)

    # -- API --------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/2/oauth2/token":
            return self._token(request)
        for failure in self.failures:
            if failure.times > 0 and failure.match(request):
                failure.times -= 1
                return httpx.Response(failure.status, json=failure.body, headers=failure.headers)
        auth = request.headers.get("Authorization", "")
        if auth.removeprefix("Bearer ") not in self.access_tokens:
            return httpx.Response(401, json=load("problem_unauthorized.json"))
        response = self._route(request)
        if request.method == "POST" and self.lose_next_answers > 0:
            self.lose_next_answers -= 1
            raise httpx.ReadTimeout("the answer was lost", request=request)
        self.remaining = max(0, self.remaining - 1)
        response.headers.update(
            {
                "x-rate-limit-limit": str(self.limit),
                "x-rate-limit-remaining": str(self.remaining),
                "x-rate-limit-reset": str(RESET_AT),
            }
        )
        return response

    def _route(self, request: httpx.Request) -> httpx.Response:
        path, q = request.url.path, request.url.params
        if path == "/2/users/me":
            return httpx.Response(200, json=load("users_me.json"))
        if path == f"/2/users/{ME}/mentions":
            if q.get("since_id"):
                name = "mentions_new.json" if self.new_mentions else "mentions_empty.json"
                return httpx.Response(200, json=load(name))
            token = q.get("pagination_token")
            return httpx.Response(
                200, json=load("mentions_page2.json" if token else "mentions_page1.json")
            )
        if path == "/2/tweets/search/recent":
            if not self.search_allowed:
                return httpx.Response(403, json=load("problem_client_forbidden.json"))
            if q.get("next_token"):
                return httpx.Response(200, json=load("search_recent_page2.json"))
            if q.get("since_id"):
                name = "search_recent_new.json" if self.new_search_hits else "mentions_empty.json"
                return httpx.Response(200, json=load(name))
            return httpx.Response(200, json=load("search_recent.json"))
        if path == "/2/dm_events":
            token = q.get("pagination_token")
            return httpx.Response(
                200, json=load("dm_events_page2.json" if token else "dm_events.json")
            )
        if path == "/2/tweets" and request.method == "POST":
            body = json.loads(request.content)
            tweet = {"id": str(next(self._ids)), "text": body["text"], "edit_history_tweet_ids": []}
            tweet["edit_history_tweet_ids"] = [tweet["id"]]
            stored = dict(tweet, author_id=ME)
            reply = body.get("reply") or {}
            if reply.get("in_reply_to_tweet_id"):
                stored["referenced_tweets"] = [
                    {"type": "replied_to", "id": reply["in_reply_to_tweet_id"]}
                ]
            if body.get("media"):
                stored["attachments"] = {"media_keys": body["media"]["media_ids"]}
            self.posts.insert(0, stored)
            return httpx.Response(201, json={"data": tweet})
        if path == f"/2/users/{ME}/tweets":
            data = [
                {
                    k: v
                    for k, v in p.items()
                    if k in ("id", "text", "referenced_tweets", "edit_history_tweet_ids")
                }
                for p in self.posts[: int(q.get("max_results", "10"))]
            ]
            meta: dict[str, Any] = {"result_count": len(data)}
            if data:
                meta.update(newest_id=data[0]["id"], oldest_id=data[-1]["id"])
                return httpx.Response(200, json={"data": data, "meta": meta})
            return httpx.Response(200, json={"meta": meta})
        if path.startswith("/2/dm_conversations/") and path.endswith("/messages"):
            conversation = path.split("/")[3]
            body = json.loads(request.content)
            event_id = str(next(self._ids))
            self.dms.insert(
                0,
                {
                    "id": event_id,
                    "event_type": "MessageCreate",
                    "text": body.get("text", ""),
                    "sender_id": ME,
                    "dm_conversation_id": conversation,
                    "created_at": "2026-11-28T13:00:00.000Z",
                },
            )
            return httpx.Response(
                201, json={"data": {"dm_conversation_id": conversation, "dm_event_id": event_id}}
            )
        if path.startswith("/2/dm_conversations/") and path.endswith("/dm_events"):
            conversation = path.split("/")[3]
            data = [e for e in self.dms if e["dm_conversation_id"] == conversation]
            return httpx.Response(
                200,
                json={"data": data, "meta": {"result_count": len(data)}}
                if data
                else {"meta": {"result_count": 0}},
            )
        if path == "/2/media/upload":
            media_id = str(next(self._ids))
            self.media[media_id] = {"upload": request.content}
            return httpx.Response(
                200,
                json={
                    "data": {
                        "id": media_id,
                        "media_key": f"3_{media_id}",
                        "size": len(request.content),
                        "expires_after_secs": 86400,
                        "image": {"image_type": "image/png", "w": 1, "h": 1},
                    }
                },
            )
        if path == f"/2/users/{ME}/muting" and request.method == "POST":
            self.muted.add(json.loads(request.content)["target_user_id"])
            return httpx.Response(200, json=load("muting.json"))
        if path.startswith(f"/2/users/{ME}/muting/") and request.method == "DELETE":
            self.muted.discard(path.rsplit("/", 1)[1])
            return httpx.Response(200, json=load("unmuting.json"))
        if path.startswith("/2/tweets/") and path.endswith("/hidden") and request.method == "PUT":
            tweet_id = path.split("/")[3]
            if tweet_id not in {t["id"] for t in load("mentions_page1.json")["data"]}:
                return httpx.Response(403, json=load("problem_hide_not_own_conversation.json"))
            hide = json.loads(request.content)["hidden"]
            (self.hidden.add if hide else self.hidden.discard)(tweet_id)
            return httpx.Response(200, json={"data": {"hidden": hide}})
        if path == "/2/media/metadata":
            body = json.loads(request.content)
            self.media.setdefault(body["id"], {})["alt_text"] = body["metadata"]["alt_text"]["text"]
            return httpx.Response(200, json=_metadata_answer(body))
        return httpx.Response(
            404,
            json={
                "title": "Not Found Error",
                "type": "https://api.twitter.com/2/problems/resource-not-found",
                "detail": f"No route {path}",
            },
        )


def _metadata_answer(body: dict[str, Any]) -> dict[str, Any]:
    """POST /2/media/metadata's documented answer: the metadata X associated with the media."""
    return {"data": {"associated_metadata": body["metadata"]}}
