"""Serve an httpx-style handler (request -> response) on a real socket, 127.0.0.1 or ::1.

Not a server of its own: it puts any of the suite's fakes (tests/networks/mastodon/fake.py's
FakeMastodon.handle, or a test's own function) behind a real TCP listener, so the code
under test goes through DNS-free URL parsing, sockets, HTTP/1.1 framing and timeouts the
way it does against a real instance. A handler that raises an httpx.TimeoutException
(the "answer was lost" failures) makes the connection close without an answer. A
response with extensions={"loopback.write": fn} sends its status and headers, then
fn(wfile) writes whatever body it likes (endless, dripping, no length).

    with serve(fake.handle) as url:      # "http://127.0.0.1:41234"
        main(["accounts", "add", "mastodon", "--instance", url, ...])
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

Handler = Callable[[httpx.Request], httpx.Response]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    handler: Handler

    def handle_error(self, request: object, client_address: object) -> None:
        """A client killed mid-request resets its connection: expected here, not an error."""
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _V6Server(_Server):
    address_family = socket.AF_INET6


class _Request(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:  # the client died mid-request: like a server, act on nothing
            self.close_connection = True
            return
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        request = httpx.Request(
            self.command, f"http://{host}{self.path}", headers=list(self.headers.items()),
            content=body,
        )  # fmt: skip
        try:
            response = self.server.handler(request)
        except httpx.TimeoutException:
            self.close_connection = True  # the answer is lost on the way
            return
        raw = response.extensions.get("loopback.write")
        if raw is not None:  # a hostile answer: the test writes the body bytes itself
            self.close_connection = True
            self.send_response(response.status_code)
            for name, value in response.headers.multi_items():
                self.send_header(name, value)
            self.send_header("Connection", "close")
            self.end_headers()
            with contextlib.suppress(OSError):  # the client hung up, as it should
                raw(self.wfile)
            return
        content = response.read()
        self.send_response(response.status_code)
        skip = {"content-length", "transfer-encoding", "connection", "content-encoding"}
        for name, value in response.headers.multi_items():
            if name.lower() not in skip:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _any


@contextlib.contextmanager
def serve(handler: Handler, host: str = "127.0.0.1") -> Iterator[str]:
    """Yield the base URL (http://127.0.0.1:PORT or http://[::1]:PORT) while serving handler."""
    cls = _V6Server if ":" in host else _Server
    server = cls((host, 0), _Request)
    server.handler = handler
    thread = threading.Thread(target=server.serve_forever, name="loopback", daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        yield f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
