"""Request Tracker 5 through REST2: tickets, correspondence and comments."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from inbox.connectors import base, http
from inbox.connectors.base import Field, NoArticles, register
from inbox.core.errors import ConfigError, RemoteRejected
from inbox.core.handoff import (
    Entry,
    ExternalRef,
    Priority,
    RefKind,
    Transcript,
    carries_marker,
    render_entry,
    render_text,
    ticket_subject,
)

# RT priorities run 0-99; these sit at the usual Low / Medium / High marks.
# How many of a ticket's newest comments a retried follow-up looks through for its marker.
RECENT = 100

PRIORITY = {Priority.LOW: 10, Priority.NORMAL: 30, Priority.HIGH: 60, Priority.URGENT: 90}


@register
class RequestTracker(NoArticles):
    kind: ClassVar[str] = "rt"
    title: ClassVar[str] = "Request Tracker"
    schema: ClassVar[tuple[Field, ...]] = (
        Field("url", "url", required=True, help="RT's web address, e.g. https://rt.example.com"),
        Field("queue", "str", required=True, default="General", help="Queue for new tickets."),
        Field("token", "str", secret=True, help="REST2 auth token (Settings → Auth Tokens)."),
        Field("username", "str", help="RT user, when logging in with a password instead."),
        Field("password", "str", secret=True, help="That user's password."),
        Field(
            "tags_field",
            "str",
            help="Optional ticket custom field that takes the tags (network, account, team).",
        ),
        base.rate_field(None, "Your own server: leave empty unless it is shared or throttled."),
    )

    def __init__(
        self, config: Mapping[str, Any], *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.url = str(config["url"]).rstrip("/")
        self.queue = str(config.get("queue") or "General")
        self.tags_field = str(config.get("tags_field") or "")
        headers = {}
        auth: tuple[str, str] | None = None
        if config.get("token"):
            headers["Authorization"] = f"token {config['token']}"
        elif config.get("username") and config.get("password"):
            auth = (str(config["username"]), str(config["password"]))
        else:
            raise ConfigError("Request Tracker needs a token, or a username and password.")
        self.system = f"Request Tracker at {http.host_of(self.url)}"
        self.pace = http.pacer(self.url, base.per_minute(self.schema, config))
        self.http = http.client(
            f"{self.url}/REST/2.0/", transport=transport, auth=auth, headers=headers
        )
        self._call = http.Caller(self.http, self.system, pace=self.pace)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def test(self) -> str:
        version = (await self._call("GET", "rt")).json().get("Version", "?")
        response = await self._call("GET", f"queue/{quote(self.queue, safe='')}", ok=(404,))
        if response.status_code == 404:
            raise RemoteRejected(f"{self.system} has no queue named {self.queue!r}.", 404)
        links = {h.get("ref") for h in response.json().get("_hyperlinks", [])}
        if "create" not in links:
            raise RemoteRejected(
                f"{self.system}: this user may not create tickets in queue {self.queue!r}.", 403
            )
        return f"Connected to Request Tracker {version}; queue {self.queue!r} is ready."

    def ticket_url(self, ticket_id: str) -> str:
        return f"{self.url}/Ticket/Display.html?id={ticket_id}"

    async def find(self, marker: str) -> str | None:
        """The id of a ticket whose subject carries marker (a previous, unacknowledged push)."""
        tag = f"[{marker}]"  # with brackets: si-x-1 must not find si-x-12
        query = f"Queue = '{_sql(self.queue)}' AND Subject LIKE '{_sql(tag)}'"
        params = {"query": query, "fields": "Subject", "per_page": "100"}
        body = (await self._call("GET", "tickets", params=params)).json()
        items = [i for i in body.get("items") or [] if tag in str(i.get("Subject", ""))]
        return str(items[0]["id"]) if items else None

    async def push(self, transcript: Transcript) -> ExternalRef:
        found = await self.find(transcript.marker)
        if found is None:
            requestor = await self._requestor(transcript)
            body: dict[str, Any] = {
                "Queue": self.queue,
                "Subject": ticket_subject(transcript),
                "Content": render_text(transcript),
                "ContentType": "text/plain",
                "Priority": PRIORITY[transcript.level],
            }
            if requestor is not None:
                body["Requestor"] = [requestor]
            if self.tags_field:
                body["CustomFields"] = {self.tags_field: list(transcript.labels)}
            created = (await self._call("POST", "ticket", json=body)).json()
            found = str(created["id"])
        return ExternalRef(self.kind, found, self.ticket_url(found), RefKind.TICKET)

    async def _requestor(self, transcript: Transcript) -> int | None:
        """An RT user for the social contact, made once; RT drops unknown non-email requestors."""
        c = transcript.contact
        handle = c.handle.lstrip("@")
        # No ':' (RT reads "x:y" as a role/group reference) and no '@' (RT reads it as e-mail).
        name = re.sub(r"[^A-Za-z0-9._-]", "_", f"{c.network}_{handle.replace('@', '_at_')}")
        response = await self._call("GET", f"user/{quote(name, safe='')}", ok=(404,))
        if response.status_code == 404:
            real = f"{c.display_name or handle} (@{handle} on {c.network})"
            await self._call(
                "POST",
                "user",
                json={"Name": name, "RealName": real, "Comments": c.profile_url or real},
                ok=(400,),  # "Name in use": a parallel push made it
            )
            response = await self._call("GET", f"user/{quote(name, safe='')}")
        user_id = response.json().get("id")
        return int(user_id) if user_id is not None else None

    async def append(self, ref: ExternalRef, entry: Entry) -> None:
        action = "comment" if entry.internal else "correspond"
        await self._call(
            "POST",
            f"ticket/{ref.remote_id}/{action}",
            json={"Content": render_entry(entry), "ContentType": "text/plain"},
        )

    async def has_followup(self, ref: ExternalRef, marker: str) -> bool:
        """Look through the ticket's newest attachments (comments and correspondence)."""
        params = {
            "fields": "Content",
            "orderby": "Created",
            "order": "DESC",
            "per_page": str(RECENT),
        }
        response = await self._call(
            "GET", f"ticket/{ref.remote_id}/attachments", params=params, ok=(404,)
        )
        if response.status_code == 404:
            return False
        items = response.json().get("items") or []
        return any(carries_marker(str(i.get("Content") or ""), marker) for i in items)


def _sql(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")
