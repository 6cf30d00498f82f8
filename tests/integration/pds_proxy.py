"""A recording HTTP proxy in front of the local PDS, on its own loopback port.

The CLI tests sign in with `--service <proxy URL>`, so every call the app makes reaches
the real PDS through it, and the test can say what the server received (which XRPC
methods, how many times) and lose an answer on the way back (the request reaches the
PDS and is carried out; the app sees the connection close: an unknown outcome).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.servers.loopback import serve

HOP = {
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "accept-encoding",
    "content-encoding",
}


class PdsProxy:
    def __init__(self, pds: str) -> None:
        self.pds = pds.rstrip("/")
        self.calls: list[tuple[str, str]] = []  # (method, nsid) in the order received
        self.lose_answer: dict[str, int] = {}  # nsid -> how many answers to lose
        self.fail: dict[str, int] = {}  # nsid -> how many calls answer 502 (not forwarded)
        self.bodies: list[tuple[str, bytes]] = []  # (nsid, request body) of every POST
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=60)

    def count(self, nsid: str) -> int:
        with self._lock:
            return sum(1 for _, n in self.calls if n == nsid)

    def since(self, mark: int) -> list[str]:
        """The methods received after mark (a len(self.calls) taken earlier)."""
        with self._lock:
            return [n for _, n in self.calls[mark:]]

    def handle(self, request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.removeprefix("/xrpc/")
        with self._lock:
            self.calls.append((request.method, nsid))
            if request.method == "POST":
                self.bodies.append((nsid, request.content))
            failing = self.fail.get(nsid, 0)
            if failing:
                self.fail[nsid] = failing - 1
        if failing:  # the PDS's upstream is down: nothing reaches it
            return httpx.Response(
                502, json={"error": "UpstreamFailure", "message": "Upstream Failure"}
            )
        headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() not in HOP]
        answer = self._http.request(
            request.method,
            f"{self.pds}{request.url.raw_path.decode()}",
            headers=headers,
            content=request.content,
        )
        with self._lock:
            lose = self.lose_answer.get(nsid, 0)
            if lose:
                self.lose_answer[nsid] = lose - 1
        if lose:  # carried out by the PDS; the answer never reaches the app
            raise httpx.ReadTimeout("answer lost on the way back", request=request)
        return httpx.Response(
            answer.status_code,
            headers=[(k, v) for k, v in answer.headers.multi_items() if k.lower() not in HOP],
            content=answer.content,
        )


@contextmanager
def pds_proxy(pds: str) -> Iterator[tuple[PdsProxy, str]]:
    proxy = PdsProxy(pds)
    try:
        with serve(proxy.handle) as url:
            yield proxy, url
    finally:
        proxy._http.close()
