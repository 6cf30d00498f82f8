"""The fake Mastodon (tests/networks/mastodon/fake.py) on a real socket: 127.0.0.1, random port.

The window's engine connects accounts through the ordinary glue (instance URL,
keyring token), so it needs a server it can reach over HTTP; this one answers
every request with what FakeMastodon answers, and can hold POST /api/v1/statuses
until a test lets it through (to see the "sending…" state).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from tests.networks.mastodon.fake import FakeMastodon


class LoopbackMastodon:
    """start() → url http://127.0.0.1:PORT; stop() shuts it down; .fake is the state."""

    def __init__(self, fake: FakeMastodon | None = None) -> None:
        self.fake = fake or FakeMastodon()
        self.posting = threading.Event()  # cleared: POST /api/v1/statuses waits
        self.posting.set()
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.command == "POST" and self.path.startswith("/api/v1/statuses"):
                    server.posting.wait(30)
                request = httpx.Request(
                    self.command,
                    f"http://{self.headers.get('Host', '127.0.0.1')}{self.path}",
                    headers=[(k, v) for k, v in self.headers.items() if k.lower() != "host"],
                    content=body,
                )
                with server.lock:
                    try:
                        response = server.fake.handle(request)
                    except httpx.TimeoutException:
                        self.close_connection = True  # the answer is "lost"
                        return
                data = response.read()
                self.send_response(response.status_code)
                for key, value in response.headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LoopbackMastodon:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.posting.set()
        self._server.shutdown()
        self._server.server_close()
