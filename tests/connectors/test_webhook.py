"""The outgoing webhook against a local HTTP server that checks the signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from inbox.core.errors import AuthExpired, RemoteRejected
from inbox.core.handoff import RefKind
from inbox.engine import connectors as ops
from inbox.engine.outbox import deliver_due

KEY = b"0123456789abcdef0123456789abcdef"
SECRET = "whsec_" + base64.b64encode(KEY).decode()


class Receiver(ThreadingHTTPServer):
    deliveries: list[dict[str, object]]
    key: bytes


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        wid, ts = self.headers["webhook-id"], self.headers["webhook-timestamp"]
        expected = base64.b64encode(
            hmac.new(self.server.key, f"{wid}.{ts}.".encode() + body, hashlib.sha256).digest()
        ).decode()
        sent = [s.partition(",")[2] for s in self.headers["webhook-signature"].split()]
        github = "sha256=" + hmac.new(self.server.key, body, hashlib.sha256).hexdigest()
        good = any(hmac.compare_digest(expected, s) for s in sent) and hmac.compare_digest(
            github, self.headers["X-Hub-Signature-256"]
        )
        if not good:
            self._answer(401, {"message": "bad signature"})
            return
        event = json.loads(body)
        self.server.deliveries.append({"id": wid, **event})
        self._answer(200, {"id": f"hook-{len(self.server.deliveries)}", "url": "http://desk/1"})

    def _answer(self, status: int, body: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(("127.0.0.1", 0), Handler)
    server.deliveries = []
    server.key = KEY
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: Receiver) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/hook"


async def test_signed_events_for_push_and_follow_up(
    store, receiver, conversation, inline_engine, add_followup
) -> None:
    ops.save_connector(store, "hook", "webhook", {"url": _url(receiver), "secret": SECRET})
    assert "accepted a signed ping" in await ops.test_connector(store, "hook")
    ops.queue_push(store, conversation, "hook")
    assert await deliver_due(inline_engine) == 1
    ref = store.connectors.ref(conversation, "hook", RefKind.TICKET)
    assert ref is not None and (ref.remote_id, ref.url) == ("hook-2", "http://desk/1")
    pushed = receiver.deliveries[1]
    marker = store.connectors.marker(conversation)
    assert pushed["type"] == "conversation.pushed" and pushed["id"] == marker
    data = pushed["data"]
    assert isinstance(data, dict)
    assert data["contact"]["handle"] == "bob@fosstodon.org"
    assert [e["kind"] for e in data["entries"]] == ["in", "out"]
    assert data["priority_level"] == "normal" and "mastodon" in data["labels"]

    add_followup("Any news?")
    ops.queue_followups(store, frozenset({conversation}))
    assert await deliver_due(inline_engine) == 1
    follow = receiver.deliveries[2]
    assert follow["type"] == "conversation.followup"
    assert follow["data"]["ticket"] == {"id": "hook-2", "url": "http://desk/1"}


async def test_a_wrong_secret_is_refused_with_the_receivers_words(store, receiver) -> None:
    ops.save_connector(store, "hook", "webhook", {"url": _url(receiver), "secret": "wrong"})
    with pytest.raises(AuthExpired, match=r"rejected the credentials.*bad signature") as info:
        await ops.test_connector(store, "hook")
    assert "wrong" not in str(info.value)
    assert not isinstance(info.value, RemoteRejected)
