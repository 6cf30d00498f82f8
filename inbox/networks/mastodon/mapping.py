"""Mastodon JSON -> core models. Pure: no I/O; a malformed item raises BadPayload, never more."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inbox.core.clock import from_iso
from inbox.core.errors import BadPayload
from inbox.core.html import sanitize, to_text
from inbox.core.models import AccountInfo, Contact, Direction, Kind, Media, Message

NETWORK = "mastodon"
MEDIA_KINDS = {"image", "video", "gifv", "audio"}


@dataclass(frozen=True)
class Me:
    """Who we are on this instance: decides direction and the canonical handles."""

    instance: str  # host, e.g. mastodon.social
    remote_id: str
    username: str = ""


def id_key(remote_id: str) -> tuple[int, str]:
    """Order Mastodon ids without casting: longer is newer, then lexical."""
    return (len(remote_id), remote_id)


def newest(ids: list[str]) -> str:
    return max(ids, key=id_key)


def canonical_acct(acct: str, instance: str) -> str:
    """user@domain for everyone: local accounts come as a bare username."""
    acct = acct.lstrip("@")
    return acct if "@" in acct else f"{acct}@{instance}"


def _str(obj: dict[str, Any], key: str, default: str | None = None) -> str:
    value = obj.get(key, default)
    if value is None and default is not None:
        return default
    if not isinstance(value, str):
        raise BadPayload(f"field {key!r} is not text", obj)
    return value


def _dict(obj: Any, what: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise BadPayload(f"{what} is not an object", obj)
    return obj


def account_info(data: Any, instance: str, domain: str | None = None) -> AccountInfo:
    """verify_credentials -> AccountInfo; domain (default: instance) completes local handles."""
    account = _dict(data, "account")
    return AccountInfo(
        network=NETWORK,
        instance=instance,
        remote_id=_str(account, "id"),
        handle=canonical_acct(_str(account, "acct"), domain or instance),
        display_name=_str(account, "display_name", ""),
        avatar_url=_str(account, "avatar", ""),
    )


def contact(data: Any, me: Me) -> Contact:
    account = _dict(data, "account")
    handle = canonical_acct(_str(account, "acct"), me.instance)
    followers = account.get("followers_count")
    return Contact(
        network=NETWORK,
        remote_id=handle,  # ids are per instance; the WebFinger address is global
        handle=handle,
        display_name=_str(account, "display_name", "") or _str(account, "username", ""),
        avatar_url=_str(account, "avatar", ""),
        profile_url=_str(account, "url", ""),
        followers_count=followers if isinstance(followers, int) else None,
    )


def _media(items: Any) -> tuple[Media, ...]:
    if not isinstance(items, list):
        raise BadPayload("media_attachments is not a list", items)
    out = []
    for item in items:
        m = _dict(item, "media attachment")
        kind = _str(m, "type", "unknown")
        out.append(
            Media(
                kind=kind if kind in MEDIA_KINDS else "unknown",
                url=_str(m, "url", "") or _str(m, "remote_url", ""),
                preview_url=_str(m, "preview_url", ""),
                description=_str(m, "description", ""),
            )
        )
    return tuple(out)


def _poll_text(poll: Any) -> str:
    """A poll as plain lines, e.g. "Poll: ○ Tea (3) ○ Coffee (1)"."""
    if poll is None:
        return ""
    p = _dict(poll, "poll")
    options = p.get("options")
    if not isinstance(options, list):
        raise BadPayload("poll options are not a list", poll)
    lines = []
    for option in options:
        o = _dict(option, "poll option")
        votes = o.get("votes_count")
        count = f" ({votes})" if isinstance(votes, int) else ""
        lines.append(f"○ {_str(o, 'title')}{count}")
    state = " (closed)" if p.get("expired") is True else ""
    return "Poll" + state + ":\n" + "\n".join(lines)


def status_message(data: Any, me: Me, kind: Kind, conversation_key: str) -> Message:
    """One Status as a Message of conversation_key; ours (by account id) are Direction.OUT."""
    status = _dict(data, "status")
    account = _dict(status.get("account"), "status account")
    author = contact(account, me)
    visibility = _str(status, "visibility", "public")
    html = sanitize(_str(status, "content", ""))
    text = to_text(html, sanitized=True)
    poll = _poll_text(status.get("poll"))
    if poll:
        text = f"{text}\n\n{poll}" if text else poll
    mentions = []
    raw_mentions = status.get("mentions") or []
    if not isinstance(raw_mentions, list):
        raise BadPayload("mentions is not a list", status)
    for mention in raw_mentions:
        mentions.append(canonical_acct(_str(_dict(mention, "mention"), "acct"), me.instance))
    in_reply_to = status.get("in_reply_to_id")
    if in_reply_to is not None and not isinstance(in_reply_to, str):
        raise BadPayload("in_reply_to_id is not text", status)
    try:
        created = from_iso(_str(status, "created_at"))
    except ValueError:
        raise BadPayload("created_at is not a date", status) from None
    ours = _str(account, "id") == me.remote_id
    language = status.get("language")
    return Message(
        remote_id=_str(status, "id"),
        conversation_key=conversation_key,
        kind=kind,
        author=author,
        text=text,
        created_at=created,
        html=html,
        url=_str(status, "url", "") or _str(status, "uri", ""),
        direction=Direction.OUT if ours else Direction.IN,
        in_reply_to=in_reply_to,
        visibility=visibility,
        spoiler_text=_str(status, "spoiler_text", ""),
        language=language if isinstance(language, str) else "",
        media=_media(status.get("media_attachments") or []),
        mentions=tuple(mentions),
        raw=json.dumps(status, ensure_ascii=False),
    )


def notification_kind(notification: dict[str, Any], status: dict[str, Any], me: Me) -> Kind:
    if status.get("visibility") == "direct":
        return Kind.DM
    if notification.get("type") == "quote":
        return Kind.QUOTE
    if status.get("in_reply_to_account_id") == me.remote_id:
        return Kind.REPLY
    return Kind.MENTION


@dataclass(frozen=True)
class MentionItem:
    """A checked mention notification: its id, status and what it is to us."""

    notification_id: str
    status: dict[str, Any]
    kind: Kind
    created_at: str

    @property
    def status_id(self) -> str:
        return str(self.status["id"])

    @property
    def in_reply_to(self) -> str | None:
        value = self.status.get("in_reply_to_id")
        return value if isinstance(value, str) else None


def mention_item(data: Any, me: Me) -> MentionItem:
    """Check a notification's shape; raises BadPayload when it is not usable."""
    n = _dict(data, "notification")
    status = _dict(n.get("status"), "notification status")
    notification_id = _str(n, "id")
    _str(status, "id")
    _dict(status.get("account"), "status account")
    return MentionItem(
        notification_id, status, notification_kind(n, status, me), _str(n, "created_at", "")
    )


