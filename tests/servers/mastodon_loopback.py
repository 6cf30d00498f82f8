"""The fake Mastodon (tests/networks/mastodon/fake.py) behind tests/servers/loopback.py's
real socket, able to hold POST /api/v1/statuses until a test lets it through (to see
the "sending…" state a user sees while the server has not answered)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import httpx

from tests.networks.mastodon.fake import FakeMastodon
from tests.servers.loopback import serve


class LoopbackMastodon:
    """url: http://127.0.0.1:PORT; fake: the instance's state; posting: clear it to hold posts."""

    def __init__(self, fake: FakeMastodon | None = None) -> None:
        self.fake = fake or FakeMastodon()
        self.posting = threading.Event()
        self.posting.set()
        self.url = ""
        self._lock = threading.Lock()

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/api/v1/statuses":
            self.posting.wait(30)
        with self._lock:  # the fake is not thread-safe; the server is threaded
            return self.fake.handle(request)

    @contextlib.contextmanager
    def running(self) -> Iterator[LoopbackMastodon]:
        with serve(self.handle) as url:
            self.url = url
            try:
                yield self
            finally:
                self.posting.set()
