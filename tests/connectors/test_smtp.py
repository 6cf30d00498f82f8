"""E-mail to ticket against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from inbox.core.errors import AuthExpired, NetworkError
from inbox.core.handoff import RefKind
from inbox.engine import connectors as ops
from inbox.engine.outbox import deliver_due


class Recorder:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 OK"


def _auth(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
    return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    port = _free_port()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        authenticator=_auth,
        auth_require_tls=False,  # loopback test server: plain AUTH allowed
    )
    controller.start()
    yield recorder, port
    controller.stop()


def _save(store, port: int, password: str = "s3cret") -> None:
    ops.save_connector(
        store,
        "mail",
        "email",
        {
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "username": "desk",
            "password": password,
            "from_address": "social@shop.example",
            "to_address": "support@desk.example",
            "send_notes": "yes",
        },
    )


async def test_push_and_follow_ups_thread_on_the_first_message(
    store, smtp_server, conversation, inline_engine, add_followup
) -> None:
    recorder, port = smtp_server
    _save(store, port)
    assert "Connected to" in await ops.test_connector(store, "mail")
    ops.queue_push(store, conversation, "mail")
    assert await deliver_due(inline_engine) == 1
    first = recorder.messages[0]
    marker = store.connectors.marker(conversation)
    assert first["Message-ID"] == f"<{marker}@shop.example>"
    assert first["To"] == "support@desk.example" and first["From"] == "social@shop.example"
    assert "@bob@fosstodon.org" in first["Subject"] and marker in first["Subject"]
    body = first.get_content()
    assert "where is my order 42?" in body and "https://social.example/@x/101" in body
    assert recorder.envelopes[0] == ("social@shop.example", ["support@desk.example"])
    ref = store.connectors.ref(conversation, "mail", RefKind.TICKET)
    assert ref is not None and ref.remote_id == first["Message-ID"]

    add_followup("Still nothing arrived")
    ops.queue_followups(store, frozenset({conversation}))
    ops.queue_note(store, conversation, "7", "Call the courier", "Ann")
    assert await deliver_due(inline_engine) == 2
    follow, note = recorder.messages[1:]
    for reply in (follow, note):
        assert reply["In-Reply-To"] == first["Message-ID"]
        assert first["Message-ID"] in reply["References"]
        assert reply["Message-ID"] != first["Message-ID"]
    assert "Still nothing arrived" in follow.get_content()
    assert note["X-Social-Inbox-Internal"] == "yes"

    # Pushing the same conversation again sends nothing.
    ops.queue_push(store, conversation, "mail")
    assert await deliver_due(inline_engine) == 0
    assert len(recorder.messages) == 3


async def test_wrong_password_is_a_plain_error(store, smtp_server) -> None:
    _, port = smtp_server
    _save(store, port, password="wrong")
    with pytest.raises(AuthExpired, match="rejected the login: 535"):
        await ops.test_connector(store, "mail")


async def test_nothing_listening_is_unreachable(store) -> None:
    _save(store, _free_port())
    with pytest.raises(NetworkError, match="unreachable"):
        await ops.test_connector(store, "mail")
