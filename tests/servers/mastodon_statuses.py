"""A local Mastodon stand-in for POST /api/v1/statuses with Idempotency-Key semantics.

Real socket on 127.0.0.1. Like Mastodon, a repeated Idempotency-Key (per token)
returns the status created the first time instead of creating another. It
records every status it created and every request it saw, so a test can prove
exactly-once delivery.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Record:
    statuses: list[dict[str, str]] = field(default_factory=list)  # created, in order
    by_key: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    requests: int = 0
    replays: int = 0  # requests answered from the idempotency cache
    lock: threading.Lock = field(default_factory=threading.Lock)
    seen: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.seen = threading.Condition(self.lock)


class _QuietServer(ThreadingHTTPServer):
    """A client killed mid-request resets its connection: expected here, not an error."""

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class StatusServer:
    """Start with start(); url is http://127.0.0.1:PORT; stop() shuts it down."""

    def __init__(self, delay: float = 0.002) -> None:
        self.record = Record()
        self.delay = delay
        record = self.record
        server_self = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet
                return

            def _reply(self, code: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.startswith("/api/v1/accounts/verify_credentials"):
                    self._reply(200, {"id": "1", "username": "shop", "acct": "shop"})
                elif self.path.startswith("/api/v2/instance"):
                    self._reply(200, {"configuration": {"statuses": {"max_characters": 500}}})
                else:
                    self._reply(404, {"error": "Record not found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if len(body) < length:
                    # The client died mid-request: like a real server, act on nothing.
                    self.close_connection = True
                    return
                raw = body.decode()
                if not self.path.startswith("/api/v1/statuses"):
                    self._reply(404, {"error": "Record not found"})
                    return
                if "json" in (self.headers.get("Content-Type") or ""):
                    form = {k: str(v) for k, v in json.loads(raw or "{}").items()}
                else:
                    form = {k: v[0] for k, v in parse_qs(raw).items()}
                if not form.get("status") and not form.get("media_ids[]"):
                    self._reply(422, {"error": "Validation failed: Text can't be blank"})
                    return
                token = self.headers.get("Authorization", "")
                key = self.headers.get("Idempotency-Key", "")
                time.sleep(server_self.delay)  # widen the window a kill can land in
                with record.lock:
                    record.requests += 1
                    cached = record.by_key.get((token, key)) if key else None
                    if cached is not None:
                        record.replays += 1
                        status = cached
                    else:
                        status = {
                            "id": str(len(record.statuses) + 1),
                            "content": form.get("status", ""),
                            "idempotency_key": key,
                            "url": f"http://127.0.0.1/@shop/{len(record.statuses) + 1}",
                        }
                        record.statuses.append(status)
                        if key:
                            record.by_key[(token, key)] = status
                    record.seen.notify_all()
                self._reply(200, status)

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> StatusServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for_requests(self, count: int, timeout: float) -> bool:
        """Block until the server has seen count requests in total (or timeout)."""
        with self.record.seen:
            return self.record.seen.wait_for(lambda: self.record.requests >= count, timeout)
