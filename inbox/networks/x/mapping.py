"""X API v2 JSON -> core models: posts (tweets) from the mentions timeline, DM events.

Every lookup into ``includes`` tolerates what X leaves out (a deleted referenced
post, a suspended author); an item that cannot become a Message raises BadPayload
and ends up in quarantine, never a crash. Both the classic field names
(``tweet.fields``, ``referenced_tweets``, ``edit_history_tweet_ids``) and the 2026
OpenAPI ones (``referenced_posts``) are read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from inbox.core.clock import from_iso
from inbox.core.errors import BadPayload
from inbox.core.models import AccountInfo, Contact, Direction, Kind, Media, Message

NETWORK = "x"
DM_PREFIX = "dm:"
_MEDIA_KINDS = {"photo": "image", "video": "video", "animated_gif": "gifv"}


@dataclass(frozen=True)
class Includes:
    """The expansions of one response, by id."""

    users: dict[str, dict[str, Any]]
    tweets: dict[str, dict[str, Any]]
    media: dict[str, dict[str, Any]]

    @classmethod
    def of(cls, body: Any) -> Includes:
        inc = body.get("includes") if isinstance(body, dict) else None
        inc = inc if isinstance(inc, dict) else {}

        def index(name: str, key: str) -> dict[str, dict[str, Any]]:
            items = inc.get(name)
            if not isinstance(items, list):
                return {}
            return {
                str(i[key]): i for i in items if isinstance(i, dict) and isinstance(i.get(key), str)
            }

        posts = index("tweets", "id") or index("posts", "id")
        return cls(index("users", "id"), posts, index("media", "media_key"))


def dump(raw: Any) -> str:
    try:
        return json.dumps(raw, ensure_ascii=False, sort_keys=True)[:20000]
    except (TypeError, ValueError):
        return repr(raw)[:20000]


def _str(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise BadPayload(f"X item without {key}", obj)
    return value


def contact(user_id: str, includes: Includes) -> Contact:
    user = includes.users.get(user_id) or {}
    username = user.get("username") if isinstance(user.get("username"), str) else ""
    metrics = user.get("public_metrics") if isinstance(user.get("public_metrics"), dict) else {}
    followers = metrics.get("followers_count") if metrics else None
    return Contact(
        network=NETWORK,
        remote_id=user_id,
        handle=username or user_id,
        display_name=str(user.get("name") or ""),
        avatar_url=str(user.get("profile_image_url") or ""),
        profile_url=f"https://x.com/{username}" if username else "",
        followers_count=followers if isinstance(followers, int) else None,
    )


def account_info(body: Any, instance: str) -> AccountInfo:
    """GET /2/users/me."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise BadPayload("X did not say who this sign-in belongs to", body)
    return AccountInfo(
        network=NETWORK,
        instance=instance,
        remote_id=_str(data, "id"),
        handle=_str(data, "username"),
        display_name=str(data.get("name") or ""),
        avatar_url=str(data.get("profile_image_url") or ""),
    )


def _references(tweet: dict[str, Any]) -> list[dict[str, Any]]:
    refs = tweet.get("referenced_tweets")
    if refs is None:
        refs = tweet.get("referenced_posts")
    return [r for r in refs if isinstance(r, dict)] if isinstance(refs, list) else []


def _media(item: dict[str, Any], includes: Includes) -> tuple[Media, ...]:
    attachments = item.get("attachments")
    keys = attachments.get("media_keys") if isinstance(attachments, dict) else None
    out = []
    for key in keys if isinstance(keys, list) else []:
        m = includes.media.get(str(key))
        if not m:
            continue
        url = m.get("url") or m.get("preview_image_url") or ""
        out.append(
            Media(
                kind=_MEDIA_KINDS.get(str(m.get("type")), "unknown"),
                url=str(url),
                preview_url=str(m.get("preview_image_url") or url),
                description=str(m.get("alt_text") or ""),
            )
        )
    return tuple(out)


def tweet_message(tweet: Any, includes: Includes, me_id: str) -> Message:
    """One post of the mentions timeline (or our own reply) as a Message."""
    if not isinstance(tweet, dict):
        raise BadPayload("X post is not an object", tweet)
    tweet_id = _str(tweet, "id")
    text = tweet.get("text")
    if not isinstance(text, str):
        raise BadPayload("X post without text", tweet)
    author_id = _str(tweet, "author_id")
    try:
        created = from_iso(_str(tweet, "created_at"))
    except ValueError as exc:
        raise BadPayload(f"X post with a bad created_at: {exc}", tweet) from None
    author = contact(author_id, includes)
    refs = _references(tweet)
    replied = next((str(r.get("id")) for r in refs if r.get("type") == "replied_to"), None)
    quoted = any(r.get("type") == "quoted" for r in refs)
    raw_entities = tweet.get("entities")
    entities: dict[str, Any] = raw_entities if isinstance(raw_entities, dict) else {}
    listed = entities.get("mentions")
    mentions = tuple(
        str(m["username"])
        for m in (listed if isinstance(listed, list) else [])
        if isinstance(m, dict) and isinstance(m.get("username"), str)
    )
    conversation = tweet.get("conversation_id")

    return Message(
        remote_id=tweet_id,
        conversation_key=conversation
        if isinstance(conversation, str) and conversation
        else tweet_id,
        kind=_kind(tweet, replied, quoted, me_id),
        author=author,
        text=text,
        created_at=created,
        url=f"https://x.com/{author.handle}/status/{tweet_id}",
        direction=Direction.OUT if author_id == me_id else Direction.IN,
        in_reply_to=replied,
        language=str(tweet.get("lang") or ""),
        media=_media(tweet, includes),
        mentions=mentions,
        raw=dump(tweet),
    )


def _kind(tweet: dict[str, Any], replied: str | None, quoted: bool, me_id: str) -> Kind:
    """A reply to one of our posts, a quote of one, or a mention."""
    if replied and tweet.get("in_reply_to_user_id") == me_id:
        return Kind.REPLY
    if quoted and not replied:
        return Kind.QUOTE
    return Kind.MENTION


def dm_message(event: Any, includes: Includes, me_id: str) -> Message | None:
    """One DM event; None for events that are not messages (joins, leaves)."""
    if not isinstance(event, dict):
        raise BadPayload("X DM event is not an object", event)
    if event.get("event_type", "MessageCreate") != "MessageCreate":
        return None
    event_id = _str(event, "id")
    sender = _str(event, "sender_id")
    conversation = _str(event, "dm_conversation_id")
    try:
        created = from_iso(_str(event, "created_at"))
    except ValueError as exc:
        raise BadPayload(f"X DM with a bad created_at: {exc}", event) from None
    text = event.get("text")
    participants = event.get("participant_ids")
    others = [
        contact(str(p), includes).handle
        for p in (participants if isinstance(participants, list) else [])
        if str(p) not in (me_id, sender)
    ]
    return Message(
        remote_id=event_id,
        conversation_key=DM_PREFIX + conversation,
        kind=Kind.DM,
        author=contact(sender, includes),
        text=text if isinstance(text, str) else "",
        created_at=created,
        direction=Direction.OUT if sender == me_id else Direction.IN,
        visibility="direct",
        media=_media(event, includes),
        mentions=tuple(others),
        raw=dump(event),
    )


def id_key(value: str) -> tuple[int, str]:
    """Order X's snowflake ids (strings) without casting: length first, then text."""
    return len(value), value
