"""Live updates over a REAL local WebSocket server: events wake a REST sync; a dropped
stream falls back to polling; the token travels in the Authorization header only."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from websockets.asyncio.server import ServerConnection, serve

from inbox.core.errors import NetworkError
from inbox.core.events import Changed
from inbox.engine import loops
from inbox.networks.mastodon import streaming
from tests.networks.mastodon.fake import TOKEN, load


class StreamServer:
    """A streaming API stand-in: records the handshake and subscriptions, pushes frames."""

    def __init__(self) -> None:
        self.sockets: list[ServerConnection] = []
        self.paths: list[str] = []
        self.auth: list[str | None] = []
        self.received: list[dict] = []
        self.subscribed = asyncio.Event()

    async def handler(self, ws: ServerConnection) -> None:
        self.paths.append(ws.request.path)
        self.auth.append(ws.request.headers.get("Authorization"))
        self.sockets.append(ws)
        async for message in ws:
            self.received.append(json.loads(message))
            self.subscribed.set()

    async def start(self) -> str:
        self.server = await serve(self.handler, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"ws://127.0.0.1:{port}"

    async def push(self, event: str, payload: object, stream: str = "user:notification") -> None:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        frame = json.dumps({"stream": [stream], "event": event, "payload": data})
        for ws in self.sockets:
            await ws.send(frame)

    async def drop(self) -> None:
        for ws in self.sockets:
            await ws.close()
        self.sockets.clear()

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()


def test_streaming_url_uses_wss_and_the_notification_stream() -> None:
    url = streaming.streaming_url("https://streaming.mastodon.test")
    assert url == "wss://streaming.mastodon.test/api/v1/streaming?stream=user%3Anotification"


def test_events_arrive_over_a_real_websocket(adapter, fake) -> None:
    async def run() -> list[str]:
        server = StreamServer()
        fake.instance["configuration"]["urls"]["streaming"] = await server.start()
        events = adapter.live()
        got = [await anext(events)]
        await server.subscribed.wait()
        await server.push("update", {"id": "1"})  # home timeline noise: not a wake-up
        await server.push("notification", load("notifications_new.json")[0])
        got.append(await anext(events))
        await server.push("conversation", {"id": "418450"}, stream="direct")
        got.append(await anext(events))
        await server.drop()
        with pytest.raises(NetworkError, match="Live updates"):
            await anext(events)
        assert server.auth == [f"Bearer {TOKEN}"]
        assert server.paths == ["/api/v1/streaming?stream=user%3Anotification"]
        assert TOKEN not in server.paths[0]
        assert server.received == [{"type": "subscribe", "stream": "direct"}]
        await server.stop()
        return got

    assert asyncio.run(run()) == ["open", "notification", "conversation"]


def test_the_account_loop_syncs_on_a_stream_event_then_polls_when_it_drops(
    engine, attach, fake
) -> None:
    account_id = attach()
    polled = threading.Event()
    arrived = threading.Event()
    sleeps: list[float] = []

    async def park(seconds: float) -> None:
        sleeps.append(seconds)
        polled.set()
        await asyncio.Event().wait()  # stay parked: the test ends the loop

    def on_event(event) -> None:
        if isinstance(event, Changed) and event.conversations:
            ids = engine.store.query("SELECT remote_id FROM messages WHERE remote_id = '1200'")
            if ids:
                arrived.set()

    engine.subscribe(on_event)
    server = StreamServer()
    fake.instance["configuration"]["urls"]["streaming"] = engine.call(lambda e: server.start())
    settings = loops.LoopSettings(poll_interval=60)
    # In a list: call() would await a bare Task until the loop ends.
    [task] = engine.call(
        lambda e: [e.spawn(loops.account_loop(e, account_id, settings, sleep=park), "loop")]
    )
    engine.call(lambda e: server.subscribed.wait(), timeout=10)
    fake.add(load("notifications_new.json"))
    engine.call(lambda e: server.push("notification", load("notifications_new.json")[0]))
    assert arrived.wait(10)  # the event woke a REST sync that stored the new mention
    assert not polled.is_set()  # no polling while the stream is up
    engine.call(lambda e: server.drop())
    assert polled.wait(10)
    assert sleeps == [90]  # dropped stream: one sync found nothing new, so 1.5 x 60 s
    min_ids = [r.url.params.get("min_id") for r in fake.calls("GET", "/api/v1/notifications")]
    assert min_ids[-1] == "2010"  # the sync after the drop asked only for what is newer
    engine.call(lambda e: task.cancel())
    engine.call(lambda e: server.stop())


def test_a_hostile_frame_is_skipped_and_the_stream_goes_on(adapter, fake) -> None:
    """A frame of 100,000 "[" (under the socket's 1 MiB frame limit) raised RecursionError
    out of the stream, which no handler caught."""

    async def run() -> list[str]:
        server = StreamServer()
        fake.instance["configuration"]["urls"]["streaming"] = await server.start()
        events = adapter.live()
        got = [await anext(events)]
        await server.subscribed.wait()
        for ws in server.sockets:
            await ws.send("[" * 100_000)
            await ws.send("\ud800".encode("utf-8", "surrogatepass"))  # not even UTF-8 text
        await server.push("notification", load("notifications_new.json")[0])
        got.append(await anext(events))
        await server.drop()
        await server.stop()
        return got

    assert asyncio.run(run()) == ["open", "notification"]
