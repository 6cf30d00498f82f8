"""Zendesk Support (tickets) and Zendesk Help Center (articles), API token auth."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from inbox.connectors import base, http
from inbox.connectors.base import Field, NoArticles, NoTickets, register
from inbox.core.errors import AuthExpired
from inbox.core.handoff import (
    Article,
    Entry,
    ExternalRef,
    RefKind,
    Transcript,
    article_html,
    carries_marker,
    render_entry,
    render_text,
    ticket_subject,
)


def describe(response: httpx.Response) -> str:
    """Zendesk's envelope: error, description, and per-field details on 422."""
    try:
        body = response.json()
    except ValueError:
        return http.json_message(response)
    if not isinstance(body, dict):
        return ""
    error = body.get("error")
    if isinstance(error, dict):  # some endpoints nest it: {"error": {"title", "message"}}
        return str(error.get("message") or error.get("title") or "")
    parts = [str(p) for p in (body.get("description"), error) if p]
    for field, problems in (body.get("details") or {}).items():
        for problem in problems if isinstance(problems, list) else [problems]:
            text = problem.get("description") if isinstance(problem, dict) else problem
            parts.append(f"{field}: {text}")
    return " — ".join(parts)


class _Zendesk:
    title: ClassVar[str]
    schema: ClassVar[tuple[Field, ...]]

    def __init__(
        self, config: Mapping[str, Any], *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        sub = str(config["subdomain"]).strip()
        self.site = sub if sub.startswith("http") else f"https://{sub}.zendesk.com"
        self.site = self.site.rstrip("/")
        auth = (f"{config['email']}/token", str(config["api_token"]))
        self.system = f"{self.title} at {http.host_of(self.site)}"
        self.http = http.client(f"{self.site}/api/v2/", transport=transport, auth=auth)
        self.pace = http.pacer(self.site, base.per_minute(self.schema, config))
        self._call = http.Caller(self.http, self.system, describe, self.pace).json

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _me(self) -> dict[str, Any]:
        user: dict[str, Any] = (await self._call("GET", "users/me.json"))["user"]
        if user.get("id") is None:  # a failed login answers as the anonymous user
            raise AuthExpired(f"{self.system} did not accept the e-mail and API token.")
        return user


_AUTH_FIELDS = (
    Field(
        "subdomain",
        "str",
        required=True,
        help="Your Zendesk subdomain (acme for acme.zendesk.com).",
    ),
    Field("email", "str", required=True, help="The agent's e-mail address."),
    Field("api_token", "str", required=True, secret=True, help="Admin Center → Apps → API token."),
    base.rate_field(
        200, "Zendesk publishes 200 on Team, 400 on Growth and Professional, 700 on Enterprise."
    ),
)


@register
class ZendeskSupport(_Zendesk, NoArticles):
    kind: ClassVar[str] = "zendesk"
    title: ClassVar[str] = "Zendesk Support"
    schema: ClassVar[tuple[Field, ...]] = _AUTH_FIELDS

    async def test(self) -> str:
        user = await self._me()
        return f"Connected to Zendesk as {user.get('name')} ({user.get('role')})."

    async def push(self, transcript: Transcript) -> ExternalRef:
        found = await self._call("GET", "tickets.json", params={"external_id": transcript.marker})
        tickets = found.get("tickets") or []
        if tickets:
            ticket_id = str(tickets[0]["id"])
        else:
            c = transcript.contact
            user = await self._call(
                "POST",
                "users/create_or_update.json",
                json={
                    "user": {
                        "name": transcript.requester[:255],
                        "external_id": f"{c.network}:{c.handle.lstrip('@')}",
                        "remote_photo_url": c.avatar_url or None,
                    }
                },
            )
            body = {
                "ticket": {
                    "subject": ticket_subject(transcript),
                    "comment": {"body": render_text(transcript), "public": False},
                    "requester_id": user["user"]["id"],
                    "external_id": transcript.marker,
                    "priority": transcript.level.value,
                    "tags": list(transcript.labels),
                }
            }
            created = await self._call(
                "POST", "tickets.json", json=body, headers={"Idempotency-Key": transcript.marker}
            )
            ticket_id = str(created["ticket"]["id"])
        return ExternalRef(
            self.kind, ticket_id, f"{self.site}/agent/tickets/{ticket_id}", RefKind.TICKET
        )

    async def append(self, ref: ExternalRef, entry: Entry) -> None:
        comment = {"body": render_entry(entry), "public": not entry.internal}
        await self._call(
            "PUT", f"tickets/{ref.remote_id}.json", json={"ticket": {"comment": comment}}
        )

    async def has_followup(self, ref: ExternalRef, marker: str) -> bool:
        """The ticket's newest comments (List Comments, newest first) for the marker."""
        body = await self._call(
            "GET", f"tickets/{ref.remote_id}/comments.json", params={"sort_order": "desc"}
        )
        return any(
            carries_marker(str(c.get("plain_body") or c.get("body") or ""), marker)
            for c in body.get("comments") or []
        )


@register
class ZendeskHelpCenter(_Zendesk, NoTickets):
    kind: ClassVar[str] = "zendesk_guide"
    title: ClassVar[str] = "Zendesk Help Center"
    schema: ClassVar[tuple[Field, ...]] = (
        *_AUTH_FIELDS,
        Field("section_id", "str", required=True, help="Section that receives the articles."),
        Field(
            "permission_group_id",
            "str",
            required=True,
            help="Who may edit the articles (Guide → permission groups).",
        ),
        Field("locale", "str", default="en-us", help="Article locale."),
        Field("draft", "bool", default=True, help="Create articles as drafts for review."),
    )

    def __init__(
        self, config: Mapping[str, Any], *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(config, transport=transport)
        self.section = str(config["section_id"])
        self.group = int(config["permission_group_id"])
        self.locale = str(config.get("locale") or "en-us")
        self.draft = bool(config.get("draft", True))

    async def test(self) -> str:
        user = await self._me()
        section = (await self._call("GET", f"help_center/sections/{self.section}.json"))["section"]
        return f"Connected to Zendesk as {user.get('name')}; section {section.get('name')!r}."

    async def publish_article(self, article: Article) -> ExternalRef:
        section = article.target or self.section
        found = await self._call(
            "GET", "help_center/articles.json", params={"label_names": article.marker}
        )
        existing = found.get("articles") or []
        if existing:
            made = existing[0]
        else:
            body = {
                "article": {
                    "title": article.title,
                    "body": article_html(article),
                    "locale": self.locale,
                    "permission_group_id": self.group,
                    "user_segment_id": None,
                    "draft": self.draft,
                    "label_names": [*article.labels, article.marker],
                },
                "notify_subscribers": False,
            }
            path = f"help_center/{self.locale}/sections/{section}/articles.json"
            made = (await self._call("POST", path, json=body))["article"]
        return ExternalRef(
            self.kind, str(made["id"]), str(made.get("html_url", "")), RefKind.ARTICLE
        )
