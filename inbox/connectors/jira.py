"""Jira Service Management customer requests (Atlassian Cloud), API token auth."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from inbox.connectors import base, http
from inbox.connectors.base import Field, NoArticles, register
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

PAGES = 10  # how deep a retried follow-up looks for its marker (50 each)

PRIORITY = {
    Priority.LOW: "Low",
    Priority.NORMAL: "Medium",
    Priority.HIGH: "High",
    Priority.URGENT: "Highest",
}


def describe(response: httpx.Response) -> str:
    """Atlassian errors: servicedeskapi's errorMessage; the platform's errorMessages, errors."""
    try:
        body = response.json()
    except ValueError:
        return http.json_message(response)
    if not isinstance(body, dict):
        return ""
    parts: list[str] = []
    if body.get("errorMessage"):
        parts.append(str(body["errorMessage"]))
    parts.extend(str(m) for m in body.get("errorMessages") or [])
    errors = body.get("errors")
    if isinstance(errors, dict):
        parts.extend(f"{k}: {v}" for k, v in errors.items())
    elif isinstance(errors, list):  # Confluence v2: [{"status", "code", "title", "detail"}]
        parts.extend(str(e.get("title") or e.get("code")) for e in errors if isinstance(e, dict))
    if not parts and body.get("message"):
        parts.append(str(body["message"]))
    return " — ".join(parts)


def atlassian_client(
    config: Mapping[str, Any], transport: httpx.AsyncBaseTransport | None
) -> tuple[str, httpx.AsyncClient]:
    site = str(config["url"]).rstrip("/")
    auth = (str(config["email"]), str(config["api_token"]))
    headers = {"Accept": "application/json"}
    return site, http.client(f"{site}/", transport=transport, auth=auth, headers=headers)


ATLASSIAN_FIELDS = (
    Field("url", "url", required=True, help="Your site, e.g. https://acme.atlassian.net"),
    Field("email", "str", required=True, help="The Atlassian account's e-mail."),
    Field(
        "api_token",
        "str",
        required=True,
        secret=True,
        help="id.atlassian.com → Security → API tokens (they expire).",
    ),
    base.rate_field(
        None,
        "Atlassian Cloud publishes no fixed figure (its limits adapt): set one if it asks "
        "us to slow down.",
    ),
)


@register
class JiraServiceManagement(NoArticles):
    kind: ClassVar[str] = "jira"
    title: ClassVar[str] = "Jira Service Management"
    schema: ClassVar[tuple[Field, ...]] = (
        *ATLASSIAN_FIELDS,
        Field("service_desk_id", "str", required=True, help="Numeric service desk id."),
        Field("request_type_id", "str", required=True, help="Numeric request type id."),
        Field("set_priority", "bool", default=True, help="Set the issue priority from ours."),
    )

    def __init__(
        self, config: Mapping[str, Any], *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.site, self.http = atlassian_client(config, transport)
        self.desk = str(config["service_desk_id"])
        self.request_type = str(config["request_type_id"])
        self.set_priority = bool(config.get("set_priority", True))
        self.system = f"Jira Service Management at {http.host_of(self.site)}"
        self.pace = http.pacer(self.site, base.per_minute(self.schema, config))
        self._call = http.Caller(self.http, self.system, describe, self.pace)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def test(self) -> str:
        me = (await self._call("GET", "rest/api/3/myself")).json()
        desk = (await self._call("GET", f"rest/servicedeskapi/servicedesk/{self.desk}")).json()
        name, project = me.get("displayName"), desk.get("projectName")
        return f"Connected to Jira as {name}; service desk {project!r}."

    async def push(self, transcript: Transcript) -> ExternalRef:
        marker = transcript.marker
        found = (
            await self._call(
                "GET",
                "rest/api/3/search/jql",
                params={"jql": f'labels = "{marker}"', "fields": "key"},
            )
        ).json()
        issues = found.get("issues") or []
        if issues:
            key = str(issues[0]["key"])
            return ExternalRef(self.kind, key, f"{self.site}/browse/{key}", RefKind.TICKET)
        created = (
            await self._call(
                "POST",
                "rest/servicedeskapi/request",
                json={
                    "serviceDeskId": self.desk,
                    "requestTypeId": self.request_type,
                    # Raised as the integration user: social contacts have no Atlassian account.
                    "requestFieldValues": {
                        "summary": ticket_subject(transcript),
                        "description": render_text(transcript),
                    },
                },
            )
        ).json()
        key = str(created["issueKey"])
        # Labels carry the marker (searched before create) and our tags.
        labels = [{"add": label} for label in (*transcript.labels, marker)]
        await self._call("PUT", f"rest/api/3/issue/{key}", json={"update": {"labels": labels}})
        if self.set_priority:
            # The priority field may be off the screen; the ticket stands without it.
            await self._call(
                "PUT",
                f"rest/api/3/issue/{key}",
                json={"fields": {"priority": {"name": PRIORITY[transcript.level]}}},
                ok=(400,),
            )
        url = str((created.get("_links") or {}).get("agent") or f"{self.site}/browse/{key}")
        return ExternalRef(self.kind, key, url, RefKind.TICKET)

    async def append(self, ref: ExternalRef, entry: Entry) -> None:
        await self._call(
            "POST",
            f"rest/servicedeskapi/request/{ref.remote_id}/comment",
            json={"body": render_entry(entry), "public": not entry.internal},
        )

    async def has_followup(self, ref: ExternalRef, marker: str) -> bool:
        """The request's comments (public and internal, oldest first), a few pages deep."""
        start = 0
        for _ in range(PAGES):
            page = (
                await self._call(
                    "GET",
                    f"rest/servicedeskapi/request/{ref.remote_id}/comment",
                    params={"start": str(start), "limit": "50"},
                )
            ).json()
            values = page.get("values") or []
            if any(carries_marker(str(c.get("body") or ""), marker) for c in values):
                return True
            if page.get("isLastPage", True) or not values:
                return False
            start += len(values)
        return False
