"""The Mastodon adapter: the network protocol built from api (calls) and mapping (models).

Cursors (opaque to the engine) are JSON: {"newest": id, "backfill": id|null, "count": n}.
The first sync takes the newest page, then walks back with max_id until the
window (days or items) is full; every later sync walks forward with min_id from
"newest" until a page comes back empty. The engine stores the cursor only after
the page's items, so a failure re-fetches and never skips.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from inbox.core import moderation, spoof
from inbox.core.clock import Clock, SystemClock, from_iso, to_iso
from inbox.core.errors import BadPayload, NetworkError, NotSupported, RemoteRejected
from inbox.core.models import AccountInfo, Kind, Message, reply_key
from inbox.networks.base import DMS, MENTIONS, OWN, Limits, Moderation, Outgoing, Page, Sent
from inbox.networks.mastodon import mapping, streaming
from inbox.networks.mastodon import search as monitor
from inbox.networks.mastodon.api import MastodonApi, Sleep, domain_of
from inbox.networks.mastodon.mapping import Me, MentionItem

if TYPE_CHECKING:
    from inbox.core.monitoring import SearchSpec

PAGE_SIZE = 40
QUOTES_API_VERSION = 7  # api_versions.mastodon of 4.5, which added quote notifications
MEDIA_POLLS = 30
_CONTEXT = ("ancestors", "descendants")
PARSED_KEPT = 5000  # statuses kept parsed: a first sync's threads repeat their earlier posts
DMS_CURSOR = '{"via": "mentions"}'  # the DMS stream is served by MENTIONS


class MastodonAdapter:
    """One signed-in Mastodon account."""

    network = "mastodon"

    def __init__(
        self,
        info: AccountInfo,
        token: str,
        *,
        http: httpx.AsyncClient | None = None,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        window_days: float = 7,
        window_items: int = 800,
        page_size: int = PAGE_SIZE,
        live_updates: bool = True,
    ) -> None:
        self.info = info
        self._own_http = http is None
        self.http = http or httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0))
        self.clock: Clock = clock or SystemClock()
        self.sleep = sleep
        self.api = MastodonApi(self.http, info.instance, token, clock=self.clock, sleep=sleep)
        self._token = token
        self.me = Me(domain_of(info.instance), info.remote_id, info.handle.split("@")[0])
        self.window = timedelta(days=window_days)
        self.window_items = window_items
        self.page_size = page_size
        self._instance: dict[str, Any] | None = None
        self.live_updates = live_updates
        # Statuses made into messages lately (mapping.thread_messages' parsed).
        self._parsed: dict[tuple[str, Kind, str], Message] = {}

    # -- protocol ------------------------------------------------------------------

    async def verify(self) -> AccountInfo:
        body = await self.api.verify_credentials()
        return mapping.account_info(body, self.info.instance, domain=self.me.instance)

    async def limits(self) -> Limits:
        config = (await self.instance_info()).get("configuration") or {}
        statuses = config.get("statuses") or {}
        media = config.get("media_attachments") or {}
        defaults = Limits()
        return Limits(
            max_chars=_int(statuses.get("max_characters"), defaults.max_chars),
            url_weight=_int(statuses.get("characters_reserved_per_url"), defaults.url_weight),
            max_media=_int(statuses.get("max_media_attachments"), defaults.max_media),
            max_media_bytes=_int(media.get("image_size_limit"), defaults.max_media_bytes),
            alt_text_max=_int(media.get("description_limit"), defaults.alt_text_max),
        )

    async def aclose(self) -> None:
        if self._own_http:
            await self.http.aclose()

    async def instance_info(self) -> dict[str, Any]:
        """GET /api/v2/instance once per adapter."""
        if self._instance is None:
            self._instance = await self.api.instance()
        return self._instance

    # -- ingest --------------------------------------------------------------------

    async def fetch(self, stream: str, cursor: str | None) -> Page[Message]:
        if stream == DMS:
            # Mastodon delivers every private mention as a "mention" notification, so
            # the MENTIONS stream already carries DMs; a second stream would fetch twice.
            return Page((), cursor or DMS_CURSOR)
        if stream == OWN:
            return await self._own(cursor)
        if stream != MENTIONS:
            raise NotSupported(f"Mastodon has no {stream!r} stream")
        state = _cursor(cursor)
        params = [("types[]", t) for t in await self._types()]
        params.append(("limit", str(self.page_size)))
        # 4.3+ holds mentions and DMs from strangers back as "notification requests"
        # under the default policy; a support inbox needs exactly those. Older servers
        # ignore the parameter.
        params.append(("include_filtered", "true"))
        if state is None:
            mode = "first"
        elif state.get("backfill"):
            mode = "backfill"
            params.append(("max_id", str(state["backfill"])))
        else:
            mode = "forward"
            if state.get("newest"):
                params.append(("min_id", str(state["newest"])))
        response = await self.api.notifications(params)
        raw = response.body if isinstance(response.body, list) else []
        raw = _within(raw, mode, state)
        ids = [n["id"] for n in raw if isinstance(n, dict) and isinstance(n.get("id"), str)]
        cutoff = self.clock.now() - self.window
        items, rejected, too_old = await self._messages(raw, cutoff if mode != "forward" else None)
        state = dict(state or {"newest": None, "backfill": None, "count": 0})
        if mode == "forward":
            if not ids:
                return Page((), cursor, more=False)
            state["newest"] = mapping.newest(ids)
            return Page(tuple(items), json.dumps(state), more=True, rejected=tuple(rejected))
        if mode == "first" and ids:
            state["newest"] = mapping.newest(ids)
        state["count"] = int(state.get("count") or 0) + len(ids)
        window_full = too_old or not ids or state["count"] >= self.window_items
        state["backfill"] = None if window_full else min(ids, key=mapping.id_key)
        # After the back-fill, one forward pass picks up what arrived meanwhile.
        more = not window_full or mode == "backfill"
        return Page(tuple(items), json.dumps(state), more=more, rejected=tuple(rejected))

    async def _own(self, cursor: str | None) -> Page[Message]:
        """Our own replies, from any client: GET /api/v1/accounts/:id/statuses.

        One call per sync when nothing is new (an empty min_id page). The first sync
        takes the newest page only: older answers came with their threads' context.
        Statuses that answer nothing (posts) are skipped; boosts are excluded.
        """
        state = _cursor(cursor) or {}
        params = [("limit", str(self.page_size)), ("exclude_reblogs", "true")]
        if state.get("newest"):
            params.append(("min_id", str(state["newest"])))
        response = await self.api.account_statuses(self.me.remote_id, params)
        raw = response.body if isinstance(response.body, list) else []
        statuses = [s for s in raw if isinstance(s, dict) and isinstance(s.get("id"), str)]
        if not statuses:
            return Page((), cursor or json.dumps({"newest": None}), more=False)
        items: list[Message] = []
        rejected: list[tuple[str, str]] = []
        for status in sorted(statuses, key=lambda s: mapping.id_key(s["id"])):  # oldest first
            parent = status.get("in_reply_to_id")
            if not isinstance(parent, str):
                continue
            kind = Kind.DM if status.get("visibility") == "direct" else Kind.REPLY
            try:
                items.append(mapping.status_message(status, self.me, kind, reply_key(parent)))
            except BadPayload as exc:
                rejected.append((str(exc), mapping.dump(status)))
        newest = mapping.newest([s["id"] for s in statuses])
        # A first sync stops after one page; a forward walk goes on until a page is empty.
        more = bool(state.get("newest"))
        return Page(
            tuple(items), json.dumps({"newest": newest}), more=more, rejected=tuple(rejected)
        )

    async def _types(self) -> list[str]:
        types = ["mention"]
        try:
            versions = (await self.instance_info()).get("api_versions") or {}
        except (NetworkError, RemoteRejected):
            return types
        if _int(versions.get("mastodon"), 0) >= QUOTES_API_VERSION:
            types.append("quote")
        return types

    async def _messages(
        self, raw: list[Any], cutoff: datetime | None
    ) -> tuple[list[Message], list[tuple[str, str]], bool]:
        """Map a page of notifications, each with its thread; (messages, rejected, too_old)."""
        items: list[Message] = []
        rejected: list[tuple[str, str]] = []
        too_old = False
        contexts: dict[str, tuple[list[Any], list[Any]]] = {}
        for n in raw:
            if isinstance(n, dict) and n.get("type") not in ("mention", "quote"):
                continue
            try:
                item = mapping.mention_item(n, self.me)
                if cutoff is not None and _older(item, cutoff):
                    too_old = True
                    continue
                ancestors, descendants = await self._context(item, contexts)
                if len(self._parsed) > PARSED_KEPT:
                    self._parsed.clear()
                messages, bad = mapping.thread_messages(
                    item, ancestors, self.me, descendants, self._parsed
                )
            except BadPayload as exc:
                rejected.append((str(exc), mapping.dump(n)))
                continue
            items.extend(messages)
            rejected.extend(bad)
        return items, rejected, too_old

    async def _context(
        self, item: MentionItem, cache: dict[str, tuple[list[Any], list[Any]]]
    ) -> tuple[list[Any], list[Any]]:
        """(ancestors, descendants) of a reply; nothing for a thread's first post."""
        if item.in_reply_to is None:
            return [], []
        if item.status_id not in cache:
            try:
                context = await self.api.context(item.status_id)
            except RemoteRejected as exc:
                if exc.status != 404:  # 404: the parent is private or deleted
                    raise
                context = {}
            parts = [context.get(k) if isinstance(context, dict) else None for k in _CONTEXT]
            ancestors, descendants = (p if isinstance(p, list) else [] for p in parts)
            cache[item.status_id] = (ancestors, descendants)
        return cache[item.status_id]

    async def search(self, spec: SearchSpec, cursor: str | None) -> Page[Message]:
        """A monitoring column's search: see networks/mastodon/search.py."""
        return await monitor.search(self, spec, cursor)

    # -- live ----------------------------------------------------------------------

    async def live(self) -> AsyncIterator[str]:
        """Wake-up events from the streaming API; see streaming.wake_events."""
        if not self.live_updates:  # e.g. the demo's recorded instance: poll instead
            raise NetworkError("Live updates are off for this account")
        info = await self.instance_info()
        urls = (info.get("configuration") or {}).get("urls") or {}
        base = urls.get("streaming") if isinstance(urls.get("streaming"), str) else None
        async for event in streaming.wake_events(base or self.api.base, self._token):
            yield event

    # -- outbound ------------------------------------------------------------------

    async def send(self, outgoing: Outgoing) -> Sent:
        form: list[tuple[str, str]] = []
        text = outgoing.text
        target = outgoing.in_reply_to
        visibility = outgoing.visibility or "public"
        if target is not None:
            form.append(("in_reply_to_id", target.remote_id))
            text = self.mention_prefix(target, visibility, text) + text
        form.append(("status", text))
        form.append(("visibility", visibility))
        if outgoing.spoiler_text:
            form += [("spoiler_text", outgoing.spoiler_text), ("sensitive", "true")]
        if outgoing.language:
            form.append(("language", outgoing.language))
        for media_id in await self._upload_all(outgoing):
            form.append(("media_ids[]", media_id))
        if outgoing.scheduled_at is not None:
            form.append(("scheduled_at", to_iso(outgoing.scheduled_at)))
        # The outbox row's key on every retry: the server answers a repeat with the
        # status it already made (it keeps the key an hour) instead of posting twice.
        body = await self.api.post_status(form, outgoing.idempotency_key)
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise RemoteRejected("The server did not return the new post")
        if "params" in body and "scheduled_at" in body:
            return Sent(remote_id=body["id"], scheduled=True)
        kind = Kind.DM if visibility == "direct" else Kind.REPLY
        try:  # the conversation files it; the key is filled in there
            message: Message | None = mapping.status_message(body, self.me, kind, "")
        except BadPayload:
            message = None  # sent all the same; the next sync brings it
        return Sent(remote_id=body["id"], url=str(body.get("url") or ""), message=message)

    async def moderate(self, request: Moderation) -> Sent:
        """Block, unblock, mute, unmute (Relationship) or report (Report) one account."""
        account_id = await self._account_id(request)
        action = request.action
        if action in (moderation.BLOCK, moderation.UNBLOCK, moderation.MUTE, moderation.UNMUTE):
            body = await self.api.relationship(account_id, action, request.idempotency_key)
            if not isinstance(body, dict) or str(body.get("id", "")) != account_id:
                raise RemoteRejected(f"{domain_of(self.api.base)} did not confirm the {action}")
            return Sent(remote_id=account_id)
        if action == moderation.REPORT:
            category = request.category if request.category in moderation.CATEGORIES else "other"
            form = [("account_id", account_id), ("category", category), ("forward", "false")]
            if request.reason:
                form.append(("comment", request.reason[:1000]))
            if request.post is not None and request.post.direction.value == "in":
                form.append(("status_ids[]", request.post.remote_id))
            body = await self.api.report(form)
            if not isinstance(body, dict) or not body.get("id"):
                raise RemoteRejected(f"{domain_of(self.api.base)} did not confirm the report")
            return Sent(remote_id=str(body["id"]))
        raise NotSupported(f"Mastodon cannot {action.replace('_', ' ')}.")

    async def _account_id(self, request: Moderation) -> str:
        """The person's account id on our server: from the stored status, else a look-up."""
        post = request.post
        if post is not None and post.raw:
            try:
                status = json.loads(post.raw)
            except ValueError:
                status = None
            account = status.get("account") if isinstance(status, dict) else None
            acct = account.get("acct") if isinstance(account, dict) else None
            same = isinstance(acct, str) and request.handle.split("@")[0] == acct.split("@")[0]
            if same and isinstance(account, dict) and isinstance(account.get("id"), str):
                return str(account["id"])
        body = await self.api.lookup(request.handle.lstrip("@"))
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise RemoteRejected(f"{domain_of(self.api.base)} does not know @{request.handle}")
        return body["id"]

    def mention_prefix(self, target: Message, visibility: str, text: str) -> str:
        """@-mentions a reply needs: every participant of a DM (at most
        spoof.MAX_REPLY_MENTIONS, the author first), else the author."""
        handles = [target.author.handle]
        if visibility == "direct":
            handles += list(target.mentions)
        own = f"{self.me.username}@{self.me.instance}".lower()
        lowered = text.lower()
        out: list[str] = []
        for handle in handles:
            handle = mapping.canonical_acct(handle, self.me.instance)
            if handle.lower() == own:
                continue
            user, _, domain = handle.partition("@")
            written = f"@{user}" if domain.lower() == self.me.instance.lower() else f"@{handle}"
            if written.lower() in lowered or written in out:
                continue
            if f"@{handle}".lower() in lowered:
                continue
            out.append(written)
            if len(out) >= spoof.MAX_REPLY_MENTIONS:  # a crowded DM: the author first, capped
                break
        return " ".join(out) + " " if out else ""

    async def _upload_all(self, outgoing: Outgoing) -> list[str]:
        ids = []
        for index, path in enumerate(outgoing.media_files):
            meta = outgoing.media[index] if index < len(outgoing.media) else None
            focus = outgoing.extra.get(f"focus.{index}", "")
            ids.append(await self.upload(Path(path), meta.description if meta else "", focus))
        return ids

    async def upload(self, path: Path, description: str = "", focus: str = "") -> str:
        """Upload one file; waits (polling) until the server has processed it."""
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise RemoteRejected(f"Cannot read {path.name}: {exc.strerror}") from exc
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        response = await self.api.upload_media(path.name, content, mime, description, focus)
        body = response.body if isinstance(response.body, dict) else {}
        media_id = body.get("id")
        if not isinstance(media_id, str):
            raise RemoteRejected("The server did not return the uploaded media")
        if response.status == 200:
            return media_id
        # 202: still processing; GET answers 206 until it is done, then 200.
        for attempt in range(MEDIA_POLLS):
            await self.sleep(min(2.0**attempt, 10.0))
            if (await self.api.media(media_id)).status == 200:
                return media_id
        raise NetworkError(f"{path.name} is still being processed by the server")

    async def reschedule(self, scheduled_id: str, when: datetime) -> None:
        await self.api.reschedule(scheduled_id, to_iso(when))

    async def cancel_scheduled(self, scheduled_id: str) -> None:
        await self.api.cancel_scheduled(scheduled_id)


