"""E-mail to ticket over SMTP: every desk turns mail into tickets; headers thread the follow-ups."""

from __future__ import annotations

import asyncio
import hashlib
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any, ClassVar

import httpx

from inbox.connectors.base import Field, NoArticles, register
from inbox.core.errors import AuthExpired, ConfigError, NetworkError, RemoteRejected
from inbox.core.handoff import (
    Entry,
    ExternalRef,
    RefKind,
    Transcript,
    render_entry,
    render_text,
    ticket_subject,
)

TIMEOUT = 20.0


@register
class EmailToTicket(NoArticles):
    kind: ClassVar[str] = "email"
    title: ClassVar[str] = "E-mail to ticket"
    schema: ClassVar[tuple[Field, ...]] = (
        Field("host", "str", required=True, help="SMTP server host name."),
        Field("port", "int", default=587, help="587 (STARTTLS), 465 (SSL) or 25."),
        Field(
            "security",
            "choice",
            default="starttls",
            choices=("starttls", "ssl", "none"),
            help="How to protect the connection.",
        ),
        Field("username", "str", help="SMTP login, if the server wants one."),
        Field("password", "str", secret=True, help="SMTP password."),
        Field("from_address", "str", required=True, help="Sender, e.g. social@shop.example."),
        Field("to_address", "str", required=True, help="The desk's inbound address."),
        Field(
            "send_notes",
            "bool",
            default=False,
            help="Also mail internal notes (marked internal); most desks cannot hide them.",
        ),
    )

    def __init__(
        self, config: Mapping[str, Any], *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.host = str(config["host"])
        self.port = int(config.get("port") or 587)
        self.security = str(config.get("security") or "starttls")
        self.username = str(config.get("username") or "")
        self.password = str(config.get("password") or "")
        self.sender = str(config["from_address"])
        self.to = str(config["to_address"])
        self.send_notes = bool(config.get("send_notes"))
        domain = parseaddr(self.sender)[1].rpartition("@")[2]
        if not domain:
            raise ConfigError(f"E-mail to ticket: {self.sender!r} is not an e-mail address.")
        self.domain = domain
        self.system = f"the mail server {self.host}:{self.port}"

    async def aclose(self) -> None:
        return None

    def message_id(self, marker: str, key: str = "") -> str:
        """Deterministic, so a resend after a crash carries the same id and desks dedupe it."""
        suffix = f".{key}" if key else ""
        return f"<{marker}{suffix}@{self.domain}>"

    async def test(self) -> str:
        def probe() -> str:
            with self._connect() as smtp:
                code, _ = smtp.noop()
                return f"Connected to {self.system} (NOOP {code}); mail goes to {self.to}."

        return await asyncio.to_thread(self._guarded, probe)

    async def push(self, transcript: Transcript) -> ExternalRef:
        msg = EmailMessage()
        root = self.message_id(transcript.marker)
        msg["Subject"] = ticket_subject(transcript)
        msg["From"] = self.sender
        msg["To"] = self.to
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = root
        msg["X-Social-Inbox-Conversation"] = transcript.marker
        msg["X-Priority-Level"] = transcript.level.value
        msg["Keywords"] = ", ".join(transcript.labels)
        msg.set_content(render_text(transcript))
        await self._send(msg)
        return ExternalRef(self.kind, root, "", RefKind.TICKET)

    async def has_followup(self, ref: ExternalRef, marker: str) -> bool:
        """A re-sent follow-up carries the same Message-ID, which threading desks de-duplicate."""
        return False

    async def append(self, ref: ExternalRef, entry: Entry) -> None:
        if entry.internal and not self.send_notes:
            return  # an e-mailed note would reach the ticket as a public message
        msg = EmailMessage()
        marker = ref.remote_id.strip("<>").partition("@")[0]
        msg["Subject"] = ("Internal note: " if entry.internal else "Re: ") + f"[{marker}]"
        msg["From"] = self.sender
        msg["To"] = self.to
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = self.message_id(
            marker, entry.key or hashlib.sha1(entry.text.encode()).hexdigest()[:12]
        )
        msg["In-Reply-To"] = ref.remote_id
        msg["References"] = ref.remote_id
        msg["X-Social-Inbox-Conversation"] = marker
        if entry.internal:
            msg["X-Social-Inbox-Internal"] = "yes"
        msg.set_content(render_entry(entry))
        await self._send(msg)

    async def _send(self, msg: EmailMessage) -> None:
        def send() -> None:
            with self._connect() as smtp:
                refused = smtp.send_message(msg)
                if refused:
                    raise RemoteRejected(f"{self.system} refused the recipients: {refused}")

        await asyncio.to_thread(self._guarded, send)

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=TIMEOUT, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
            if self.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if self.username:
            smtp.login(self.username, self.password)
        return smtp

    def _guarded(self, fn: Any) -> Any:
        """smtplib errors as the core error tree, in plain words."""
        try:
            return fn()
        except smtplib.SMTPAuthenticationError as exc:
            raise AuthExpired(f"{self.system} rejected the login: {_said(exc)}") from None
        except smtplib.SMTPNotSupportedError as exc:
            raise ConfigError(
                f"{self.system} does not support that: {exc}. Check security."
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise RemoteRejected(f"{self.system} refused the recipient {self.to}: {exc}") from None
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:
                raise NetworkError(f"{self.system} said try later: {_said(exc)}") from None
            raise RemoteRejected(f"{self.system} refused: {_said(exc)}") from None
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            raise NetworkError(f"{self.system} is unreachable: {exc}") from None


def _said(exc: smtplib.SMTPResponseException) -> str:
    text = (
        exc.smtp_error.decode(errors="replace")
        if isinstance(exc.smtp_error, bytes)
        else str(exc.smtp_error)
    )
    return f"{exc.smtp_code} {text}"
