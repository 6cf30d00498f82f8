"""Freshdesk tickets and notes, API key auth."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from inbox.connectors import base, http
from inbox.connectors.base import Field, NoArticles, register
from inbox.core.handoff import (
    Entry,
    EntryKind,
    ExternalRef,
    Priority,
    RefKind,
    Transcript,
    carries_marker,
    render_entry_html,
    render_html,
    ticket_subject,
)

PRIORITY = {Priority.LOW: 1, Priority.NORMAL: 2, Priority.HIGH: 3, Priority.URGENT: 4}
OPEN, PORTAL = 2, 2
PAGES = 5  # how deep a retried follow-up looks for its marker (100 each)


def describe(response: httpx.Response) -> str:
    """Freshdesk's error bodies: description + errors[{field, message}], or code + message."""
    try:
        body = response.json()
    except ValueError:
        return http.json_message(response)
    if not isinstance(body, dict):
        return ""
    parts = [str(body[k]) for k in ("description", "message") if body.get(k)]
    for err in body.get("errors") or []:
        if isinstance(err, dict):
            parts.append(f"{err.get('field', '')}: {err.get('message', '')}".strip(": "))
    return " — ".join(parts)


@register
class Freshdesk(NoArticles):
    kind: ClassVar[str] = "freshdesk"
    title: ClassVar[str] = "Freshdesk"
    schema: ClassVar[tuple[Field, ...]] = (
        Field("domain", "str", required=True, help="acme for acme.freshdesk.com."),
        Field("api_key", "str", required=True, secret=True, help="Profile settings → API key."),
        base.rate_field(
            200, "Freshdesk publishes 200 on Growth, 400 on Pro, 700 on Enterprise (50 on trials)."
        ),
    )

    def __init__(
        self, config: Mapping[str, Any], *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        domain = str(config["domain"]).strip()
        self.site = (
            domain if domain.startswith("http") else f"https://{domain}.freshdesk.com"
        ).rstrip("/")
        self.system = f"Freshdesk at {http.host_of(self.site)}"
        # Freshdesk: the API key is the user name, the password is ignored.
        auth = (str(config["api_key"]), "X")
        self.http = http.client(f"{self.site}/api/v2/", transport=transport, auth=auth)
        self.pace = http.pacer(self.site, base.per_minute(self.schema, config))
        self._call = http.Caller(self.http, self.system, describe, self.pace).json

    async def aclose(self) -> None:
        await self.http.aclose()

    async def test(self) -> str:
        me = await self._call("GET", "agents/me")
        name = (me.get("contact") or {}).get("name", "?")
        return f"Connected to Freshdesk as {name}."

    async def push(self, transcript: Transcript) -> ExternalRef:
        # No external id on tickets: the marker is a tag, searched before create.
        found = await self._call(
            "GET", "search/tickets", params={"query": f"\"tag:'{transcript.marker}'\""}
        )
        results = found.get("results") or []
        if results:
            ticket_id = str(results[0]["id"])
        else:
            c = transcript.contact
            created = await self._call(
                "POST",
                "tickets",
                json={
                    "subject": ticket_subject(transcript),
                    "description": render_html(transcript),
                    "name": (c.display_name or c.handle)[:255],
                    "unique_external_id": f"{c.network}:{c.handle.lstrip('@')}",
                    "priority": PRIORITY[transcript.level],
                    "status": OPEN,
                    "source": PORTAL,
                    "tags": [*transcript.labels, transcript.marker],
                },
            )
            ticket_id = str(created["id"])
        return ExternalRef(
            self.kind, ticket_id, f"{self.site}/a/tickets/{ticket_id}", RefKind.TICKET
        )

    async def append(self, ref: ExternalRef, entry: Entry) -> None:
        await self._call(
            "POST",
            f"tickets/{ref.remote_id}/notes",
            json={
                "body": render_entry_html(entry),
                "private": entry.internal,
                "incoming": entry.kind is EntryKind.IN,
            },
        )

    async def has_followup(self, ref: ExternalRef, marker: str) -> bool:
        """The ticket's conversations (replies and notes, oldest first), a few pages deep."""
        for page in range(1, PAGES + 1):
            items = await self._call(
                "GET",
                f"tickets/{ref.remote_id}/conversations",
                params={"page": str(page), "per_page": "100"},
            )
            if any(carries_marker(str(c.get("body_text") or ""), marker) for c in items or []):
                return True
            if len(items or []) < 100:
                return False
        return False