def _within(raw: list[Any], mode: str, state: dict[str, Any] | None) -> list[Any]:
    """Only what the cursor asked for: newer than "newest" going forward, older than
    "backfill" walking back. A server that ignores min_id/max_id (or repeats a page)
    then yields an empty page, so the sync ends and the cursor never moves backwards."""
    bound = (state or {}).get("newest" if mode == "forward" else "backfill")
    if mode == "first" or not isinstance(bound, str):
        return raw
    key = mapping.id_key(bound)

    def wanted(n: Any) -> bool:
        if not isinstance(n, dict) or not isinstance(n.get("id"), str):
            return True  # mapped and quarantined as it always was
        newer = mapping.id_key(n["id"]) > key
        return newer if mode == "forward" else mapping.id_key(n["id"]) < key

    return [n for n in raw if wanted(n)]


def _cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        state = json.loads(cursor)
    except ValueError:
        return {"newest": cursor, "backfill": None, "count": 0}  # a bare id
    return state if isinstance(state, dict) else None


def _older(item: MentionItem, cutoff: datetime) -> bool:
    try:
        return from_iso(item.created_at) < cutoff if item.created_at else False
    except ValueError:
        return False


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def create(info: AccountInfo, token: str, **options: Any) -> MastodonAdapter:
    """Registry factory."""
    return MastodonAdapter(info, token, **options)
