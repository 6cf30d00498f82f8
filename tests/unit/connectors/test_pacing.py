"""Desks are paced ahead of their published limits, not only after a 429.

A bulk push of 200 conversations goes through the real outbox handler and the real
Zendesk connector to a recorded-shape Zendesk that answers 429 past its limit, counted
over a sliding minute on a fake clock (the pacer sleeps on the same clock, so the test
takes no real minutes).
"""

from __future__ import annotations

import functools
import json
from collections import deque
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from inbox.connectors import http
from inbox.core.models import AccountInfo, Contact, Direction, Kind, Message
from inbox.engine import connectors as ops
from inbox.engine.outbox import deliver_due

DATA = Path(__file__).parents[2] / "data" / "connectors" / "zendesk"


class Time:
    """A monotonic clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


class LimitedZendesk:
    """Zendesk's three push calls, with a limit of `limit` requests in any 60 s."""

    def __init__(self, time: Time, limit: int) -> None:
        self.time, self.limit = time, limit
        self.recent: deque[float] = deque()
        self.created = 0
        self.too_many = 0
        self.requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        now = self.time()
        while self.recent and self.recent[0] <= now - 60:
            self.recent.popleft()
        if len(self.recent) >= self.limit:
            self.too_many += 1
            body = (DATA / "error_429.json").read_bytes()
            return httpx.Response(429, content=body, headers={"Retry-After": "7"})
        self.recent.append(now)
        path = request.url.path
        if request.method == "GET" and path.endswith("/tickets.json"):
            return httpx.Response(200, json={"tickets": [], "count": 0})
        if path.endswith("/users/create_or_update.json"):
            return httpx.Response(200, content=(DATA / "users_create_or_update.json").read_bytes())
        if request.method == "POST" and path.endswith("/tickets.json"):
            self.created += 1
            ticket = json.loads((DATA / "ticket_created.json").read_bytes())
            ticket["ticket"]["id"] = 1000 + self.created
            return httpx.Response(201, json=ticket)
        return httpx.Response(404, json={"error": "InvalidEndpoint"})


@pytest.fixture
def time(monkeypatch) -> Time:
    clock = Time()
    monkeypatch.setattr(http, "_PACERS", {})
    monkeypatch.setattr(
        http, "Pacer", functools.partial(http.Pacer, clock=clock, sleep=clock.sleep)
    )
    return clock


def _route_to(monkeypatch, handler) -> None:
    real = http.client

    def client(*args, **kwargs):
        return real(*args, **{**kwargs, "transport": httpx.MockTransport(handler)})

    monkeypatch.setattr(http, "client", client)


def _conversations(store, clock, count: int) -> list[int]:
    account = store.add_account(AccountInfo("mastodon", "social.example", "1", "teashop"))
    store.ingest.messages(
        account.id,
        [
            Message(
                remote_id=f"r{n}",
                conversation_key=f"thread-{n}",
                kind=Kind.MENTION,
                author=Contact("mastodon", f"c{n}", f"c{n}@example.org", f"Customer {n}"),
                text=f"@teashop order {n} never arrived",
                created_at=clock.now() - timedelta(minutes=5),
                direction=Direction.IN,
            )
            for n in range(count)
        ],
    )
    return [int(r[0]) for r in store.query("SELECT id FROM conversations ORDER BY id")]


async def test_a_bulk_push_of_200_never_trips_the_published_limit(
    store, clock, inline_engine, time, monkeypatch
) -> None:
    desk = LimitedZendesk(time, limit=200)
    _route_to(monkeypatch, desk)
    ops.save_connector(
        store, "desk", "zendesk", {"subdomain": "acme", "email": "a@acme.example", "api_token": "t"}
    )
    conversations = _conversations(store, clock, 200)
    for conversation in conversations:
        ops.queue_push(store, conversation, "desk")
    started = time()
    while await deliver_due(inline_engine):
        pass
    assert desk.too_many == 0, f"{desk.too_many} requests were answered 429"
    assert desk.created == 200
    assert all(store.connectors.ref(c, "desk", ops.RefKind.TICKET) for c in conversations)
    # 600 requests at 200 a minute: the pacer spread them over three minutes, no more.
    assert 120 <= time() - started <= 200


async def test_a_429_holds_every_later_request_until_retry_after(time) -> None:
    pacer = http.Pacer(1000, 60.0, clock=time, sleep=time.sleep)
    await pacer.wait()
    pacer.hold(7)
    before = time()
    await pacer.wait()
    assert time() - before == pytest.approx(7)


def test_the_default_pace_is_the_desks_published_limit_and_the_user_can_change_it() -> None:
    from inbox.connectors import base

    zendesk = base.kind_class("zendesk")
    assert base.per_minute(zendesk.schema, {}) == 200
    assert base.per_minute(zendesk.schema, {"requests_per_minute": 700}) == 700
    assert base.per_minute(base.kind_class("rt").schema, {}) is None
