"""MediaWiki through the Action API: bot-password login, one cookie session, articles as pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from inbox.connectors import http
from inbox.connectors.base import Field, NoTickets, register
from inbox.core.errors import AuthExpired, NetworkError, RateLimited, RemoteRejected
from inbox.core.handoff import Article, ExternalRef, RefKind

NOT_LOGGED_IN = "+\\"


@register
class MediaWiki(NoTickets):
    kind: ClassVar[str] = "mediawiki"
    title: ClassVar[str] = "MediaWiki"
    schema: ClassVar[tuple[Field, ...]] = (
        Field(
            "api_url", "url", required=True, help="The wiki's api.php, e.g. https://wiki/w/api.php"
        ),
        Field("username", "str", required=True, help="Bot login name: User@BotName."),
        Field("password", "str", required=True, secret=True, help="The bot password."),
        Field("namespace", "str", default="", help="Page prefix for articles, e.g. KB."),
        Field("category", "str", default="", help="A category every article gets."),
    )

    def __init__(
        self, config: Mapping[str, Any], *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.api_url = str(config["api_url"])
        self.username = str(config["username"])
        self.password = str(config["password"])
        self.namespace = str(config.get("namespace") or "")
        self.category = str(config.get("category") or "")
        self.system = f"MediaWiki at {http.host_of(self.api_url)}"
        self.http = http.client(transport=transport, cookies=True)
        self._csrf = ""

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _api(self, method: str, **params: Any) -> dict[str, Any]:
        params = {**params, "format": "json", "formatversion": "2"}
        if method == "GET":
            response = await http.call(
                self.http, "GET", self.api_url, system=self.system, params=params
            )
        else:
            response = await http.call(
                self.http, "POST", self.api_url, system=self.system, data=params
            )
        try:
            body: dict[str, Any] = response.json()
        except ValueError:
            raise RemoteRejected(
                f"{self.system} did not answer like a MediaWiki API. Check the api.php URL."
            ) from None
        error = body.get("error")
        if isinstance(error, dict):
            raise self._error(str(error.get("code", "")), str(error.get("info", "")), response)
        return body

    def _error(self, code: str, info: str, response: httpx.Response) -> Exception:
        # MediaWiki reports errors with HTTP 200 and a code: translate the code.
        if code in {"maxlag", "ratelimited"}:
            wait = http.retry_after(response, 60.0)
            return RateLimited(f"{self.system} is busy ({code}): {info}", wait)
        if code in {"readonly"}:
            return NetworkError(f"{self.system} is read-only for now: {info}")
        if code in {"assertuserfailed", "assertbotfailed", "notloggedin", "badtoken"}:
            return AuthExpired(f"{self.system} lost the login session ({code}): {info}")
        if code in {"permissiondenied", "protectedpage", "cantcreate", "writeapidenied"}:
            return RemoteRejected(f"{self.system} refused: missing permission ({code}): {info}")
        return RemoteRejected(f"{self.system} refused ({code}): {info}")

    async def login(self) -> None:
        tokens = await self._api("GET", action="query", meta="tokens", type="login")
        login_token = tokens["query"]["tokens"]["logintoken"]
        result = (
            await self._api(
                "POST",
                action="login",
                lgname=self.username,
                lgpassword=self.password,
                lgtoken=login_token,
            )
        )["login"]
        if result.get("result") != "Success":
            reason = result.get("reason") or result.get("result")
            if isinstance(reason, dict):
                reason = reason.get("text") or reason.get("code")
            raise AuthExpired(f"{self.system} rejected the bot login for {self.username}: {reason}")
        csrf = (await self._api("GET", action="query", meta="tokens"))["query"]["tokens"]
        self._csrf = str(csrf["csrftoken"])
        if self._csrf == NOT_LOGGED_IN:
            raise AuthExpired(f"{self.system} did not keep the login session (cookies).")

    async def test(self) -> str:
        await self.login()
        info = await self._api("GET", action="query", meta="userinfo|siteinfo", uiprop="rights")
        user = info["query"]["userinfo"]
        site = info["query"].get("general", {}).get("sitename", "the wiki")
        if "edit" not in user.get("rights", []) or "createpage" not in user.get("rights", []):
            raise RemoteRejected(
                f"{self.system}: {user.get('name')} may not create pages. Give the bot "
                "password the 'Create, edit, and move pages' grant."
            )
        return f"Logged in to {site} as {user.get('name')}; can create pages."

    def page_title(self, article: Article) -> str:
        title = article.title.strip().replace("[", "(").replace("]", ")")
        target = article.target or self.namespace
        return f"{target}:{title}" if target else title

    async def publish_article(self, article: Article) -> ExternalRef:
        if not self._csrf:
            await self.login()
        title = self.page_title(article)
        edit = await self._edit(title, wikitext(article, self.category), createonly=True)
        if edit is None:  # the page exists: ours from an earlier attempt, or someone else's
            existing = await self.read(title)
            if f"social-inbox:{article.marker}" not in existing:
                raise RemoteRejected(
                    f"{self.system} already has a page titled {title!r}. Choose another title."
                )
        return ExternalRef(self.kind, title, await self.page_url(title), RefKind.ARTICLE)

    async def _edit(self, title: str, text: str, *, createonly: bool) -> dict[str, Any] | None:
        params: dict[str, Any] = {
            "action": "edit",
            "title": title,
            "text": text,
            "summary": "Knowledge-base article from Social Inbox",
            "assert": "user",
            "maxlag": "5",
        }
        if createonly:
            params["createonly"] = "1"
        params["token"] = self._csrf  # conventionally last, so a cut-off body fails
        try:
            body = await self._api("POST", **params)
        except RemoteRejected as exc:
            if "(articleexists)" in str(exc):
                return None
            raise
        edit: dict[str, Any] = body.get("edit", {})
        if edit.get("result") != "Success":
            # Captcha or an abuse filter: no error object, just no success.
            raise RemoteRejected(f"{self.system} did not save the page: {edit}")
        return edit

    async def read(self, title: str) -> str:
        body = await self._api(
            "GET", action="query", prop="revisions", titles=title, rvprop="content", rvslots="main"
        )
        pages = body["query"]["pages"]
        if not pages or pages[0].get("missing"):
            return ""
        return str(pages[0]["revisions"][0]["slots"]["main"]["content"])

    async def page_url(self, title: str) -> str:
        body = await self._api("GET", action="query", prop="info", inprop="url", titles=title)
        return str(body["query"]["pages"][0].get("fullurl", ""))


def wikitext(article: Article, category: str = "") -> str:
    """The article as wikitext: question, answer, categories and a hidden marker."""
    parts = [
        "== Question ==",
        _wiki_escape(article.question),
        "",
        "== Answer ==",
        _wiki_escape(article.answer),
        "",
    ]
    if article.source:
        parts.extend([f"Source: {article.source}", ""])
    cats = [category, *article.labels] if category else list(article.labels)
    parts.extend(f"[[Category:{c}]]" for c in cats if c)
    parts.append(f"<!-- social-inbox:{article.marker} -->")
    return "\n".join(parts)


def _wiki_escape(text: str) -> str:
    # Customer text is content, not markup: keep it from opening templates or links.
    paras = (p.replace("</nowiki", "&lt;/nowiki") for p in text.split("\n\n") if p.strip())
    return "\n\n".join(f"<nowiki>{p}</nowiki>" for p in paras)
