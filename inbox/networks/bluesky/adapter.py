"""The Bluesky adapter: the network protocol built from xrpc (calls), mapping and richtext.

Mentions cursor (opaque to the engine), JSON:
    {"hw": indexedAt of the newest notification stored, "back": server cursor while
     back-filling, "fwd": server cursor while catching up, "top": newest seen while
     catching up, "count": items back-filled}
listNotifications has no `since`: every sync reads from the newest page down to
the high-water mark. The first sync back-fills a bounded window (days or items).

DMs cursor, JSON: {"log": getLog cursor, "until": ISO time before which chat is
not asked again, "notice": the last problem reported}. The first sync reads the
newest messages of the newest conversations; later ones follow chat.bsky.convo.getLog.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from inbox.core import moderation
from inbox.core.clock import Clock, SystemClock, from_iso, to_iso
from inbox.core.errors import AuthExpired, BadPayload, NetworkError, NotSupported, RemoteRejected
from inbox.core.models import AccountInfo, Contact, Kind, Message, reply_key
from inbox.networks.base import DMS, MENTIONS, OWN, Limits, Moderation, Outgoing, Page, Sent
from inbox.networks.base import cursor_state as _state
from inbox.networks.bluesky import linkcard, mapping, records, richtext
from inbox.networks.bluesky import search as monitor
from inbox.networks.bluesky.mapping import Me
from inbox.networks.bluesky.xrpc import CHAT_PROXY, Session, Sleep, Xrpc, XrpcFailed

if TYPE_CHECKING:
    from inbox.core.monitoring import SearchSpec

PAGE_SIZE = 50
CHAT_PAGE = 50
CHAT_CONVOS = 20  # conversations read on the first DM sync
CHAT_PAUSE = timedelta(minutes=15)  # after the chat service failed
DENIED_PAUSE = timedelta(hours=24)  # after the app password turned out not to allow DMs
NO_DMS = (
    "This app password cannot read direct messages. To see DMs here, make a new app "
    'password with "Allow access to your direct messages" ticked and sign in again.'
)
POST = "app.bsky.feed.post"
BLOCK = "app.bsky.graph.block"
THREADGATE = "app.bsky.feed.threadgate"
REASONS = {
    "spam": "com.atproto.moderation.defs#reasonSpam",
    "violation": "com.atproto.moderation.defs#reasonViolation",
    "other": "com.atproto.moderation.defs#reasonOther",
}


class BlueskyAdapter:
    """One signed-in Bluesky account (an app-password session)."""

    network = "bluesky"

    def __init__(
        self,
        info: AccountInfo,
        token: str,
        *,
        http: httpx.AsyncClient | None = None,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        save_token: Callable[[str], None] | None = None,
        window_days: float = 7,
        window_items: int = 800,
        page_size: int = PAGE_SIZE,
        chat_proxy: str = CHAT_PROXY,
        link_cards: bool = True,
    ) -> None:
        self.info = info
        session = Session.loads(token)
        self._own_http = http is None
        self.http = http or httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0))
        self.clock: Clock = clock or SystemClock()
        self.sleep = sleep
        save = save_token
        self.xrpc = Xrpc(
            self.http,
            info.instance or session.service,
            session,
            on_session=(lambda s: save(s.dumps())) if save else None,
            clock=self.clock,
            sleep=sleep,
        )
        self.me = Me(session.did, session.handle)
        self.window = timedelta(days=window_days)
        self.window_items = window_items
        self.page_size = page_size
        self.chat_proxy = chat_proxy
        self.link_cards = link_cards  # a new post's first link gets a card (linkcard.py)
        self._chat_people: dict[str, dict[str, Contact]] = {}
        self.dm_notice = ""  # why direct messages are not being read, for status_text
        self._unreadable: set[str] = set()  # bad notifications already quarantined

    # -- protocol ----------------------------------------------------------------------

    async def verify(self) -> AccountInfo:
        """Who the account is: its profile from the AppView, else the PDS's own session.

        The AppView indexes a new account on its own queue; until then getProfile answers
        "Profile not found" (400 InvalidRequest). The PDS always knows its own account, so
        getSession names it (handle and DID, no display name yet) and sign-in succeeds.
        """
        try:
            profile = await self.xrpc.get("app.bsky.actor.getProfile", {"actor": self.me.did})
        except XrpcFailed as exc:
            if exc.error not in ("InvalidRequest", "NotFound", "ProfileNotFound"):
                raise
            mine = await self.xrpc.get("com.atproto.server.getSession")
            if isinstance(mine, dict):  # no displayName or avatar: the AppView has none yet
                mine = {"did": mine.get("did"), "handle": mine.get("handle")}
            profile = mine
        try:
            return mapping.account_info(profile, self.xrpc.service)
        except BadPayload as exc:
            raise NetworkError(f"{self.xrpc.host} sent an unreadable profile: {exc}") from exc

    async def limits(self) -> Limits:
        return Limits(
            max_chars=300,
            url_weight=0,  # links count in full
            max_media=records.MAX_IMAGES,
            max_media_bytes=records.MAX_IMAGE_BYTES,
            alt_text_max=2000,
        )

    def status_text(self) -> str:
        """What the account's status line says after a good sync: why DMs are not read
        (said there, as a state, not as an error on every sync) and the rate budget left
        from the last `RateLimit-*` headers."""
        parts = [self.dm_notice] if self.dm_notice else []
        budget = self.xrpc.budget.describe()
        return "; ".join([*parts, budget] if budget else parts)

    async def aclose(self) -> None:
        if self._own_http:
            await self.http.aclose()

    # -- ingest: notifications ---------------------------------------------------------

    async def fetch(self, stream: str, cursor: str | None) -> Page[Message]:
        if stream == MENTIONS:
            return await self._mentions(cursor)
        if stream == DMS:
            return await self._dms(cursor)
        if stream == OWN:
            return await self._own(cursor)
        raise NotSupported(f"Bluesky has no {stream!r} stream")

    async def search(self, spec: SearchSpec, cursor: str | None) -> Page[Message]:
        """A monitoring column's search: see networks/bluesky/search.py."""
        return await monitor.search(self, spec, cursor)

    async def _mentions(self, cursor: str | None) -> Page[Message]:
        state = _state(cursor)
        params: list[tuple[str, str]] = [("reasons", r) for r in mapping.REASONS]
        params.append(("limit", str(self.page_size)))
        server_cursor = state.get("back") or state.get("fwd")
        if server_cursor:
            params.append(("cursor", str(server_cursor)))
        body = await self.xrpc.get("app.bsky.notification.listNotifications", params)
        raw = body.get("notifications") if isinstance(body, dict) else None
        raw = raw if isinstance(raw, list) else []
        next_server = body.get("cursor") if isinstance(body, dict) else None
        next_server = next_server if isinstance(next_server, str) and next_server else None
        if next_server is not None and next_server == server_cursor:
            next_server = None  # a server that repeats the page it was asked for has no more
        notes: list[mapping.Notification] = []
        rejected: list[tuple[str, str]] = []
        newest: datetime | None = None
        hw = _when(state.get("hw"))
        mode = "back" if state.get("back") or "hw" not in state else "fwd"
        cutoff = self.clock.now() - self.window

        def old(at: datetime | None) -> bool:
            """Forward: stored by an earlier sync; back: older than the back-fill window."""
            if at is None:
                return False
            return (mode == "fwd" and hw is not None and at <= hw) or (
                mode == "back" and at < cutoff
            )

        keep: list[mapping.Notification] = []
        reached = False  # forward: met what the last sync stored; back: the window is full
        for n in raw:  # newest first
            try:
                note = mapping.notification(n)
            except BadPayload as exc:
                reason = n.get("reason") if isinstance(n, dict) else None
                if isinstance(reason, str) and reason not in mapping.KINDS:
                    continue  # a like or follow slipped through the filter: not an error
                raw_item = mapping.dump(n)
                at = _when(n.get("indexedAt")) if isinstance(n, dict) else None
                # Quarantined and reported once: not when it is below what an earlier sync
                # read (a later page re-reads it), nor again in this session's next pass.
                if reached or old(at) or raw_item in self._unreadable:
                    continue
                if len(self._unreadable) < 1000:
                    self._unreadable.add(raw_item)
                rejected.append((str(exc), raw_item))
                continue
            notes.append(note)
            at = from_iso(note.indexed_at)
            newest = at if newest is None or at > newest else newest
            if old(at):
                reached = True
                continue
            keep.append(note)
        items, bad = await self._threads(keep)
        rejected += bad
        if mode == "back":
            top = state.get("hw") if "hw" in state else (to_iso(newest) if newest else None)
            count = int(state.get("count") or 0) + len(keep)
            full = reached or next_server is None or count >= self.window_items
            new_state = {"hw": top, "back": None if full else next_server, "count": count}
            if top is None:
                new_state.pop("hw")
                new_state["hw"] = to_iso(self.clock.now() - self.window)
            # After the back-fill, one forward pass picks up what arrived meanwhile.
            return Page(tuple(items), json.dumps(new_state), more=True, rejected=tuple(rejected))
        top = _later(state.get("top"), newest)
        if reached or next_server is None or not notes:
            new_hw = _later(state.get("hw"), _when(top))
            new_state = {"hw": new_hw, "count": state.get("count", 0)}
            return Page(tuple(items), json.dumps(new_state), more=False, rejected=tuple(rejected))
        new_state = {"hw": state.get("hw"), "fwd": next_server, "top": top, "count": 0}
        return Page(tuple(items), json.dumps(new_state), more=True, rejected=tuple(rejected))

    async def _own(self, cursor: str | None) -> Page[Message]:
        """Our own replies from any client: listRecords of our posts on the PDS.

        Read straight from our repository (no AppView delay), newest first; a page
        stops at the newest record key seen before. The first sync takes one page:
        older answers came with their threads. Posts that answer nothing are skipped.
        """
        state = _state(cursor)
        seen = state.get("newest")
        body = await self.xrpc.get(
            "com.atproto.repo.listRecords",
            {"repo": self.me.did, "collection": POST, "limit": str(self.page_size)},
        )
        raw = body.get("records") if isinstance(body, dict) else None
        records_ = [r for r in (raw if isinstance(raw, list) else []) if isinstance(r, dict)]
        items: list[Message] = []
        rejected: list[tuple[str, str]] = []
        keys: list[str] = []
        for record in records_:
            uri = record.get("uri")
            if not isinstance(uri, str):
                rejected.append(("own record has no uri", mapping.dump(record)))
                continue
            rkey = mapping.rkey_of(uri)
            if isinstance(seen, str) and rkey <= seen:
                continue
            keys.append(rkey)
            _, parent = mapping.reply_refs(record.get("value"))
            if parent is None:
                continue
            view = {
                "uri": uri,
                "cid": record.get("cid"),
                "author": {"did": self.me.did, "handle": self.me.handle},
                "record": record.get("value"),
            }
            try:
                items.append(mapping.post_message(view, self.me, Kind.REPLY, reply_key(parent)))
            except BadPayload as exc:
                rejected.append((str(exc), mapping.dump(record)))
        newest = max([*keys, *([seen] if isinstance(seen, str) else [])], default=None)
        return Page(
            tuple(reversed(items)), json.dumps({"newest": newest}), rejected=tuple(rejected)
        )

    async def _threads(
        self, notes: list[mapping.Notification]
    ) -> tuple[list[Message], list[tuple[str, str]]]:
        items: list[Message] = []
        rejected: list[tuple[str, str]] = []
        for note in notes:
            thread = await self._thread(note.uri)
            try:
                messages, bad = mapping.thread_messages(note, thread, self.me)
            except BadPayload as exc:
                rejected.append((str(exc), mapping.dump(note.view)))
                continue
            items.extend(messages)
            rejected.extend(bad)
        return items, rejected

    async def _thread(self, uri: str) -> Any:
        """getPostThread's thread, or None when the post is gone (the notification is used)."""
        try:
            body = await self.xrpc.get(
                "app.bsky.feed.getPostThread", {"uri": uri, "depth": "6", "parentHeight": "80"}
            )
        except XrpcFailed as exc:
            if exc.error in ("NotFound", "InvalidRequest") or exc.status == 404:
                return None
            raise
        return body.get("thread") if isinstance(body, dict) else None

    # -- ingest: direct messages -------------------------------------------------------

    async def _dms(self, cursor: str | None) -> Page[Message]:
        state = _state(cursor)
        until = _when(state.get("until"))
        if until is not None and self.clock.now() < until:
            self.dm_notice = str(state.get("notice") or "")
            return Page((), cursor)
        try:
            if state.get("log"):
                page = await self._dm_log(state)
            else:
                page = await self._dm_first(state)
            self.dm_notice = ""
            return page
        except XrpcFailed as exc:
            if exc.error == "InvalidToken" or "method" in str(exc).lower():
                return self._dm_pause(state, NO_DMS, DENIED_PAUSE)
            if exc.error in ("MethodNotImplemented",) or exc.status in (404, 501):
                return self._dm_pause(
                    state, f"Direct messages are not available: {exc}", CHAT_PAUSE
                )
            raise
        except NetworkError as exc:
            if isinstance(exc, AuthExpired):
                raise
            # The chat service failing must not stop mentions: try again later, skip nothing.
            return self._dm_pause(state, f"Direct messages could not be read: {exc}", CHAT_PAUSE)

    def _dm_pause(self, state: dict[str, Any], notice: str, pause: timedelta) -> Page[Message]:
        """Wait before asking chat again. The problem is the account's state (status_text),
        not a bad item and not an error on every sync; chat is asked again after pause."""
        self.dm_notice = notice
        new = {**state, "until": to_iso(self.clock.now() + pause), "notice": notice}
        return Page((), json.dumps(new), more=False)

    async def _chat(self, nsid: str, params: Any = None, body: Any = None) -> Any:
        if body is not None:
            return await self.xrpc.post(nsid, body, proxy=self.chat_proxy)
        return await self.xrpc.get(nsid, params, proxy=self.chat_proxy)

    async def _dm_first(self, state: dict[str, Any]) -> Page[Message]:
        body = await self._chat("chat.bsky.convo.listConvos", {"limit": str(CHAT_CONVOS)})
        convos = body.get("convos") if isinstance(body, dict) else None
        items: list[Message] = []
        rejected: list[tuple[str, str]] = []
        revs: list[str] = []
        for convo in convos if isinstance(convos, list) else []:
            try:
                convo_id = mapping._str(mapping._dict(convo, "convo"), "id")
                people = mapping.members(convo)
            except BadPayload as exc:
                rejected.append((str(exc), mapping.dump(convo)))
                continue
            self._chat_people[convo_id] = people
            if isinstance(convo.get("rev"), str):
                revs.append(convo["rev"])
            got = await self._chat(
                "chat.bsky.convo.getMessages", {"convoId": convo_id, "limit": str(CHAT_PAGE)}
            )
            bad = self._chat_items(
                got.get("messages") if isinstance(got, dict) else None, convo_id, people, items
            )
            rejected += bad
        log = max(revs) if revs else None
        if log is None:  # no conversation yet: start the log from its current end
            log = await self._log_end()
        new = {k: v for k, v in state.items() if k not in ("until", "notice")}
        new["log"] = log
        return Page(tuple(items), json.dumps(new), more=False, rejected=tuple(rejected))

    async def _log_end(self) -> str | None:
        body = await self._chat("chat.bsky.convo.getLog", {})
        cursor = body.get("cursor") if isinstance(body, dict) else None
        return cursor if isinstance(cursor, str) and cursor else None

    def _chat_items(
        self,
        messages: Any,
        convo_id: str,
        people: dict[str, Contact],
        items: list[Message],
    ) -> list[tuple[str, str]]:
        rejected: list[tuple[str, str]] = []
        for m in messages if isinstance(messages, list) else []:
            try:
                msg = mapping.chat_message(m, convo_id, people, self.me)
            except BadPayload as exc:
                rejected.append((str(exc), mapping.dump(m)))
                continue
            if msg is not None:
                items.append(msg)
        return rejected

    async def _dm_log(self, state: dict[str, Any]) -> Page[Message]:
        body = await self._chat("chat.bsky.convo.getLog", {"cursor": str(state["log"])})
        logs = body.get("logs") if isinstance(body, dict) else None
        logs = logs if isinstance(logs, list) else []
        items: list[Message] = []
        rejected: list[tuple[str, str]] = []
        last = state["log"]
        for entry in logs:
            if not isinstance(entry, dict):
                rejected.append(("chat log entry is not an object", mapping.dump(entry)))
                continue
            if isinstance(entry.get("rev"), str) and entry["rev"] > last:
                last = entry["rev"]
            if not str(entry.get("$type", "")).endswith("#logCreateMessage"):
                continue
            convo_id = entry.get("convoId")
            if not isinstance(convo_id, str):
                rejected.append(("chat log entry has no convoId", mapping.dump(entry)))
                continue
            people = await self._people(convo_id)
            rejected += self._chat_items([entry.get("message")], convo_id, people, items)
        cursor = body.get("cursor") if isinstance(body, dict) else None
        new_log = cursor if isinstance(cursor, str) and cursor else last
        new = {k: v for k, v in state.items() if k not in ("until", "notice")}
        new["log"] = new_log
        more = bool(logs) and new_log != state["log"]
        return Page(tuple(items), json.dumps(new), more=more, rejected=tuple(rejected))

    async def _people(self, convo_id: str) -> dict[str, Contact]:
        if convo_id not in self._chat_people:
            body = await self._chat("chat.bsky.convo.getConvo", {"convoId": convo_id})
            try:
                self._chat_people[convo_id] = mapping.members(
                    body.get("convo") if isinstance(body, dict) else None
                )
            except BadPayload:
                self._chat_people[convo_id] = {}
        return self._chat_people[convo_id]

    # -- outbound ----------------------------------------------------------------------

    async def send(self, outgoing: Outgoing) -> Sent:
        target = outgoing.in_reply_to
        if target is not None and target.conversation_key.startswith("dm:"):
            return await self._send_dm(target.conversation_key[3:], outgoing)
        text = outgoing.text
        record: dict[str, Any] = {
            "$type": POST,
            "text": text,
            "createdAt": to_iso(self.clock.now()).replace("+00:00", "Z"),
        }
        found = await self.facets(text)
        if found:
            record["facets"] = found
        if outgoing.language:
            record["langs"] = [outgoing.language]
        if target is not None:
            record["reply"] = await self.reply_refs(target)
        embed = await self._images(outgoing)
        if embed is None and target is None and self.link_cards:
            embed = await self._link_card(found)
        if embed is not None:
            record["embed"] = embed
        rkey = outgoing.extra.get("rkey") or records.rkey_for(
            outgoing.idempotency_key, outgoing.queued_at
        )
        return await self.create_post(record, rkey)

    async def create_post(self, record: dict[str, Any], rkey: str) -> Sent:
        """createRecord with a fixed rkey; on an unknown outcome getRecord decides."""
        body = {"repo": self.me.did, "collection": POST, "rkey": rkey, "record": record}
        try:
            answer = await self.xrpc.post("com.atproto.repo.createRecord", body)
        except NetworkError as exc:
            if isinstance(exc, AuthExpired):
                raise
            existing = await self._existing(rkey)
            if existing is None:
                raise  # not written: the outbox retries with the same rkey
            return existing
        except XrpcFailed:
            existing = await self._existing(rkey)
            if existing is None:
                raise
            return existing  # an earlier try landed ("record already exists")
        uri = answer.get("uri") if isinstance(answer, dict) else None
        if not isinstance(uri, str):
            raise RemoteRejected("The PDS did not return the new post")
        return Sent(remote_id=uri, url=mapping.post_url(uri, self.me.handle))

    async def _existing(self, rkey: str, collection: str = POST) -> Sent | None:
        try:
            body = await self.xrpc.get(
                "com.atproto.repo.getRecord",
                {"repo": self.me.did, "collection": collection, "rkey": rkey},
            )
        except XrpcFailed as exc:
            if exc.error in ("RecordNotFound", "NotFound") or exc.status in (400, 404):
                return None
            raise
        uri = body.get("uri") if isinstance(body, dict) else None
        if not isinstance(uri, str):
            return None
        return Sent(remote_id=uri, url=mapping.post_url(uri, self.me.handle))

    # -- moderation --------------------------------------------------------------------

    async def moderate(self, request: Moderation) -> Sent:
        """Block (a graph.block record), mute (muteActor), report (createReport), hide a
        reply (the root post's threadgate), and their undos; each safe to repeat."""
        action, did = request.action, request.user_id
        if action == moderation.BLOCK:
            return await self._block(did, records.rkey_for(request.idempotency_key))
        if action == moderation.UNBLOCK:
            for rkey in await self._blocks_of(did):
                await self.xrpc.post(
                    "com.atproto.repo.deleteRecord",
                    {"repo": self.me.did, "collection": BLOCK, "rkey": rkey},
                    repeatable=True,  # deleting what is gone is not an error
                )
            return Sent(remote_id=did)
        if action in (moderation.MUTE, moderation.UNMUTE):
            nsid = (
                "app.bsky.graph.muteActor"
                if action == moderation.MUTE
                else ("app.bsky.graph.unmuteActor")
            )
            await self.xrpc.post(nsid, {"actor": did}, repeatable=True)
            return Sent(remote_id=did)
        if action == moderation.REPORT:
            return await self._report(request)
        if action in (moderation.HIDE_REPLY, moderation.UNHIDE_REPLY):
            return await self._hide(request, hide=action == moderation.HIDE_REPLY)
        raise NotSupported(f"Bluesky cannot {action.replace('_', ' ')}.")

    async def _block(self, did: str, rkey: str) -> Sent:
        record = {
            "$type": BLOCK,
            "subject": did,
            "createdAt": to_iso(self.clock.now()).replace("+00:00", "Z"),
        }
        body = {"repo": self.me.did, "collection": BLOCK, "rkey": rkey, "record": record}
        try:
            answer = await self.xrpc.post("com.atproto.repo.createRecord", body)
        except (NetworkError, XrpcFailed) as exc:
            if isinstance(exc, AuthExpired):
                raise
            existing = await self._existing(rkey, BLOCK)  # an earlier try landed?
            if existing is None:
                raise
            return existing
        uri = answer.get("uri") if isinstance(answer, dict) else None
        if not isinstance(uri, str):
            raise RemoteRejected("The PDS did not return the block")
        return Sent(remote_id=uri)

    async def _blocks_of(self, did: str) -> list[str]:
        """The rkeys of every block record of ours whose subject is did (read from the PDS,
        so a block made a second ago, or in another app, is found)."""
        found: list[str] = []
        cursor: str | None = None
        for _ in range(100):  # 10,000 blocks at most
            params: dict[str, Any] = {"repo": self.me.did, "collection": BLOCK, "limit": 100}
            if cursor:
                params["cursor"] = cursor
            body = await self.xrpc.get("com.atproto.repo.listRecords", params)
            items = body.get("records") if isinstance(body, dict) else None
            for item in items if isinstance(items, list) else []:
                value = item.get("value") if isinstance(item, dict) else None
                uri = item.get("uri") if isinstance(item, dict) else None
                if isinstance(value, dict) and value.get("subject") == did and isinstance(uri, str):
                    found.append(uri.rsplit("/", 1)[-1])
            cursor = body.get("cursor") if isinstance(body, dict) else None
            if not isinstance(cursor, str) or not isinstance(items, list) or len(items) < 100:
                break  # the PDS gives a cursor even with the last page: a short page ends
        return found

    async def _report(self, request: Moderation) -> Sent:
        subject: dict[str, Any] = {
            "$type": "com.atproto.admin.defs#repoRef",
            "did": request.user_id,
        }
        post = request.post
        if (
            post is not None
            and post.remote_id.startswith("at://")
            and "dm:" not in (post.conversation_key[:3])
        ):
            cid = _json(post.raw).get("cid") or (await self._post_view(post.remote_id)).get("cid")
            if isinstance(cid, str) and cid:
                subject = {"$type": "com.atproto.repo.strongRef", "uri": post.remote_id, "cid": cid}
        body: dict[str, Any] = {
            "reasonType": REASONS.get(request.category, REASONS["other"]),
            "subject": subject,
        }
        if request.reason:
            body["reason"] = request.reason[:2000]
        answer = await self.xrpc.post("com.atproto.moderation.createReport", body)
        report_id = answer.get("id") if isinstance(answer, dict) else None
        if report_id is None:
            raise RemoteRejected("The moderation service did not confirm the report")
        return Sent(remote_id=str(report_id))

    async def _post_view(self, uri: str) -> dict[str, Any]:
        body = await self.xrpc.get("app.bsky.feed.getPosts", {"uris": [uri]})
        posts = body.get("posts") if isinstance(body, dict) else None
        return posts[0] if isinstance(posts, list) and posts and isinstance(posts[0], dict) else {}

    async def _hide(self, request: Moderation, *, hide: bool) -> Sent:
        """Add (or take) the reply's URI in the hiddenReplies of the thread root's threadgate;
        only the author of the root post can do that, so the root must be ours."""
        post = request.post
        if post is None or not post.remote_id.startswith("at://"):
            raise NotSupported("Only a reply to a post can be hidden on Bluesky.")
        record = _json(post.raw).get("record") or _json(post.raw).get("post", {}).get("record")
        reply = record.get("reply") if isinstance(record, dict) else None
        if not isinstance(reply, dict):
            view = await self._post_view(post.remote_id)
            record = view.get("record")
            reply = record.get("reply") if isinstance(record, dict) else None
        root = reply.get("root", {}).get("uri") if isinstance(reply, dict) else None
        if not isinstance(root, str) or not root.startswith(f"at://{self.me.did}/{POST}/"):
            raise NotSupported(
                "Bluesky lets you hide replies only in threads that start with your own post."
            )
        rkey = root.rsplit("/", 1)[-1]
        try:
            current = await self.xrpc.get(
                "com.atproto.repo.getRecord",
                {"repo": self.me.did, "collection": THREADGATE, "rkey": rkey},
            )
            gate = dict(current.get("value") or {}) if isinstance(current, dict) else {}
        except XrpcFailed as exc:
            if exc.error not in ("RecordNotFound", "NotFound") and exc.status not in (400, 404):
                raise
            gate = {}
        hidden = [u for u in gate.get("hiddenReplies") or [] if isinstance(u, str)]
        if hide and post.remote_id not in hidden:
            hidden.append(post.remote_id)
        elif not hide:
            hidden = [u for u in hidden if u != post.remote_id]
        gate.update(
            {
                "$type": THREADGATE,
                "post": root,
                "hiddenReplies": hidden,
                "createdAt": gate.get("createdAt")
                or to_iso(self.clock.now()).replace("+00:00", "Z"),
            }
        )
        body = {"repo": self.me.did, "collection": THREADGATE, "rkey": rkey, "record": gate}
        answer = await self.xrpc.post("com.atproto.repo.putRecord", body, repeatable=True)
        uri = answer.get("uri") if isinstance(answer, dict) else None
        return Sent(remote_id=str(uri or post.remote_id))

    async def facets(self, text: str) -> list[dict[str, Any]]:
        """Facets with every @handle resolved to its DID (unknown handles stay plain text)."""
        dids: dict[str, str] = {}
        for handle in dict.fromkeys(richtext.mention_handles(text)):
            try:
                body = await self.xrpc.get("com.atproto.identity.resolveHandle", {"handle": handle})
            except XrpcFailed:
                continue
            did = body.get("did") if isinstance(body, dict) else None
            if isinstance(did, str):
                dids[handle] = did
        return richtext.facets(text, dids)

    async def reply_refs(self, target: Message) -> dict[str, Any]:
        """reply.root and reply.parent strong refs for an answer to target."""
        post = _json(target.raw)
        if not isinstance(post.get("cid"), str) or post.get("uri") != target.remote_id:
            body = await self.xrpc.get("app.bsky.feed.getPosts", {"uris": target.remote_id})
            posts = body.get("posts") if isinstance(body, dict) else None
            if not isinstance(posts, list) or not posts or not isinstance(posts[0], dict):
                raise RemoteRejected("The post to answer is gone")
            post = posts[0]
        cid = post.get("cid")
        if not isinstance(cid, str):
            raise RemoteRejected("The post to answer has no content id")
        parent = {"uri": target.remote_id, "cid": cid}
        record = post.get("record")
        reply = record.get("reply") if isinstance(record, dict) else None
        root = reply.get("root") if isinstance(reply, dict) else None
        if (
            isinstance(root, dict)
            and isinstance(root.get("uri"), str)
            and isinstance(root.get("cid"), str)
        ):
            return {"root": {"uri": root["uri"], "cid": root["cid"]}, "parent": parent}
        return {"root": parent, "parent": parent}

    async def _images(self, outgoing: Outgoing) -> dict[str, Any] | None:
        if not outgoing.media_files:
            return None
        if len(outgoing.media_files) > records.MAX_IMAGES:
            raise RemoteRejected(f"Bluesky takes at most {records.MAX_IMAGES} images per post")
        images = []
        for index, path in enumerate(outgoing.media_files):
            meta = outgoing.media[index] if index < len(outgoing.media) else None
            blob, size = await self.upload(Path(path))
            image: dict[str, Any] = {"image": blob, "alt": meta.description if meta else ""}
            if size is not None:
                image["aspectRatio"] = {"width": size[0], "height": size[1]}
            images.append(image)
        return {"$type": "app.bsky.embed.images", "images": images}

    async def _link_card(self, facets: list[dict[str, Any]]) -> dict[str, Any] | None:
        """An app.bsky.embed.external for the first link of the post, or None (the post
        goes out without a card when the page cannot be read)."""
        uri = next(
            (
                str(f["features"][0]["uri"])
                for f in facets
                if str(f["features"][0].get("$type", "")).endswith("#link")
            ),
            "",
        )
        card = await linkcard.fetch(self.http, uri) if uri else None
        if card is None:
            return None
        external: dict[str, Any] = {
            "uri": card.uri,
            "title": card.title,
            "description": card.description,
        }
        data = await linkcard.thumbnail(self.http, card.image)
        if data is not None:
            try:
                blob, _ = await self.upload_bytes(data, "the card's image", linkcard.MAX_THUMB)
                external["thumb"] = blob
            except AuthExpired:
                raise
            except (RemoteRejected, NetworkError):
                pass  # a card without its picture
        return {"$type": "app.bsky.embed.external", "external": external}

    async def upload(self, path: Path) -> tuple[dict[str, Any], tuple[int, int] | None]:
        """uploadBlob one image without its metadata; (blob, (width, height))."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise RemoteRejected(f"Cannot read {path.name}: {exc.strerror}") from exc
        return await self.upload_bytes(data, path.name, records.MAX_IMAGE_BYTES)

    async def upload_bytes(
        self, data: bytes, name: str, limit: int
    ) -> tuple[dict[str, Any], tuple[int, int] | None]:
        """uploadBlob image bytes without their metadata; (blob, (width, height))."""
        mime = records.image_mime(data) or mimetypes.guess_type(name)[0] or ""
        if not mime.startswith("image/"):
            raise RemoteRejected(f"{name} is not an image Bluesky accepts")
        data = records.strip_metadata(data)
        if len(data) > limit:
            raise RemoteRejected(
                f"{name} is {len(data) / 1e6:.1f} MB; Bluesky takes images up to "
                f"{limit / 1e6:.0f} MB"
            )
        body = await self.xrpc.post(
            "com.atproto.repo.uploadBlob", content=data, content_type=mime, repeatable=True
        )
        blob = body.get("blob") if isinstance(body, dict) else None
        if not isinstance(blob, dict):
            raise RemoteRejected("The PDS did not return the uploaded image")
        return blob, records.image_size(data)

    async def _send_dm(self, convo_id: str, outgoing: Outgoing) -> Sent:
        message: dict[str, Any] = {"text": outgoing.text}
        found = await self.facets(outgoing.text)
        if found:
            message["facets"] = found
        try:
            body = await self._chat(
                "chat.bsky.convo.sendMessage", body={"convoId": convo_id, "message": message}
            )
        except XrpcFailed as exc:
            if exc.error == "InvalidToken" or "method" in str(exc).lower():
                raise RemoteRejected(NO_DMS) from exc
            raise
        msg_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(msg_id, str):
            raise RemoteRejected("The chat service did not return the message")
        return Sent(remote_id=msg_id)


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return from_iso(value)
    except (ValueError, OverflowError):
        return None


def _later(a: Any, b: datetime | None) -> str | None:
    first = _when(a)
    if first is None:
        return to_iso(b) if b else None
    if b is None or first >= b:
        return to_iso(first)
    return to_iso(b)


def _json(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def create(info: AccountInfo, token: str, **options: Any) -> BlueskyAdapter:
    """Registry factory."""
    return BlueskyAdapter(info, token, **options)
