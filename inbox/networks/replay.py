"""An adapter that replays already-normalized messages: demo seeding, tests, benchmarks.

Recordings are JSON files in the normalized shape `FORMAT` (see
docs/architecture.md, "Demo workspace"): one file per account,

    {"format": "social-inbox.replay/1", "recorded_at": ISO,
     "account": {"network", "instance", "remote_id", "handle", "display_name"},
     "streams": {"mentions": [item, ...], "dms": [item, ...]}}

where an item is {"id", "conversation", "kind", "direction", "author": {"id",
"handle", "name", "followers", "avatar_url", "profile_url"}, "text", "html",
"created_at", "url", "in_reply_to", "visibility", "language", "mentions",
"media": [{"kind", "url", "preview_url", "description"}]}.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from inbox.core.clock import from_iso
from inbox.core.models import AccountInfo, Contact, Direction, Kind, Media, Message
from inbox.networks.base import Limits, Outgoing, Page, Sent

FORMAT = "social-inbox.replay/1"


@dataclass(frozen=True)
class Recording:
    """A parsed recording: the account, its streams, and the items that failed to parse."""

    account: AccountInfo
    streams: dict[str, list[Message]]
    rejected: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def parse_recording(data: Mapping[str, Any], shift: timedelta = timedelta()) -> Recording:
    """Turn a recording into core models; shift moves every time (the demo looks live).

    Raises:
        ValueError: the file itself is not a recording (items that fail go to rejected).
    """
    if data.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} recording: format is {data.get('format')!r}")
    acc = data["account"]
    account = AccountInfo(
        network=acc["network"],
        instance=acc.get("instance", ""),
        remote_id=str(acc["remote_id"]),
        handle=acc["handle"],
        display_name=acc.get("display_name", ""),
        avatar_url=acc.get("avatar_url", ""),
    )
    streams: dict[str, list[Message]] = {}
    rejected: dict[str, list[tuple[str, str]]] = {}
    for stream, items in data.get("streams", {}).items():
        good = streams.setdefault(stream, [])
        for item in items:
            try:
                good.append(parse_item(item, account.network, shift))
            except (KeyError, TypeError, ValueError) as exc:
                rejected.setdefault(stream, []).append((f"bad item: {exc!r}", json.dumps(item)))
    return Recording(account, streams, rejected)


def parse_item(item: Mapping[str, Any], network: str, shift: timedelta = timedelta()) -> Message:
    """One normalized item as a Message; raises KeyError/ValueError on a malformed one."""
    author = item["author"]
    followers = author.get("followers")
    return Message(
        remote_id=str(item["id"]),
        conversation_key=str(item["conversation"]),
        kind=Kind(item["kind"]),
        author=Contact(
            network=network,
            remote_id=str(author["id"]),
            handle=author["handle"],
            display_name=author.get("name", ""),
            avatar_url=author.get("avatar_url", ""),
            profile_url=author.get("profile_url", ""),
            followers_count=None if followers is None else int(followers),
        ),
        text=item["text"],
        created_at=from_iso(item["created_at"]) + shift,
        html=item.get("html", ""),
        url=item.get("url", ""),
        direction=Direction(item.get("direction", "in")),
        in_reply_to=item.get("in_reply_to"),
        visibility=item.get("visibility", "public"),
        spoiler_text=item.get("spoiler_text", ""),
        language=item.get("language", ""),
        media=tuple(
            Media(m["kind"], m["url"], m.get("preview_url", ""), m.get("description", ""))
            for m in item.get("media", ())
        ),
        mentions=tuple(item.get("mentions", ())),
    )


_ids = itertools.count(1)


class ReplayAdapter:
    """Hands out a fixed list of messages in pages, keyed by a numeric offset cursor."""

    network = "replay"

    def __init__(
        self,
        info: AccountInfo,
        streams: Mapping[str, Sequence[Message]],
        page_size: int = 500,
        rejected: dict[str, list[tuple[str, str]]] | None = None,
    ) -> None:
        self._info = info
        self._streams = streams
        self._page_size = page_size
        self._rejected = rejected or {}
        self.sent: list[Outgoing] = []

    @classmethod
    def from_recording(cls, recording: Recording, page_size: int = 500) -> ReplayAdapter:
        """Replay a parsed recording; its rejected items come with the first page."""
        return cls(recording.account, recording.streams, page_size, recording.rejected)

    async def verify(self) -> AccountInfo:
        return self._info

    async def fetch(self, stream: str, cursor: str | None) -> Page[Message]:
        items = self._streams.get(stream, ())
        start = int(cursor or 0)
        chunk = tuple(items[start : start + self._page_size])
        end = start + len(chunk)
        rejected = tuple(self._rejected.get(stream, ())) if start == 0 else ()
        return Page(chunk, str(end), more=end < len(items), rejected=rejected)

    async def send(self, outgoing: Outgoing) -> Sent:
        for earlier in self.sent:
            if earlier.idempotency_key == outgoing.idempotency_key:
                return Sent(remote_id=f"replay-{earlier.idempotency_key}")
        self.sent.append(outgoing)
        return Sent(remote_id=f"replay-{outgoing.idempotency_key}")

    async def limits(self) -> Limits:
        """The replayed account's network's own default, so counts read as they would live."""
        from inbox.networks import registry

        caps = registry.find(self._info.network)
        return caps.default_limits() if caps is not None else Limits()

    async def aclose(self) -> None:
        return None
