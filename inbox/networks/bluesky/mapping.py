"""Bluesky JSON -> core models. Pure: no I/O; a malformed item raises BadPayload, never more.

Shapes (lexicons app.bsky.notification.listNotifications, app.bsky.feed.defs,
app.bsky.embed.*, chat.bsky.convo.defs): a notification carries the raw post
`record`; a thread carries `postView`s whose `embed` is already a view (image URLs,
link cards, quoted posts). Message.raw keeps {"uri","cid","author","record",…} so a
reply can build its strong refs without another call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from inbox.core.clock import from_iso
from inbox.core.errors import BadPayload
from inbox.core.models import AccountInfo, Contact, Direction, Kind, Media, Message
from inbox.networks.bluesky.richtext import render

NETWORK = "bluesky"
WEB = "https://bsky.app"
REASONS = ("mention", "reply", "quote")
KINDS = {"mention": Kind.MENTION, "reply": Kind.REPLY, "quote": Kind.QUOTE}
DELETED = "[This post was deleted or is not visible]"
BLOCKED = "[This post is from a blocked account]"


def _dict(obj: Any, what: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise BadPayload(f"{what} is not an object", obj)
    return obj


def _str(obj: dict[str, Any], key: str, default: str | None = None) -> str:
    value = obj.get(key, default)
    if value is None and default is not None:
        return default
    if not isinstance(value, str):
        raise BadPayload(f"field {key!r} is not text", obj)
    return value


def _opt(obj: Any, key: str) -> str:
    """A text field or "" when missing or not text (decorations only)."""
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, str) else ""


def _date(value: Any, what: str) -> datetime:
    if not isinstance(value, str):
        raise BadPayload(f"{what} is not a date", value)
    try:
        return from_iso(value)
    except (ValueError, OverflowError):
        raise BadPayload(f"{what} is not a date: {value[:40]!r}", value) from None


def rkey_of(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


def did_of(uri: str) -> str:
    """at://did:plc:x/collection/rkey -> did:plc:x."""
    return uri.removeprefix("at://").split("/", 1)[0]


def post_url(uri: str, handle: str) -> str:
    return f"{WEB}/profile/{handle or did_of(uri)}/post/{rkey_of(uri)}"


def contact(data: Any) -> Contact:
    """A profileView(Basic) as a Contact keyed by DID (handles can change)."""
    author = _dict(data, "author")
    did = _str(author, "did")
    handle = _str(author, "handle", "") or did
    return Contact(
        network=NETWORK,
        remote_id=did,
        handle=handle,
        display_name=_opt(author, "displayName"),
        avatar_url=_opt(author, "avatar"),
        profile_url=f"{WEB}/profile/{handle}",
        followers_count=author.get("followersCount")
        if isinstance(author.get("followersCount"), int)
        else None,
    )


def account_info(profile: Any, service: str) -> AccountInfo:
    p = _dict(profile, "profile")
    return AccountInfo(
        network=NETWORK,
        instance=service,
        remote_id=_str(p, "did"),
        handle=_str(p, "handle"),
        display_name=_opt(p, "displayName"),
        avatar_url=_opt(p, "avatar"),
    )


# -- embeds ----------------------------------------------------------------------------


def embed_parts(embed: Any) -> tuple[tuple[Media, ...], str]:
    """(media, extra text) of an embed view: images with alt, link cards, quoted posts."""
    if not isinstance(embed, dict):
        return (), ""
    kind = _opt(embed, "$type")
    if kind.startswith("app.bsky.embed.images"):
        images = embed.get("images")
        media = tuple(
            Media(
                kind="image",
                url=_opt(i, "fullsize"),
                preview_url=_opt(i, "thumb"),
                description=_opt(i, "alt"),
            )
            for i in (images if isinstance(images, list) else [])
            if isinstance(i, dict)
        )
        return media, ""
    if kind.startswith("app.bsky.embed.video"):
        return (
            Media(
                kind="video",
                url=_opt(embed, "playlist"),
                preview_url=_opt(embed, "thumbnail"),
                description=_opt(embed, "alt"),
            ),
        ), ""
    if kind.startswith("app.bsky.embed.external"):
        ext = embed.get("external") if isinstance(embed.get("external"), dict) else {}
        title, uri = _opt(ext, "title"), _opt(ext, "uri")
        if not uri:
            return (), ""
        return (), f"🔗 {title} — {uri}" if title else f"🔗 {uri}"
    if kind.startswith("app.bsky.embed.recordWithMedia"):
        media, _ = embed_parts(embed.get("media"))
        _, quote = embed_parts(embed.get("record"))
        return media, quote
    if kind.startswith("app.bsky.embed.record"):
        return (), _quote_text(embed.get("record"))
    return (), ""


