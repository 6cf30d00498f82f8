"""An adapter that replays already-normalized messages: demo seeding, tests, benchmarks."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from inbox.core.models import AccountInfo, Message
from inbox.networks.base import Limits, Outgoing, Page, Sent

_ids = itertools.count(1)


class ReplayAdapter:
    """Hands out a fixed list of messages in pages, keyed by a numeric offset cursor."""

    network = "replay"

    def __init__(
        self,
        info: AccountInfo,
        streams: dict[str, Sequence[Message]],
        page_size: int = 500,
    ) -> None:
        self._info = info
        self._streams = streams
        self._page_size = page_size
        self.sent: list[Outgoing] = []

    async def verify(self) -> AccountInfo:
        return self._info

    async def fetch(self, stream: str, cursor: str | None) -> Page[Message]:
        items = self._streams.get(stream, ())
        start = int(cursor or 0)
        chunk = tuple(items[start : start + self._page_size])
        end = start + len(chunk)
        return Page(chunk, str(end), more=end < len(items))

    async def send(self, outgoing: Outgoing) -> Sent:
        for earlier in self.sent:
            if earlier.idempotency_key == outgoing.idempotency_key:
                return Sent(remote_id=f"replay-{earlier.idempotency_key}")
        self.sent.append(outgoing)
        return Sent(remote_id=f"replay-{outgoing.idempotency_key}")

    async def limits(self) -> Limits:
        return Limits()

    async def aclose(self) -> None:
        return None
