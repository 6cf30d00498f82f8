"""A recorded Mastodon instance served over httpx.MockTransport: the demo's Mastodon account.

The recording holds real API payloads (an Account, an Instance, Notifications,
status contexts); this answers the endpoints the adapter calls the way the API
documents them (newest first; max_id / min_id / limit / types[]; Link headers;
Idempotency-Key on POST /api/v1/statuses), so the demo runs the real adapter,
mapping and sync code end to end without a network.
"""

from __future__ import annotations

import copy
import html
import itertools
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx

from inbox.core.clock import Clock, SystemClock, to_iso
from inbox.networks.mastodon.mapping import id_key


class RecordedInstance:
    """Answers requests from a recording: {"account", "instance", "notifications", "contexts"}."""

    def __init__(self, recording: dict[str, Any], clock: Clock | None = None) -> None:
        self.clock: Clock = clock or SystemClock()  # stamps the statuses posted here
        self.account = recording["account"]
        self.instance = recording["instance"]
        self.notifications = sorted(
            recording.get("notifications", []), key=lambda n: id_key(n["id"]), reverse=True
        )
        self.contexts: dict[str, Any] = recording.get("contexts", {})
        # Public posts the instance knows: hashtag timelines and full-text search.
        self.public = sorted(
            recording.get("public", []), key=lambda s: id_key(s["id"]), reverse=True
        )
        self.host = str(self.instance.get("domain", "mastodon.demo"))
        # Followers who answer what the account posts: each public post made here gets
        # replies from the next few of them, as mention notifications (the demo's audience).
        self.audience: list[dict[str, Any]] = list(recording.get("audience", []))
        self.replies_per_post = int(recording.get("replies_per_post", 3))
        self._heard = 0
        self.posted: dict[str, dict[str, Any]] = {}  # Idempotency-Key -> the status made
        self.own: list[dict[str, Any]] = []  # statuses made here, oldest first
        self._ids = itertools.count(1)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/v2/instance":
            return httpx.Response(200, json=self.instance)
        if path == "/api/v1/accounts/verify_credentials":
            return httpx.Response(200, json=self.account)
        if path == "/api/v1/notifications":
            return self._notifications(request.url.params)
        if path.startswith("/api/v1/accounts/") and path.endswith("/statuses"):
            return self._own(request.url.params)
        if path.startswith("/api/v1/statuses/") and path.endswith("/context"):
            context = self.contexts.get(path.split("/")[4])
            if context is None:
                return httpx.Response(404, json={"error": "Record not found"})
            return httpx.Response(200, json=context)
        if path == "/api/v1/statuses" and request.method == "POST":
            return self._post(request)
        if path.startswith("/api/v1/timelines/tag/"):
            tag = unquote(path.rsplit("/", 1)[1]).lower()
            found = [s for s in self.public if any(t["name"] == tag for t in s.get("tags", []))]
            return httpx.Response(200, json=_page(found, request.url.params))
        if path == "/api/v2/search":
            words = request.url.params.get("q", "").lower()
            found = [s for s in self.public if words and words in s["content"].lower()]
            statuses = _page(found, request.url.params)
            return httpx.Response(200, json={"accounts": [], "hashtags": [], "statuses": statuses})
        if path == "/api/v2/media" and request.method == "POST":
            media_id = f"demo-media-{next(self._ids)}"
            return httpx.Response(200, json={"id": media_id, "type": "image", "url": ""})
        return httpx.Response(404, json={"error": "Record not found"})

    def _notifications(self, q: httpx.QueryParams) -> httpx.Response:
        types = set(q.get_list("types[]"))
        limit = min(int(q.get("limit", "40")), 80)
        items = [n for n in self.notifications if not types or n["type"] in types]
        if "max_id" in q:
            items = [n for n in items if id_key(n["id"]) < id_key(q["max_id"])]
        if "min_id" in q:
            newer = [n for n in items if id_key(n["id"]) > id_key(q["min_id"])]
            items = sorted(newer, key=lambda n: id_key(n["id"]))[:limit][::-1]
        else:
            items = items[:limit]
        headers = {}
        if items:
            base = f"https://{self.host}/api/v1/notifications"
            headers["Link"] = (
                f'<{base}?max_id={items[-1]["id"]}>; rel="next", '
                f'<{base}?min_id={items[0]["id"]}>; rel="prev"'
            )
        return httpx.Response(200, json=copy.deepcopy(items), headers=headers)

    def _own(self, q: httpx.QueryParams) -> httpx.Response:
        """GET /api/v1/accounts/:id/statuses: what was posted here, newest first."""
        limit = min(int(q.get("limit", "20")), 40)
        items = self.own
        if "min_id" in q:
            items = [s for s in items if id_key(s["id"]) > id_key(q["min_id"])][:limit]
        else:
            items = items[-limit:]
        return httpx.Response(200, json=copy.deepcopy(items[::-1]))

    def _post(self, request: httpx.Request) -> httpx.Response:
        key = request.headers.get("Idempotency-Key", "")
        if key in self.posted:
            return httpx.Response(200, json=self.posted[key])
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if not form.get("status") and "media_ids[]" not in form:
            return httpx.Response(422, json={"error": "Validation failed: Text can't be blank"})
        status_id = f"9{next(self._ids):017d}"
        if form.get("scheduled_at"):
            body: dict[str, Any] = {
                "id": status_id,
                "scheduled_at": form["scheduled_at"],
                "params": {"text": form.get("status", "")},
                "media_attachments": [],
            }
        else:
            body = {
                "id": status_id,
                "url": f"https://{self.host}/@{self.account.get('username', 'me')}/{status_id}",
                "visibility": form.get("visibility", "public"),
                "in_reply_to_id": form.get("in_reply_to_id"),
                "content": f"<p>{html.escape(form.get('status', ''))}</p>",
                "account": self.account,
                "created_at": to_iso(self.clock.now()),
            }
            self.own.append(body)
            if body["visibility"] == "public" and not body["in_reply_to_id"]:
                self._answer(body)
        if key:
            self.posted[key] = body
        return httpx.Response(200, json=body)

    def _answer(self, post: dict[str, Any]) -> None:
        """The audience's replies to a post just made: new mention notifications whose
        statuses answer it (in_reply_to_id), newest first like the rest."""
        if not self.audience:
            return
        number = max((int(n["id"]) for n in self.notifications if n["id"].isdigit()), default=0)
        for _ in range(self.replies_per_post):
            fan = self.audience[self._heard % len(self.audience)]
            self._heard += 1
            number += 1
            status = {
                "id": f"8{next(self._ids):017d}",
                "created_at": to_iso(self.clock.now()),
                "account": fan["account"],
                "content": f"<p>{html.escape(str(fan['text']))}</p>",
                "visibility": "public",
                "spoiler_text": "",
                "sensitive": False,
                "language": "en",
                "url": "",
                "uri": "",
                "in_reply_to_id": post["id"],
                "in_reply_to_account_id": self.account["id"],
                "mentions": [
                    {"id": self.account["id"], "username": self.account.get("username", ""),
                     "acct": self.account.get("username", ""), "url": ""}
                ],
                "media_attachments": [],
                "emojis": [],
                "poll": None,
            }  # fmt: skip
            note = {
                "id": str(number),
                "type": "mention",
                "created_at": status["created_at"],
                "account": fan["account"],
                "status": status,
            }
            self.notifications.insert(0, note)


def _page(items: list[dict[str, Any]], q: httpx.QueryParams) -> list[dict[str, Any]]:
    """A timeline page, newest first: max_id / min_id / limit as the API documents."""
    limit = min(int(q.get("limit", "20")), 40)
    if "max_id" in q:
        items = [s for s in items if id_key(s["id"]) < id_key(q["max_id"])]
    if "min_id" in q:
        newer = [s for s in items if id_key(s["id"]) > id_key(q["min_id"])]
        items = sorted(newer, key=lambda s: id_key(s["id"]))[:limit][::-1]
    return copy.deepcopy(items[:limit])