def _quote_text(record: Any) -> str:
    if not isinstance(record, dict):
        return ""
    kind = _opt(record, "$type")
    if kind.endswith("#viewNotFound") or record.get("notFound") is True:
        return f"> {DELETED}"
    if kind.endswith("#viewBlocked") or record.get("blocked") is True:
        return f"> {BLOCKED}"
    if kind.endswith("#viewRecord"):
        author = record.get("author") if isinstance(record.get("author"), dict) else {}
        value = record.get("value") if isinstance(record.get("value"), dict) else {}
        text = _opt(value, "text")
        who = _opt(author, "handle") or "someone"
        quoted = "\n".join(f"> {line}" for line in text.splitlines()) or ">"
        return f"Quoting @{who}:\n{quoted}"
    return ""


# -- posts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Me:
    did: str
    handle: str = ""


def reply_refs(record: Any) -> tuple[str | None, str | None]:
    """(root uri, parent uri) of a post record's reply, or (None, None)."""
    reply = record.get("reply") if isinstance(record, dict) else None
    if not isinstance(reply, dict):
        return None, None
    root, parent = reply.get("root"), reply.get("parent")
    root_uri = _opt(root, "uri") or None
    parent_uri = _opt(parent, "uri") or None
    return root_uri, parent_uri


def post_message(view: Any, me: Me, kind: Kind, conversation_key: str) -> Message:
    """A postView (or a notification, same keys) as a Message of conversation_key."""
    post = _dict(view, "post")
    uri = _str(post, "uri")
    if not uri.startswith("at://"):
        raise BadPayload("post uri is not an at:// URI", post)
    _str(post, "cid")
    author = contact(post.get("author"))
    record = _dict(post.get("record"), "post record")
    raw_text = _str(record, "text", "")
    text, html, mentions = render(raw_text, record.get("facets"))
    media, extra = embed_parts(post.get("embed"))
    if not media and not extra and "embed" not in post:
        extra = _record_embed_text(record.get("embed"))
    if extra:
        text = f"{text}\n\n{extra}" if text else extra
        html += "<blockquote>" + _escape_lines(extra) + "</blockquote>"
    created = _date(record.get("createdAt") or post.get("indexedAt"), "createdAt")
    langs = record.get("langs")
    _, parent = reply_refs(record)
    return Message(
        remote_id=uri,
        conversation_key=conversation_key,
        kind=kind,
        author=author,
        text=text,
        created_at=created,
        html=html,
        url=post_url(uri, author.handle),
        direction=Direction.OUT if author.remote_id == me.did else Direction.IN,
        in_reply_to=parent,
        language=langs[0]
        if isinstance(langs, list) and langs and isinstance(langs[0], str)
        else "",
        media=media,
        mentions=mentions,
        raw=dump(
            {k: post[k] for k in ("uri", "cid", "author", "record", "indexedAt") if k in post}
        ),
    )


def _record_embed_text(embed: Any) -> str:
    """A raw record's embed (notifications carry no views): the link card's URL, a quote."""
    if not isinstance(embed, dict):
        return ""
    kind = _opt(embed, "$type")
    if kind == "app.bsky.embed.external":
        ext = embed.get("external") if isinstance(embed.get("external"), dict) else {}
        uri = _opt(ext, "uri")
        return f"🔗 {_opt(ext, 'title')} — {uri}" if uri else ""
    if kind in ("app.bsky.embed.record", "app.bsky.embed.recordWithMedia"):
        inner = embed.get("record")
        if kind.endswith("WithMedia") and isinstance(inner, dict):
            inner = inner.get("record")
        uri = _opt(inner, "uri")
        return f"Quoting {post_url(uri, '')}" if uri.startswith("at://") else ""
    return ""


def _escape_lines(text: str) -> str:
    import html as htmlmod

    return htmlmod.escape(text).replace("\n", "<br>")


def placeholder(node: Any, before: Message, kind: Kind, key: str) -> Message:
    """A deleted or blocked parent: a message saying so, just before its child."""
    n = node if isinstance(node, dict) else {}
    uri = _opt(n, "uri") or f"at://unknown/app.bsky.feed.post/{before.remote_id}-parent"
    blocked = n.get("blocked") is True or _opt(n, "$type").endswith("#blockedPost")
    author = n.get("author") if isinstance(n.get("author"), dict) else {}
    did = _opt(author, "did") or did_of(uri)
    return Message(
        remote_id=uri,
        conversation_key=key,
        kind=kind,
        author=Contact(
            network=NETWORK, remote_id=did, handle=did, profile_url=f"{WEB}/profile/{did}"
        ),
        text=BLOCKED if blocked else DELETED,
        created_at=before.created_at - timedelta(seconds=1),
        html=f"<p><em>{BLOCKED if blocked else DELETED}</em></p>",
        direction=Direction.IN,
        raw=dump(n),
    )


