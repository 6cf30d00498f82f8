"""The X adapter: mentions and DMs by polling (no streaming on the self-serve tiers), sends.

Cursors (opaque to the engine) are JSON.
- mentions: {"since": newest stored id, "top": newest id of the run under way,
  "next": pagination token, "count": n}. Each run asks for posts newer than
  "since" and follows meta.next_token to the end (newest page first); "since"
  becomes the run's meta.newest_id only on its last page, so a failure mid-run
  re-fetches rather than skips. The first run stops after window_items posts.
- dms: {"seen": newest stored event id, "top", "next", "count"}. /2/dm_events has no
  since_id: a run pages from the newest event until it meets "seen".
- a feed the app's access level lacks (403 client-forbidden) becomes {"off": reason}
  and is not asked again: no error loop.

Frugality: a stream is polled at most once per poll_interval seconds per adapter
(default 15 min: 96 mention calls a day, inside the Basic tier's 10 per 15 minutes,
and since_id means only new posts count against the monthly read cap).
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from inbox.core import moderation
from inbox.core.clock import Clock, SystemClock
from inbox.core.errors import BadPayload, NetworkError, NotSupported, RemoteRejected
from inbox.core.models import AccountInfo, Kind, Message
from inbox.networks.base import DMS, MENTIONS, Limits, Moderation, Outgoing, Page, Sent
from inbox.networks.x import length, mapping
from inbox.networks.x import search as monitor
from inbox.networks.x.api import API_HOST, SaveTokens, Sleep, TierRequired, Tokens, XApi
from inbox.networks.x.help import POLL_INTERVAL
from inbox.networks.x.mapping import Includes

if TYPE_CHECKING:
    from inbox.core.monitoring import SearchSpec

PAGE_SIZE = 100
RECENT_POSTS = 10  # own posts read before re-sending one whose outcome is unknown
TWEET_FIELDS = (
    "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,"
    "attachments,entities,lang"
)
EXPANSIONS = (
    "author_id,referenced_tweets.id,referenced_tweets.id.author_id,attachments.media_keys,"
    "in_reply_to_user_id"
)
USER_FIELDS = "username,name,profile_image_url,public_metrics"
MEDIA_FIELDS = "type,url,preview_image_url,alt_text,width,height"
DM_FIELDS = (
    "id,text,event_type,created_at,dm_conversation_id,sender_id,participant_ids,attachments,"
    "referenced_tweets"
)
TIER_NEEDED = {
    MENTIONS: "reading mentions needs the Basic tier or higher (or pay-per-use credits)",
    DMS: "reading direct messages needs the Pro tier (Basic allows one call a day), "
    "or pay-per-use credits",
}


class XAdapter:
    """One signed-in X account."""

    network = "x"

    def __init__(
        self,
        info: AccountInfo,
        token: str,
        *,
        http: httpx.AsyncClient | None = None,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        save_token: SaveTokens | None = None,
        client_id: str = "",
        client_secret: str = "",
        poll_interval: float = POLL_INTERVAL,
        window_items: int = 200,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.info = info
        self._own_http = http is None
        self.http = http or httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0))
        self.clock: Clock = clock or SystemClock()
        try:
            tokens = Tokens.loads(token, client_id)
        except ValueError:
            tokens = Tokens("")
        self.api = XApi(
            self.http,
            info.instance or API_HOST,
            tokens,
            save_tokens=save_token,
            client_secret=client_secret,
            clock=self.clock,
            sleep=sleep,
        )
        self.poll_interval = poll_interval
        self.window_items = window_items
        self.page_size = page_size
        self._last_poll: dict[str, float] = {}
        self.polled: dict[str, float] = {}  # monitoring search: when it was last asked
        self.search_off_until = 0.0  # the plan refused search: not asked again before this
        self._unknown: set[str] = set()  # idempotency keys whose send ended without an answer
        self.notices: dict[str, str] = {}

    # -- protocol ------------------------------------------------------------------

    async def verify(self) -> AccountInfo:
        response = await self.api.request(
            "GET", "/2/users/me", params={"user.fields": "username,name,profile_image_url"}
        )
        return mapping.account_info(response.body, self.info.instance or API_HOST)

    async def limits(self) -> Limits:
        return Limits(
            max_chars=length.MAX_CHARS,
            url_weight=23,
            max_media=4,
            max_media_bytes=5 * 1024 * 1024,
            alt_text_max=1000,
        )

    async def aclose(self) -> None:
        self.api.flush_tokens()
        if self._own_http:
            await self.http.aclose()

    def status_text(self) -> str:
        """Feeds switched off and the call budget left, for the account's status line."""
        parts = [f"{stream}: {why}" for stream, why in sorted(self.notices.items())]
        budget = self.api.budget_text()
        return "; ".join([*parts, budget] if budget else parts)

    # -- ingest --------------------------------------------------------------------

    async def fetch(self, stream: str, cursor: str | None) -> Page[Message]:
        if stream not in (MENTIONS, DMS):
            raise NotSupported(f"X has no {stream!r} stream")
        state = _cursor(cursor)
        if state.get("off"):
            self.notices[stream] = str(state["off"])
            return Page((), cursor, more=False)
        starting = not state.get("next")
        now = self.clock.now().timestamp()
        last = self._last_poll.get(stream)
        if starting and cursor is not None and last is not None and now - last < self.poll_interval:
            return Page((), cursor, more=False)  # polled recently: spare the read budget
        if starting:
            self._last_poll[stream] = now
        try:
            if stream == MENTIONS:
                return await self._mentions(state)
            return await self._dms(state)
        except TierRequired as exc:
            why = f"{TIER_NEEDED[stream]}; this feed is off for the account ({exc})"
            self.notices[stream] = why
            return Page((), json.dumps({"off": why}), more=False)

    async def search(self, spec: SearchSpec, cursor: str | None) -> Page[Message]:
        """A monitoring column's search: see networks/x/search.py."""
        return await monitor.search(self, spec, cursor)

    async def _mentions(self, state: dict[str, Any]) -> Page[Message]:
        me = self.info.remote_id
        params: dict[str, str] = {
            "max_results": str(self.page_size),
            "tweet.fields": TWEET_FIELDS,
            "expansions": EXPANSIONS,
            "user.fields": USER_FIELDS,
            "media.fields": MEDIA_FIELDS,
        }
        if state.get("since"):
            params["since_id"] = str(state["since"])
        if state.get("next"):
            params["pagination_token"] = str(state["next"])
        body = (
            await self.api.request(
                "GET", f"/2/users/{me}/mentions", endpoint="mentions", params=params
            )
        ).body
        data = body.get("data") if isinstance(body, dict) else None
        meta = body.get("meta") if isinstance(body, dict) else None
        meta = meta if isinstance(meta, dict) else {}
        includes = Includes.of(body)
        items, rejected = [], []
        for tweet in data if isinstance(data, list) else []:
            try:
                items.append(mapping.tweet_message(tweet, includes, me))
            except BadPayload as exc:
                rejected.append((str(exc), mapping.dump(tweet)))
        top = state.get("top") or _newest(meta.get("newest_id"), state.get("since"))
        count = int(state.get("count") or 0) + len(items) + len(rejected)
        next_token = meta.get("next_token") if isinstance(meta.get("next_token"), str) else None
        if next_token is not None and next_token == state.get("next"):
            next_token = None  # the same page again: nothing further to follow
        first_sync = not state.get("since")
        if next_token and not (first_sync and count >= self.window_items):
            new = {"since": state.get("since"), "top": top, "next": next_token, "count": count}
            return Page(_oldest_first(items), json.dumps(new), more=True, rejected=tuple(rejected))
        done = {"since": top, "top": None, "next": None, "count": 0}
        return Page(_oldest_first(items), json.dumps(done), more=False, rejected=tuple(rejected))

    async def _dms(self, state: dict[str, Any]) -> Page[Message]:
        me = self.info.remote_id
        params: dict[str, str] = {
            "max_results": str(self.page_size),
            "event_types": "MessageCreate",
            "dm_event.fields": DM_FIELDS,
            "expansions": "sender_id,participant_ids,attachments.media_keys",
            "user.fields": USER_FIELDS,
            "media.fields": MEDIA_FIELDS,
        }
        if state.get("next"):
            params["pagination_token"] = str(state["next"])
        body = (
            await self.api.request("GET", "/2/dm_events", endpoint="dm_events", params=params)
        ).body
        data = body.get("data") if isinstance(body, dict) else None
        meta = body.get("meta") if isinstance(body, dict) else None
        meta = meta if isinstance(meta, dict) else {}
        includes = Includes.of(body)
        seen = state.get("seen")
        items, rejected = [], []
        reached_seen = False
        ids: list[str] = []
        for event in data if isinstance(data, list) else []:
            event_id = event.get("id") if isinstance(event, dict) else None
            if isinstance(event_id, str):
                if seen and mapping.id_key(event_id) <= mapping.id_key(str(seen)):
                    reached_seen = True
                    continue
                ids.append(event_id)
            try:
                message = mapping.dm_message(event, includes, me)
            except BadPayload as exc:
                rejected.append((str(exc), mapping.dump(event)))
                continue
            if message is not None:
                items.append(message)
        newest = max(ids, key=mapping.id_key) if ids else None
        top = state.get("top") or _newest(newest, seen)
        count = int(state.get("count") or 0) + len(ids)
        next_token = meta.get("next_token") if isinstance(meta.get("next_token"), str) else None
        if next_token is not None and next_token == state.get("next"):
            next_token = None  # the same page again: nothing further to follow
        if next_token and not reached_seen and count < self.window_items:
            new = {"seen": seen, "top": top, "next": next_token, "count": count}
            return Page(_oldest_first(items), json.dumps(new), more=True, rejected=tuple(rejected))
        done = {"seen": top, "top": None, "next": None, "count": 0}
        return Page(_oldest_first(items), json.dumps(done), more=False, rejected=tuple(rejected))

    # -- outbound ------------------------------------------------------------------

    async def send(self, outgoing: Outgoing) -> Sent:
        target = outgoing.in_reply_to
        media_ids = await self._upload_all(
            outgoing, dm=target is not None and target.kind == Kind.DM
        )
        if target is not None and target.kind == Kind.DM:
            return await self._send_dm(outgoing, target, media_ids)
        body: dict[str, Any] = {"text": outgoing.text}
        if target is not None:
            body["reply"] = {"in_reply_to_tweet_id": target.remote_id}
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        key = outgoing.idempotency_key
        retry = key in self._unknown or int(outgoing.extra.get("attempt", "1") or 1) > 1
        if retry:
            found = await self.find_sent(outgoing.text, target.remote_id if target else None)
            if found is not None:
                self._unknown.discard(key)
                return found
        try:
            response = await self.api.request(
                "POST", "/2/tweets", endpoint="tweets", json_body=body, repeatable=False
            )
        except NetworkError:
            self._unknown.add(key)  # it may have gone out: look before the next try
            raise
        self._unknown.discard(key)
        data = response.body.get("data") if isinstance(response.body, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise RemoteRejected("X did not return the new post")
        return Sent(
            remote_id=data["id"], url=f"https://x.com/{self.info.handle}/status/{data['id']}"
        )

    # -- moderation ------------------------------------------------------------------

    async def moderate(self, request: Moderation) -> Sent:
        """Mute or unmute a user, hide or show a reply to our post (blocking and reports are
        not in X's API for this app: Capabilities say so). Each leaves the same state when
        repeated, so a retry after a lost answer is safe."""
        action, me = request.action, self.info.remote_id
        if action == moderation.MUTE:
            body = {"target_user_id": request.user_id}
            await self.api.request(
                "POST", f"/2/users/{me}/muting", endpoint="muting", json_body=body,
                repeatable=True,
            )  # fmt: skip
            return Sent(remote_id=request.user_id)
        if action == moderation.UNMUTE:
            path = f"/2/users/{me}/muting/{request.user_id}"
            await self.api.request("DELETE", path, endpoint="muting", repeatable=True)
            return Sent(remote_id=request.user_id)
        if action in (moderation.HIDE_REPLY, moderation.UNHIDE_REPLY):
            post = request.post
            if post is None or post.kind == Kind.DM:
                raise NotSupported("Only a reply to a post can be hidden on X.")
            hidden = action == moderation.HIDE_REPLY
            response = await self.api.request(
                "PUT", f"/2/tweets/{post.remote_id}/hidden", endpoint="hidden",
                json_body={"hidden": hidden}, repeatable=True,
            )  # fmt: skip
            data = response.body.get("data") if isinstance(response.body, dict) else None
            if not isinstance(data, dict) or data.get("hidden") is not hidden:
                raise RemoteRejected("X did not confirm the change to the reply")
            return Sent(remote_id=post.remote_id)
        raise NotSupported(f"X does not offer {action.replace('_', ' ')} through its API.")

    async def find_sent(self, text: str, reply_to: str | None) -> Sent | None:
        """Our recent post with this text and reply target, if a lost send went out."""
        params = {
            "max_results": str(RECENT_POSTS),
            "tweet.fields": "created_at,referenced_tweets,conversation_id",
        }
        body = (
            await self.api.request(
                "GET",
                f"/2/users/{self.info.remote_id}/tweets",
                endpoint="own_tweets",
                params=params,
            )
        ).body
        data = body.get("data") if isinstance(body, dict) else None
        for tweet in data if isinstance(data, list) else []:
            if not isinstance(tweet, dict) or tweet.get("text") != text:
                continue
            refs = mapping._references(tweet)
            replied = next((str(r.get("id")) for r in refs if r.get("type") == "replied_to"), None)
            if replied == reply_to and isinstance(tweet.get("id"), str):
                tid = tweet["id"]
                return Sent(remote_id=tid, url=f"https://x.com/{self.info.handle}/status/{tid}")
        return None

    async def _send_dm(self, outgoing: Outgoing, target: Message, media_ids: list[str]) -> Sent:
        conversation = target.conversation_key.removeprefix(mapping.DM_PREFIX)
        body: dict[str, Any] = {"text": outgoing.text}
        if media_ids:
            body["attachments"] = [{"media_id": m} for m in media_ids]
        key = outgoing.idempotency_key
        if key in self._unknown or int(outgoing.extra.get("attempt", "1") or 1) > 1:
            found = await self.find_sent_dm(outgoing.text, conversation)
            if found is not None:
                self._unknown.discard(key)
                return found
        try:
            response = await self.api.request(
                "POST",
                f"/2/dm_conversations/{conversation}/messages",
                endpoint="dm_send",
                json_body=body,
                repeatable=False,
            )
        except NetworkError:
            self._unknown.add(key)
            raise
        self._unknown.discard(key)
        data = response.body.get("data") if isinstance(response.body, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("dm_event_id"), str):
            raise RemoteRejected("X did not return the sent message")
        return Sent(remote_id=data["dm_event_id"])

    async def find_sent_dm(self, text: str, conversation: str) -> Sent | None:
        """Our recent message with this text in this DM conversation, if a lost send went out."""
        body = (
            await self.api.request(
                "GET",
                f"/2/dm_conversations/{conversation}/dm_events",
                endpoint="dm_conversation_events",
                params={
                    "max_results": str(RECENT_POSTS),
                    "event_types": "MessageCreate",
                    "dm_event.fields": DM_FIELDS,
                },
            )
        ).body
        data = body.get("data") if isinstance(body, dict) else None
        for event in data if isinstance(data, list) else []:
            if (
                isinstance(event, dict)
                and event.get("sender_id") == self.info.remote_id
                and event.get("text") == text
                and isinstance(event.get("id"), str)
            ):
                return Sent(remote_id=event["id"])
        return None

    async def _upload_all(self, outgoing: Outgoing, dm: bool) -> list[str]:
        ids = []
        for index, path in enumerate(outgoing.media_files):
            meta = outgoing.media[index] if index < len(outgoing.media) else None
            ids.append(await self.upload(Path(path), meta.description if meta else "", dm))
        return ids

    async def upload(self, path: Path, alt_text: str = "", dm: bool = False) -> str:
        """POST /2/media/upload, then the alt text with POST /2/media/metadata."""
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise RemoteRejected(f"Cannot read {path.name}: {exc.strerror}") from exc
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        category = ("dm_" if dm else "tweet_") + ("gif" if mime == "image/gif" else "image")
        response = await self.api.request(
            "POST",
            "/2/media/upload",
            endpoint="media_upload",
            files={"media": (path.name, content, mime)},
            data={"media_category": category},
            repeatable=True,  # an unattached upload is harmless to repeat
        )
        data = response.body.get("data") if isinstance(response.body, dict) else None
        media_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(media_id, str):
            raise RemoteRejected("X did not return the uploaded media")
        if alt_text:
            await self.api.request(
                "POST",
                "/2/media/metadata",
                endpoint="media_metadata",
                json_body={"id": media_id, "metadata": {"alt_text": {"text": alt_text[:1000]}}},
                repeatable=True,
            )
        return media_id


def _cursor(cursor: str | None) -> dict[str, Any]:
    if not cursor:
        return {}
    try:
        state = json.loads(cursor)
    except ValueError:
        return {"since": cursor, "seen": cursor}  # a bare id
    return state if isinstance(state, dict) else {}


def _oldest_first(items: list[Message]) -> tuple[Message, ...]:
    """X answers newest first; the store takes a conversation's contact and first
    decision from its first inbound message, so hand it the page in time order."""
    return tuple(sorted(items, key=lambda m: mapping.id_key(m.remote_id)))


def _newest(*ids: Any) -> str | None:
    found = [i for i in ids if isinstance(i, str) and i]
    return max(found, key=mapping.id_key) if found else None


def create(info: AccountInfo, token: str, **options: Any) -> XAdapter:
    """Registry factory."""
    return XAdapter(info, token, **options)
