"""A recorded PDS served over httpx.MockTransport: the demo's Bluesky account.

The recording holds payloads in the lexicons' shapes ({"profile", "notifications",
"threads", "convos", "messages"}); this answers the XRPC calls the adapter makes
(listNotifications newest first with cursor/limit/reasons, getPostThread,
chat.bsky.convo.*, createRecord/getRecord with the client's rkey, resolveHandle,
uploadBlob), so the demo runs the real adapter, mapping and sync code offline.
"""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

import httpx


class RecordedPds:
    """Answers XRPC requests from a recording."""

    def __init__(self, recording: dict[str, Any]) -> None:
        self.profile: dict[str, Any] = recording["profile"]
        self.notifications = sorted(
            recording.get("notifications", []), key=lambda n: n["indexedAt"], reverse=True
        )
        self.threads: dict[str, Any] = recording.get("threads", {})
        self.convos: list[dict[str, Any]] = recording.get("convos", [])
        self.messages: dict[str, list[dict[str, Any]]] = recording.get("messages", {})
        self.handles: dict[str, str] = recording.get("handles", {})
        # Public posts the AppView indexes (searchPosts), newest first.
        self.public = sorted(
            recording.get("public", []), key=lambda p: p["indexedAt"], reverse=True
        )
        self.records: dict[str, dict[str, Any]] = {}  # rkey -> record written
        self._ids = itertools.count(1)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.removeprefix("/xrpc/")
        q = request.url.params
        if nsid == "app.bsky.actor.getProfile":
            return _ok(self.profile)
        if nsid == "app.bsky.notification.listNotifications":
            return self._notifications(q)
        if nsid == "app.bsky.feed.getPostThread":
            thread = self.threads.get(q.get("uri", ""))
            if thread is None:
                return _error(400, "NotFound", "Post not found")
            return _ok({"thread": thread})
        if nsid == "app.bsky.feed.searchPosts":
            return self._search(q)
        if nsid == "chat.bsky.convo.listConvos":
            return _ok({"convos": self.convos})
        if nsid == "chat.bsky.convo.getMessages":
            return _ok({"messages": self.messages.get(q.get("convoId", ""), [])})
        if nsid == "chat.bsky.convo.getConvo":
            convo = next((c for c in self.convos if c["id"] == q.get("convoId")), None)
            return _ok({"convo": convo}) if convo else _error(400, "InvalidConvo", "No convo")
        if nsid == "chat.bsky.convo.getLog":
            return _ok({"logs": [], "cursor": q.get("cursor")})
        if nsid == "com.atproto.identity.resolveHandle":
            did = self.handles.get(q.get("handle", "").lower())
            return _ok({"did": did}) if did else _error(400, "HandleNotFound", "Unknown handle")
        if request.method == "POST":
            return self._write(nsid, request)
        if nsid == "com.atproto.repo.listRecords":  # what this session wrote, newest first
            written = sorted(self.records.items(), reverse=True)
            return _ok(
                {
                    "records": [
                        {"uri": r["uri"], "cid": r["cid"], "value": r["value"]} for _, r in written
                    ]
                }
            )
        if nsid == "com.atproto.repo.getRecord":
            rkey = q.get("rkey", "")
            if rkey not in self.records:
                return _error(400, "RecordNotFound", f"Could not locate record: {rkey}")
            return _ok(self.records[rkey])
        return _error(501, "MethodNotImplemented", nsid)

    def _notifications(self, q: httpx.QueryParams) -> httpx.Response:
        reasons = set(q.get_list("reasons"))
        limit = min(int(q.get("limit", "50")), 100)
        items = [n for n in self.notifications if not reasons or n["reason"] in reasons]
        if q.get("cursor"):
            items = [n for n in items if n["indexedAt"] < q["cursor"]]
        page = items[:limit]
        body: dict[str, Any] = {"notifications": copy.deepcopy(page)}
        if len(items) > limit:
            body["cursor"] = page[-1]["indexedAt"]
        return _ok(body)

    def _search(self, q: httpx.QueryParams) -> httpx.Response:
        """searchPosts, sort=latest: posts whose text holds the words (a #tag as a word)."""
        words = q.get("q", "").lower()
        limit = min(int(q.get("limit", "25")), 100)
        items = [p for p in self.public if words and words in p["record"]["text"].lower()]
        if q.get("cursor"):
            items = [p for p in items if p["indexedAt"] < q["cursor"]]
        page = items[:limit]
        body: dict[str, Any] = {"posts": copy.deepcopy(page), "hitsTotal": len(items)}
        if len(items) > limit:
            body["cursor"] = page[-1]["indexedAt"]
        return _ok(body)

    def _write(self, nsid: str, request: httpx.Request) -> httpx.Response:
        if nsid == "com.atproto.repo.uploadBlob":
            size = len(request.content)
            ref = f"bafkreidemo{next(self._ids):08d}"
            mime = request.headers.get("Content-Type", "")
            return _ok(
                {"blob": {"$type": "blob", "ref": {"$link": ref}, "mimeType": mime, "size": size}}
            )
        body = json.loads(request.content or b"{}")
        if nsid == "com.atproto.repo.createRecord":
            rkey = str(body.get("rkey") or f"3ldemo{next(self._ids):07d}")
            uri = f"at://{body['repo']}/{body['collection']}/{rkey}"
            if rkey in self.records:
                return _error(400, "InvalidRequest", "Record already exists")
            self.records[rkey] = {"uri": uri, "cid": f"bafyreidemo{rkey}", "value": body["record"]}
            return _ok({"uri": uri, "cid": f"bafyreidemo{rkey}"})
        if nsid == "chat.bsky.convo.sendMessage":
            message = body.get("message") or {}
            return _ok(
                {
                    "$type": "chat.bsky.convo.defs#messageView",
                    "id": f"3ldemomsg{next(self._ids):05d}",
                    "rev": f"3ldemorev{next(self._ids):05d}",
                    "text": message.get("text", ""),
                    "sender": {"did": self.profile["did"]},
                    "sentAt": "2026-03-02T09:00:00.000Z",
                }
            )
        return _error(501, "MethodNotImplemented", nsid)


def _ok(body: Any) -> httpx.Response:
    return httpx.Response(200, json=body)


def _error(status: int, name: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": name, "message": message})
