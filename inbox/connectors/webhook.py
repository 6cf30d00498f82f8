"""Generic outgoing webhook: JSON events signed with HMAC-SHA256 (Standard Webhooks + GitHub style).

The format is documented for users in docs/webhook.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any, ClassVar

import httpx

from inbox.connectors import http
from inbox.connectors.base import Field, register
from inbox.core.handoff import Article, Entry, ExternalRef, RefKind, Transcript, render_text


def secret_key(secret: str) -> bytes:
    """A whsec_<base64> secret is decoded (Standard Webhooks); anything else is used as UTF-8."""
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[len("whsec_") :], validate=True)
        except ValueError:
            pass
    return secret.encode()


def sign(key: bytes, delivery_id: str, timestamp: int, body: bytes) -> tuple[str, str]:
    """(webhook-signature value, X-Hub-Signature-256 value) for one delivery."""
    signed = f"{delivery_id}.{timestamp}.".encode() + body
    standard = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    github = hmac.new(key, body, hashlib.sha256).hexdigest()
    return f"v1,{standard}", f"sha256={github}"


@register
class Webhook:
    kind: ClassVar[str] = "webhook"
    title: ClassVar[str] = "Outgoing webhook"
    tickets: ClassVar[bool] = True
    articles: ClassVar[bool] = True
    schema: ClassVar[tuple[Field, ...]] = (
        Field("url", "url", required=True, help="Where to POST the events."),
        Field(
            "secret",
            "str",
            required=True,
            secret=True,
            help="Shared signing secret (whsec_<base64> or any text).",
        ),
    )

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.url = str(config["url"])
        self.key = secret_key(str(config["secret"]))
        self.now = now
        self.system = f"the webhook at {http.host_of(self.url)}"
        self.http = http.client(transport=transport)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def deliver(self, event: str, delivery_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """POST one signed event; the receiver's JSON answer (may name its own id and url)."""
        timestamp = int(self.now())
        payload = {"type": event, "id": delivery_id, "timestamp": timestamp, "data": data}
        # Sign the exact bytes we send: serialize once and pass content=, never json=.
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        standard, github = sign(self.key, delivery_id, timestamp, body)
        response = await http.call(
            self.http,
            "POST",
            self.url,
            system=self.system,
            content=body,
            headers={
                "Content-Type": "application/json",
                "webhook-id": delivery_id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": standard,
                "X-Hub-Signature-256": github,
                "X-Social-Inbox-Event": event,
            },
        )
        try:
            answer = response.json()
        except ValueError:
            return {}
        return answer if isinstance(answer, dict) else {}

    async def test(self) -> str:
        await self.deliver("ping", f"ping-{int(self.now())}", {})
        return f"{self.system} accepted a signed ping."

    async def push(self, transcript: Transcript) -> ExternalRef:
        data = _plain(asdict(transcript))
        data["text"] = render_text(transcript)
        data["priority_level"] = transcript.level.value
        data["labels"] = list(transcript.labels)
        answer = await self.deliver("conversation.pushed", transcript.marker, data)
        remote = str(answer.get("id") or transcript.marker)
        return ExternalRef(self.kind, remote, str(answer.get("url") or ""), RefKind.TICKET)

    async def has_followup(self, ref: ExternalRef, marker: str) -> bool:
        """A re-sent follow-up carries the same delivery id; the receiver de-duplicates."""
        return False

    async def append(self, ref: ExternalRef, entry: Entry) -> None:
        data = _plain(asdict(entry))
        data["internal"] = entry.internal
        data["ticket"] = {"id": ref.remote_id, "url": ref.url}
        await self.deliver("conversation.followup", f"{ref.remote_id}.{entry.key}", data)

    async def publish_article(self, article: Article) -> ExternalRef:
        answer = await self.deliver(
            "article.published", f"{article.marker}.article", _plain(asdict(article))
        )
        remote = str(answer.get("id") or article.marker)
        return ExternalRef(self.kind, remote, str(answer.get("url") or ""), RefKind.ARTICLE)


def _plain(value: Any) -> Any:
    """Dataclass dicts as JSON: datetimes as ISO-8601, tuples as lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