def thread_messages(
    item: MentionItem,
    ancestors: list[Any],
    me: Me,
    descendants: Sequence[Any] = (),
    parsed: dict[tuple[str, Kind, str], Message] | None = None,
) -> tuple[list[Message], list[tuple[str, str]]]:
    """The mention and what was said before it, all in one conversation keyed by the root.

    parsed: statuses already made into messages (by id, kind and conversation), reused:
    every reply's context repeats its thread's earlier statuses, and parsing one
    (sanitizing, plain text, raw JSON) is most of a sync's cost on the engine thread.
    The store keeps the first copy of a remote id anyway, so a reused one changes nothing.

    Our own statuses among the descendants (a reply we already sent, from any
    client) are kept too, so the pane shows the customer was answered.

    Returns:
        (the mention, then its ancestors oldest first; rejected (reason, raw) pairs).
    """
    good: list[dict[str, Any]] = []
    rejected: list[tuple[str, str]] = []
    for ancestor in ancestors:
        if isinstance(ancestor, dict) and isinstance(ancestor.get("id"), str):
            good.append(ancestor)
        else:
            rejected.append(("ancestor is not a status", dump(ancestor)))
    root = good[0]["id"] if good else item.status_id
    key = f"{'dm' if item.kind is Kind.DM else 'thread'}:{root}"

    def parse(status: dict[str, Any]) -> Message:
        if parsed is None:
            return status_message(status, me, item.kind, key)
        seen = (str(status["id"]), item.kind, key)
        message = parsed.get(seen)
        if message is None:
            message = parsed[seen] = status_message(status, me, item.kind, key)
        return message

    # The mention goes first: the first message stored opens the conversation, and
    # its author (not our own root post) is the contact the deck shows.
    messages = [parse(item.status)]
    ours = [
        d
        for d in descendants
        if isinstance(d, dict)
        and isinstance(d.get("id"), str)
        and isinstance(d.get("account"), dict)
        and d["account"].get("id") == me.remote_id
    ]
    for status in [*good, *ours]:
        try:
            messages.append(parse(status))
        except BadPayload as exc:
            rejected.append((str(exc), dump(status)))
    return messages, rejected


def dump(value: Any) -> str:
    """Raw JSON of a rejected item, for the quarantine."""
    try:
        return json.dumps(value, ensure_ascii=False)[:100_000]
    except (TypeError, ValueError):
        return repr(value)[:100_000]
