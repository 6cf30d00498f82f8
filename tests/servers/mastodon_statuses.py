"""The shared fake Mastodon (tests/networks/mastodon/fake.py) on a real socket, counting posts.

Not a second fake: FakeMastodon answers every request (with Mastodon's
Idempotency-Key semantics: a repeated key returns the status created the first
time), tests/servers/loopback.py puts it behind 127.0.0.1, and this wrapper keeps
the tallies the exactly-once and delivery tests read (statuses created, requests
seen, replays answered from the idempotency cache) and lets a test wait for them.
"""

from __future__ import annotations

import contextlib
import html
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.networks.mastodon.fake import FakeMastodon
from tests.servers.loopback import serve

TOKEN = "test-token"


@dataclass
class Record:
    statuses: list[dict[str, str]] = field(default_factory=list)  # created, in order
    by_key: dict[str, dict[str, str]] = field(default_factory=dict)
    requests: int = 0
    replays: int = 0  # requests answered from the idempotency cache
    lock: threading.Lock = field(default_factory=threading.Lock)
    seen: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.seen = threading.Condition(self.lock)


class StatusServer:
    """Start with start(); url is http://127.0.0.1:PORT; stop() shuts it down."""

    def __init__(self, delay: float = 0.002, token: str = TOKEN) -> None:
        self.fake = FakeMastodon(token=token, notifications=[])
        self.record = Record()
        self.delay = delay
        self.url = ""
        self._serving: contextlib.ExitStack | None = None

    def handle(self, request: httpx.Request) -> httpx.Response:
        posting = request.method == "POST" and request.url.path == "/api/v1/statuses"
        if posting:
            time.sleep(self.delay)  # widen the window a kill can land in
        with self.record.lock:  # the fake is not thread-safe; the server is threaded
            before = len(self.fake.posts)
            response = self.fake.handle(request)
            self.record.requests += 1
            if posting and response.status_code == 200:
                self._tally(request, before)
            self.record.seen.notify_all()
        return response

    def _tally(self, request: httpx.Request, before: int) -> None:
        key = request.headers.get("Idempotency-Key", "")
        if len(self.fake.posts) == before:
            self.record.replays += 1
            return
        body: dict[str, Any] = self.fake.posts[-1]["body"]
        status = {
            "id": str(body["id"]),
            "content": html.unescape(re.sub(r"^<p>|</p>$", "", str(body.get("content", "")))),
            "idempotency_key": key,
        }
        self.record.statuses.append(status)
        if key:
            self.record.by_key[key] = status

    def start(self) -> StatusServer:
        self._serving = contextlib.ExitStack()
        self.url = self._serving.enter_context(serve(self.handle))
        return self

    def stop(self) -> None:
        if self._serving is not None:
            self._serving.close()
            self._serving = None

    def wait_for_requests(self, count: int, timeout: float) -> bool:
        """Block until the server has seen count requests in total (or timeout)."""
        with self.record.seen:
            return self.record.seen.wait_for(lambda: self.record.requests >= count, timeout)