@dataclass(frozen=True)
class Notification:
    """A checked notification: which post, why, and when it was indexed."""

    uri: str
    reason: str
    indexed_at: str
    view: dict[str, Any]  # uri, cid, author, record, indexedAt

    @property
    def kind(self) -> Kind:
        return KINDS[self.reason]


def notification(data: Any) -> Notification:
    """Check one listNotifications item; raises BadPayload when it is not usable."""
    n = _dict(data, "notification")
    reason = _str(n, "reason")
    if reason not in KINDS:
        raise BadPayload(f"notification reason {reason!r} is not for the inbox", n)
    uri = _str(n, "uri")
    if not uri.startswith("at://"):
        raise BadPayload("notification uri is not an at:// URI", n)
    _str(n, "cid")
    _dict(n.get("author"), "notification author")
    _dict(n.get("record"), "notification record")
    indexed = _str(n, "indexedAt")
    _date(indexed, "indexedAt")
    return Notification(uri, reason, indexed, n)


def thread_messages(
    note: Notification, thread: Any, me: Me
) -> tuple[list[Message], list[tuple[str, str]]]:
    """The notified post and what was said before it, keyed by the thread's root.

    thread is getPostThread's `thread` (or None when it could not be read: the
    notification's own record is used then). Parents come oldest last, as the
    Mastodon adapter yields them; our own replies below the post are kept so the
    pane shows the customer was answered.
    """
    rejected: list[tuple[str, str]] = []
    node = thread if isinstance(thread, dict) and isinstance(thread.get("post"), dict) else None
    view = node["post"] if node is not None else note.view
    record = view.get("record") if isinstance(view, dict) else None
    root, _ = reply_refs(record)
    key = f"thread:{root or note.uri}"
    first = post_message(view, me, note.kind, key)
    messages = [first]
    parent = node.get("parent") if node is not None else None
    child = first
    depth = 0
    while isinstance(parent, dict) and depth < 100:
        depth += 1
        if isinstance(parent.get("post"), dict):
            try:
                child = post_message(parent["post"], me, note.kind, key)
                messages.append(child)
            except BadPayload as exc:
                rejected.append((str(exc), dump(parent["post"])))
            parent = parent.get("parent")
        else:
            messages.append(placeholder(parent, child, note.kind, key))
            break
    if node is not None:
        for reply in _own_replies(node.get("replies"), me, 0):
            try:
                messages.append(post_message(reply, me, note.kind, key))
            except BadPayload as exc:
                rejected.append((str(exc), dump(reply)))
    return messages, rejected


def _own_replies(replies: Any, me: Me, depth: int) -> list[Any]:
    out: list[Any] = []
    if not isinstance(replies, list) or depth > 10:
        return out
    for reply in replies:
        if not isinstance(reply, dict) or not isinstance(reply.get("post"), dict):
            continue
        author = reply["post"].get("author")
        if isinstance(author, dict) and author.get("did") == me.did:
            out.append(reply["post"])
        out.extend(_own_replies(reply.get("replies"), me, depth + 1))
    return out


# -- chat ------------------------------------------------------------------------------


def members(convo: Any) -> dict[str, Contact]:
    """The members of a convoView by DID."""
    c = _dict(convo, "convo")
    raw = c.get("members")
    if not isinstance(raw, list):
        raise BadPayload("convo members is not a list", c)
    return {m.remote_id: m for m in (contact(p) for p in raw)}


def chat_message(data: Any, convo_id: str, people: dict[str, Contact], me: Me) -> Message | None:
    """A messageView as a DM; None for deleted and system messages (nothing to answer)."""
    m = _dict(data, "message")
    kind = _opt(m, "$type")
    if kind and not kind.endswith("#messageView"):
        return None
    sender = _str(_dict(m.get("sender"), "message sender"), "did")
    author = people.get(sender) or Contact(network=NETWORK, remote_id=sender, handle=sender)
    text, html, mentions = render(_str(m, "text", ""), m.get("facets"))
    return Message(
        remote_id=_str(m, "id"),
        conversation_key=f"dm:{convo_id}",
        kind=Kind.DM,
        author=author,
        text=text,
        created_at=_date(m.get("sentAt"), "sentAt"),
        html=html,
        direction=Direction.OUT if sender == me.did else Direction.IN,
        visibility="direct",
        mentions=mentions,
        raw=dump({"convoId": convo_id, **m}),
    )


def dump(value: Any) -> str:
    """Raw JSON, for Message.raw and the quarantine."""
    try:
        return json.dumps(value, ensure_ascii=False)[:100_000]
    except (TypeError, ValueError):
        return repr(value)[:100_000]
