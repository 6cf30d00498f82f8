"""A Mastodon server in a MockTransport: serves the recorded payloads in tests/data/mastodon.

It pages notifications the way the API documents (newest first; max_id, min_id,
since_id, limit, types[]; Link next/prev), honours Idempotency-Key on
POST /api/v1/statuses, and can be told to fail: a status code for the next N
matching requests, a timeout after the server already acted, a revoked token.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx

DATA = Path(__file__).parents[2] / "data" / "mastodon"
HOST = "mastodon.test"
TOKEN = "ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def id_key(value: str) -> tuple[int, str]:
    return (len(value), value)


@dataclass
class Failure:
    match: Callable[[httpx.Request], bool]
    times: int
    respond: Callable[[httpx.Request], httpx.Response]


@dataclass
class FakeMastodon:
    """One instance with one signed-in user (TOKEN)."""

    notifications: list[dict[str, Any]] = field(default_factory=lambda: load("notifications.json"))
    contexts: dict[str, Any] = field(default_factory=lambda: load("contexts.json"))
    instance: dict[str, Any] = field(default_factory=lambda: load("instance.json"))
    token: str = TOKEN
    requests: list[httpx.Request] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)
    scheduled: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotency: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    media_polls_until_done: int = 1
    rate_headers: dict[str, str] = field(default_factory=dict)
    timeout_after_post: int = 0  # the next N answers to POST /statuses are lost
    timeout_after_report: int = 0  # the next N reports are filed, their answers lost
    own: list[dict[str, Any]] = field(default_factory=list)  # our statuses, newest first
    # Relationships: account id -> {"blocking": bool, "muting": bool}; reports as filed.
    relationships: dict[str, dict[str, bool]] = field(default_factory=dict)
    reports: list[dict[str, list[str]]] = field(default_factory=list)
    scopes: str = "read write"  # what our token may do ("write:blocks"… or the whole "write")
    # Public posts the server knows (hashtag timelines, full-text search), newest first;
    # the statuses of the notifications are searchable too.
    public: list[dict[str, Any]] = field(default_factory=lambda: load("search_statuses.json"))
    full_text: bool = True  # False: a server without Elasticsearch (no status results)
    tag_calls: list[list[str]] = field(default_factory=list)  # the tags each timeline call read

    def reply_elsewhere(self, in_reply_to: str, text: str, created_at: str) -> dict[str, Any]:
        """A reply made in the network's own web app: only GET .../statuses shows it."""
        body = load("status_created.json")
        body["id"] = str(1300 + len(self.posts) + len(self.own) + 500)
        body["url"] = f"https://{HOST}/@teashop/{body['id']}"
        body["in_reply_to_id"] = in_reply_to
        body["content"] = f"<p>{text}</p>"
        body["created_at"] = created_at
        self.own.insert(0, body)
        return body

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport())

    def fail(
        self,
        match: Callable[[httpx.Request], bool],
        status: int,
        times: int = 1,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        def respond(request: httpx.Request) -> httpx.Response:
            return httpx.Response(status, json=body or {"error": "failure"}, headers=headers)

        self.failures.append(Failure(match, times, respond))

    def add(self, notifications: list[dict[str, Any]]) -> None:
        self.notifications = sorted(
            notifications + self.notifications, key=lambda n: id_key(n["id"]), reverse=True
        )

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    # -- the server -------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        for failure in self.failures:
            if failure.times > 0 and failure.match(request):
                failure.times -= 1
                return failure.respond(request)
        path = request.url.path
        if path == "/api/v2/instance":
            return self._json(self.instance)
        if path == "/api/v1/apps" and request.method == "POST":
            return self._json(load("app.json"))
        if path == "/oauth/token" and request.method == "POST":
            return self._token(request)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return httpx.Response(401, json={"error": "The access token is invalid"})
        if path == "/api/v1/accounts/verify_credentials":
            return self._json(load("verify_credentials.json"))
        if path == "/api/v1/notifications":
            return self._notifications(request)
        if path == "/api/v1/accounts/lookup":
            return self._lookup(request)
        if path.startswith("/api/v1/accounts/") and request.method == "POST":
            return self._relationship(request)
        if path == "/api/v1/reports" and request.method == "POST":
            return self._report(request)
        if path.startswith("/api/v1/accounts/") and path.endswith("/statuses"):
            return self._own(request)
        if path.startswith("/api/v1/statuses/") and path.endswith("/context"):
            status_id = path.split("/")[4]
            if status_id not in self.contexts:
                return httpx.Response(404, json={"error": "Record not found"})
            return self._json(self.contexts[status_id])
        if path == "/api/v1/statuses" and request.method == "POST":
            return self._post(request)
        if path.startswith("/api/v1/timelines/tag/"):
            return self._tag(request, unquote(path.rsplit("/", 1)[1]))
        if path == "/api/v2/search":
            return self._search(request)
        if path == "/api/v2/media" and request.method == "POST":
            return self._json(load("media_processing.json"), 202)
        if path.startswith("/api/v1/media/"):
            self.media_polls_until_done -= 1
            if self.media_polls_until_done >= 0:
                return self._json(load("media_processing.json"), 206)
            return self._json(load("media_done.json"))
        if path.startswith("/api/v1/scheduled_statuses/"):
            scheduled_id = path.rsplit("/", 1)[1]
            if scheduled_id not in self.scheduled:
                return httpx.Response(404, json={"error": "Record not found"})
            if request.method == "DELETE":
                del self.scheduled[scheduled_id]
                return self._json({})
            form = _form(request)
            self.scheduled[scheduled_id]["scheduled_at"] = form["scheduled_at"][0]
            return self._json(self.scheduled[scheduled_id])
        return httpx.Response(404, json={"error": "Not found"})

    def _json(self, body: Any, status: int = 200, headers: dict[str, str] | None = None):
        return httpx.Response(status, json=body, headers={**self.rate_headers, **(headers or {})})

    def _allowed(self, scope: str) -> bool:
        granted = self.scopes.split()
        return scope in granted or scope.split(":")[0] in granted

    def _relationship(self, request: httpx.Request) -> httpx.Response:
        """POST /api/v1/accounts/:id/{block,unblock,mute,unmute}: the Relationship after it."""
        _, _, _, _, account_id, verb = request.url.path.split("/")
        scope = {"block": "write:blocks", "unblock": "write:blocks"}.get(verb, "write:mutes")
        if verb not in ("block", "unblock", "mute", "unmute"):
            return httpx.Response(404, json={"error": "Not found"})
        if not self._allowed(scope):
            return httpx.Response(
                403, json={"error": "This action is outside the authorized scopes"}
            )
        if not any(n["account"]["id"] == account_id for n in self.notifications):
            return httpx.Response(404, json={"error": "Record not found"})
        state = self.relationships.setdefault(account_id, {"blocking": False, "muting": False})
        if verb in ("block", "unblock"):
            state["blocking"] = verb == "block"
        else:
            state["muting"] = verb == "mute"
        body = load("relationship_blocking.json")
        body.update(id=account_id, blocking=state["blocking"], muting=state["muting"])
        body["muting_notifications"] = state["muting"]
        return self._json(body)

    def _report(self, request: httpx.Request) -> httpx.Response:
        if not self._allowed("write:reports"):
            return httpx.Response(
                403, json={"error": "This action is outside the authorized scopes"}
            )
        form = _form(request)
        account_id = form.get("account_id", [""])[0]
        if not any(n["account"]["id"] == account_id for n in self.notifications):
            return httpx.Response(404, json={"error": "Record not found"})
        self.reports.append(form)
        body = load("report.json")
        body.update(
            id=str(48914 + len(self.reports)),
            category=form.get("category", ["other"])[0],
            comment=form.get("comment", [""])[0],
            status_ids=form.get("status_ids[]") or None,
        )
        body["target_account"]["id"] = account_id
        if self.timeout_after_report > 0:
            self.timeout_after_report -= 1
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return self._json(body)

    def _lookup(self, request: httpx.Request) -> httpx.Response:
        acct = request.url.params.get("acct", "").removesuffix(f"@{HOST}")
        for n in self.notifications:
            if n["account"]["acct"] == acct:
                return self._json(n["account"])
        return httpx.Response(404, json={"error": "Record not found"})

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = _form(request)
        app = load("app.json")
        if form.get("client_secret", [""])[0] != app["client_secret"]:
            return httpx.Response(401, json={"error": "invalid_client"})
        if form.get("code", [""])[0] != "good-code" or not form.get("code_verifier"):
            return httpx.Response(
                400, json={"error": "invalid_grant", "error_description": "The grant is invalid."}
            )
        return self._json(load("token.json"))

    def _notifications(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        types = set(q.get_list("types[]"))
        limit = min(int(q.get("limit", "40")), 80)
        items = [n for n in self.notifications if not types or n["type"] in types]
        if "max_id" in q:
            items = [n for n in items if id_key(n["id"]) < id_key(q["max_id"])]
        if "since_id" in q:
            items = [n for n in items if id_key(n["id"]) > id_key(q["since_id"])]
        if "min_id" in q:
            # min_id: the items immediately newer than the cursor, still listed newest first
            items = [n for n in items if id_key(n["id"]) > id_key(q["min_id"])]
            items = sorted(items, key=lambda n: id_key(n["id"]))[:limit]
            items.sort(key=lambda n: id_key(n["id"]), reverse=True)
        else:
            items = items[:limit]
        headers = {}
        if items:
            base = f"https://{HOST}/api/v1/notifications"
            headers["Link"] = (
                f'<{base}?max_id={items[-1]["id"]}>; rel="next", '
                f'<{base}?min_id={items[0]["id"]}>; rel="prev"'
            )
        return self._json(copy.deepcopy(items), headers=headers)

    def _known(self) -> list[dict[str, Any]]:
        statuses = {s["id"]: s for s in self.public}
        for n in self.notifications:
            status = n.get("status")
            if isinstance(status, dict) and status.get("visibility") == "public":
                statuses.setdefault(status["id"], status)
        return sorted(statuses.values(), key=lambda s: id_key(s["id"]), reverse=True)

    def _page(self, request: httpx.Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """max_id / since_id / min_id / limit as every timeline pages (newest first)."""
        q = request.url.params
        limit = min(int(q.get("limit", "20")), 40)
        if "max_id" in q:
            items = [s for s in items if id_key(s["id"]) < id_key(q["max_id"])]
        if "since_id" in q:
            items = [s for s in items if id_key(s["id"]) > id_key(q["since_id"])]
        if "min_id" in q:
            items = [s for s in items if id_key(s["id"]) > id_key(q["min_id"])]
            items = sorted(items, key=lambda s: id_key(s["id"]))[:limit]
            items.sort(key=lambda s: id_key(s["id"]), reverse=True)
        return copy.deepcopy(items[:limit])

    def _tag(self, request: httpx.Request, tag: str) -> httpx.Response:
        """GET /api/v1/timelines/tag/:hashtag[?any[]=…]: public posts carrying the tag, or
        any of the any[] tags too. As Mastodon's TagFeed does: the path's tag and any[]
        together, at most 4 (LIMIT_PER_MODE) read; a path tag nobody used is 404 (the
        documented answer; current servers send an empty list), whatever any[] names."""
        names = [tag.lower()]
        for extra in request.url.params.get_list("any[]"):
            if extra.lower() not in names:
                names.append(extra.lower())
        names = names[:4]
        self.tag_calls.append(names)
        known = self._known()
        used = {t.get("name", "").lower() for s in known for t in s.get("tags") or []}
        if tag.lower() not in used:
            return httpx.Response(404, json={"error": "Record not found"})
        tagged = [
            s for s in known if any(t.get("name", "").lower() in names for t in s.get("tags") or [])
        ]
        return self._json(self._page(request, tagged))

    def _search(self, request: httpx.Request) -> httpx.Response:
        """GET /api/v2/search?type=statuses: words in the text (with Elasticsearch only)."""
        q = request.url.params
        empty: dict[str, Any] = {"accounts": [], "statuses": [], "hashtags": []}
        if q.get("type") != "statuses" or not self.full_text:
            return self._json(empty)
        words = q.get("q", "").lower()
        hits = [
            s
            for s in self._known()
            if words in s.get("content", "").lower() and not s.get("reblog")
        ]
        return self._json({**empty, "statuses": self._page(request, hits)})

    def _own(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        items = sorted(self.own, key=lambda s: id_key(s["id"]), reverse=True)
        if "min_id" in q:
            newer = [s for s in items if id_key(s["id"]) > id_key(q["min_id"])]
            items = sorted(newer, key=lambda s: id_key(s["id"]))[: int(q.get("limit", "20"))]
            items.reverse()
        else:
            items = items[: int(q.get("limit", "20"))]
        return self._json(copy.deepcopy(items))

    def _post(self, request: httpx.Request) -> httpx.Response:
        key = request.headers.get("Idempotency-Key")
        if key and key in self.idempotency:
            body = self.idempotency[key]  # the status made the first time, not a new one
        else:
            body = self._create(request, key)
            if isinstance(body, httpx.Response):
                return body
        if self.timeout_after_post > 0:
            self.timeout_after_post -= 1
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return self._json(body)

    def _create(self, request: httpx.Request, key: str | None) -> Any:
        form = _form(request)
        text = form.get("status", [""])[0]
        if not text and not form.get("media_ids[]"):
            return httpx.Response(422, json={"error": "Validation failed: Text can't be blank"})
        limit = self.instance["configuration"]["statuses"]["max_characters"]
        if _status_length(text) > limit:
            return httpx.Response(
                422,
                json={"error": f"Validation failed: Text character limit of {limit} exceeded"},
            )
        if "scheduled_at" in form:
            body = load("scheduled_status.json")
            body["id"] = str(3221 + len(self.scheduled))
            body["scheduled_at"] = form["scheduled_at"][0]
            body["params"]["text"] = text
            self.scheduled[body["id"]] = body
        else:
            body = load("status_created.json")
            body["id"] = str(1300 + len(self.posts))
            body["visibility"] = form.get("visibility", ["public"])[0]
            body["in_reply_to_id"] = form.get("in_reply_to_id", [None])[0]
            body["content"] = f"<p>{text}</p>"
            self.own.insert(0, body)
        self.posts.append({"form": form, "key": key, "body": body})
        if key:
            self.idempotency[key] = body
        return body


def _form(request: httpx.Request) -> dict[str, list[str]]:
    from urllib.parse import parse_qs

    return parse_qs(request.content.decode(), keep_blank_values=True)


def _status_length(text: str) -> int:
    """StatusLengthValidator for plain texts, written apart from inbox/core/text.py: each
    URL with a scheme counts 23, @user@domain counts as @user, grapheme clusters."""
    import regex

    body = regex.sub(r"https?://\S+", "x" * 23, text)
    body = regex.sub(r"(?<![\w/])@(\w+)@[\w.-]+\w", r"@\1", body)
    return len(regex.findall(r"\X", body))
