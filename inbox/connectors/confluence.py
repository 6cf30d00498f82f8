"""Confluence Cloud pages (REST v2) as knowledge-base articles, API token auth."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from inbox.connectors import base, http
from inbox.connectors.base import Field, NoTickets, register
from inbox.connectors.jira import ATLASSIAN_FIELDS, atlassian_client, describe
from inbox.core.errors import RemoteRejected
from inbox.core.handoff import Article, ExternalRef, RefKind, article_html


@register
class Confluence(NoTickets):
    kind: ClassVar[str] = "confluence"
    title: ClassVar[str] = "Confluence"
    schema: ClassVar[tuple[Field, ...]] = (
        *ATLASSIAN_FIELDS,
        Field("space_key", "str", required=True, help="Key of the space for articles, e.g. KB."),
        Field("parent_id", "str", help="Page id to file articles under (default: space home)."),
        Field("draft", "bool", default=False, help="Create drafts instead of published pages."),
    )

    def __init__(
        self, config: Mapping[str, Any], *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.site, self.http = atlassian_client(config, transport)
        self.space_key = str(config["space_key"])
        self.parent = str(config.get("parent_id") or "")
        self.draft = bool(config.get("draft"))
        self.system = f"Confluence at {http.host_of(self.site)}"
        self.pace = http.pacer(self.site, base.per_minute(self.schema, config))

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _get(self, path: str, **params: Any) -> Any:
        response = await http.call(
            self.http,
            "GET",
            path,
            system=self.system,
            describe=describe,
            pace=self.pace,
            params=params,
        )
        return response.json()

    async def space_id(self, key: str) -> str:
        """Pages take the numeric space id, not the key."""
        results = (await self._get("wiki/api/v2/spaces", keys=key)).get("results") or []
        if not results:
            raise RemoteRejected(
                f"{self.system} has no space {key!r} (or this user cannot see it)."
            )
        return str(results[0]["id"])

    async def test(self) -> str:
        space = await self.space_id(self.space_key)
        return f"Connected to Confluence; space {self.space_key} (id {space}) is visible."

    async def publish_article(self, article: Article) -> ExternalRef:
        space = await self.space_id(article.target or self.space_key)
        marker = f"<!-- social-inbox:{article.marker} -->"  # whole: si-x-1 is not si-x-12
        # Titles are unique per space: a page with ours is either our earlier attempt or a clash.
        found = await self._get(
            "wiki/api/v2/pages",
            **{"space-id": space, "title": article.title, "body-format": "storage"},
        )
        for page in found.get("results") or []:
            body = ((page.get("body") or {}).get("storage") or {}).get("value", "")
            if marker not in body:
                raise RemoteRejected(
                    f"{self.system} already has a page titled {article.title!r} in that space."
                )
            return self._ref(page, found.get("_links") or {})
        payload: dict[str, Any] = {
            "spaceId": space,
            "status": "draft" if self.draft else "current",
            "title": article.title,
            "body": {
                "representation": "storage",
                "value": article_html(article) + f"<p>{marker}</p>",
            },
        }
        if self.parent:
            payload["parentId"] = self.parent
        response = await http.call(
            self.http,
            "POST",
            "wiki/api/v2/pages",
            pace=self.pace,
            system=self.system,
            describe=describe,
            json=payload,
        )
        page = response.json()
        return self._ref(page, page.get("_links") or {})

    def _ref(self, page: dict[str, Any], links: dict[str, Any]) -> ExternalRef:
        own = page.get("_links") or {}
        base = str(own.get("base") or links.get("base") or f"{self.site}/wiki")
        return ExternalRef(
            self.kind, str(page["id"]), base + str(own.get("webui", "")), RefKind.ARTICLE
        )
