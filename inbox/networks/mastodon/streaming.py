"""Mastodon's streaming API over WebSocket: user:notification and direct, as wake-up events.

Nothing is replayed after a reconnect, so the engine treats every event (and the
"open" event after each connect) as "run a REST min_id sync now"; the stream
only makes new items show up sooner.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import httpx
import websockets
from websockets.asyncio.client import connect

from inbox import transport
from inbox.core.errors import NetworkError

log = logging.getLogger(__name__)

# Events after which there may be something new to fetch.
WAKE = frozenset({"notification", "conversation", "notifications_merged"})
OPEN = "open"


def streaming_url(streaming_base: str) -> str:
    """wss://host/api/v1/streaming?stream=user:notification from the instance's streaming URL."""
    url = httpx.URL(streaming_base.rstrip("/"))
    scheme = {"https": "wss", "http": "ws"}.get(url.scheme, url.scheme)
    return str(
        url.copy_with(
            scheme=scheme,
            path="/api/v1/streaming",
            params={"stream": "user:notification"},
        )
    )


def event_name(frame: str | bytes) -> str:
    """The event of one frame, or "" for frames we do not understand."""
    try:
        message = transport.loads(frame)  # depth-limited: a hostile frame is not a crash
    except ValueError:
        return ""
    if not isinstance(message, dict):
        return ""
    event = message.get("event")
    return event if isinstance(event, str) else ""


async def wake_events(
    streaming_base: str, token: str, open_timeout: float = 15.0
) -> AsyncIterator[str]:
    """Yield OPEN once connected, then the name of every event in WAKE.

    Raises:
        NetworkError: the socket could not open or dropped; the caller falls back to polling.
    """
    url = streaming_url(streaming_base)
    try:
        # Bearer header, never the access_token query parameter: URLs end up in logs.
        async with connect(
            url,
            additional_headers={"Authorization": f"Bearer {token}"},
            open_timeout=open_timeout,
        ) as socket:
            await socket.send(json.dumps({"type": "subscribe", "stream": "direct"}))
            yield OPEN
            async for frame in socket:
                name = event_name(frame)
                if name in WAKE:
                    yield name
    except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as exc:
        raise NetworkError(f"Live updates from {httpx.URL(url).host} stopped: {exc}") from exc
    raise NetworkError(f"Live updates from {httpx.URL(url).host} closed")
