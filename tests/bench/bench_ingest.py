"""ingest: 100,000 items from a Mastodon server's JSON through the real adapter, the rules
and the store (sync_account), as a first sync takes them.

The server is the network's documented API over httpx.MockTransport with every answer
encoded once beforehand (pages of mention notifications, newest first, `max_id`
paging; each reply's thread from /api/v1/statuses/:id/context): what is timed is
what the app does with the bytes, not the fake server. Our own replies arrive in the
threads' contexts, as on a real first sync.

`ingest_replay`: the same messages already parsed (ReplayAdapter), i.e. without the
network's JSON: what the store and the rules cost alone.

Baseline: the same rows inserted with plain sqlite3 executemany into the same schema
(FTS triggers included), the floor any ingest path can reach.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from inbox.core.clock import to_iso
from inbox.core.models import AccountInfo, Contact, Direction, Kind, Message
from inbox.engine import Engine
from inbox.engine.sync import sync_account
from inbox.networks.base import DMS, MENTIONS
from inbox.networks.mastodon.adapter import MastodonAdapter
from inbox.networks.replay import ReplayAdapter
from inbox.store import Store
from tests.bench import SCALE, result, scaled, workdir

ITEMS = scaled(100_000)
CONVERSATIONS = scaled(25_000)
AUTHORS = scaled(10_000)
# Interleaved runs of the three paths; at full size one JSON sync alone takes ~10-20 min on
# the shared machine (75,000 /context calls), so one run there unless asked for more.
PAIRS = int(os.environ.get("INGEST_PAIRS", "3" if SCALE <= 0.1 else "1"))
PAGE_SIZE = 100  # what real networks hand out per request (Mastodon 40, Bluesky 100)
START = datetime(2026, 3, 1, tzinfo=UTC)
WORDS = [
    "site",
    "down",
    "checkout",
    "broken",
    "refund",
    "charged",
    "twice",
    "order",
    "parcel",
    "tracking",
    "lost",
    "tea",
    "matcha",
    "sencha",
    "love",
    "thanks",
    "great",
    "when",
    "restock",
    "please",
    "help",
    "where",
    "is",
    "my",
    "the",
    "a",
    "and",
    "to",
]


def messages() -> list[Message]:
    """ITEMS messages, in time order, over CONVERSATIONS conversations."""
    rng = random.Random(3)
    authors = [
        Contact("mastodon", f"u{i}", f"user{i}@example.social", f"User {i}", followers_count=i)
        for i in range(AUTHORS)
    ]
    us = Contact("mastodon", "us", "shop@mastodon.demo", "Shop")
    owner = [rng.choice(authors) for _ in range(CONVERSATIONS)]
    kinds = [rng.choice((Kind.MENTION, Kind.MENTION, Kind.DM, Kind.REPLY)) for _ in owner]
    out = []
    for i in range(ITEMS):
        conv = rng.randrange(CONVERSATIONS)
        outbound = rng.random() < 0.15
        text = " ".join(rng.choices(WORDS, k=rng.randint(5, 25)))
        out.append(
            Message(
                remote_id=str(10_000_000 + i),
                conversation_key=f"c{conv}",
                kind=kinds[conv],
                author=us if outbound else owner[conv],
                text=text + ("?" if rng.random() < 0.3 else ""),
                created_at=START + timedelta(seconds=i * 3),
                direction=Direction.OUT if outbound else Direction.IN,
                language="en",
            )
        )
    return out


INFO = AccountInfo("mastodon", "mastodon.bench", "us", "shop")
US = {"id": "us", "username": "shop", "acct": "shop", "display_name": "Shop", "avatar": "",
      "url": "", "followers_count": 10}  # fmt: skip
JSON_PAGE = 80  # Mastodon's largest notifications page


def _account(c: Contact) -> dict[str, Any]:
    return {"id": c.remote_id, "username": c.handle.split("@")[0], "acct": c.handle,
            "display_name": c.display_name, "avatar": "", "url": "",
            "followers_count": c.followers_count or 0}  # fmt: skip


def mastodon_server(items: list[Message]) -> tuple[dict[str, bytes], int]:
    """Every answer the adapter asks for on a first sync, encoded: (path?query -> body,
    messages the sync will store). Each conversation is a thread of statuses, each
    replying to the one before; notifications are the customers' statuses."""
    threads: dict[str, list[dict[str, Any]]] = {}
    notifications = []
    for m in items:
        chain = threads.setdefault(m.conversation_key, [])
        status = {
            "id": m.remote_id,
            "created_at": to_iso(m.created_at),
            "account": US if m.direction is Direction.OUT else _account(m.author),
            "content": f"<p>{m.text}</p>",
            "visibility": "direct" if m.kind is Kind.DM else "public",
            "spoiler_text": "", "sensitive": False, "language": m.language,
            "url": f"https://mastodon.bench/@x/{m.remote_id}", "uri": "",
            "in_reply_to_id": chain[-1]["id"] if chain else None,
            "in_reply_to_account_id": chain[-1]["account"]["id"] if chain else None,
            "mentions": [{"id": "us", "username": "shop", "acct": "shop", "url": ""}],
            "media_attachments": [], "emojis": [], "poll": None,
        }  # fmt: skip
        chain.append(status)
        if m.direction is Direction.IN:
            notifications.append(
                {
                    "id": str(len(notifications) + 1),
                    "type": "mention",
                    "created_at": status["created_at"],
                    "account": status["account"],
                    "status": status,
                }
            )
    bodies: dict[str, bytes] = {
        "/api/v2/instance": json.dumps({"domain": "mastodon.bench", "version": "4.3.0",
                                        "api_versions": {"mastodon": 2}}).encode(),
        "/api/v1/accounts/us/statuses": b"[]",
    }  # fmt: skip
    stored: set[str] = set()
    for chain in threads.values():
        for n, status in enumerate(chain):
            if n:  # the adapter asks for a reply's thread
                context = {"ancestors": chain[:n], "descendants": chain[n + 1 :]}
                bodies[f"/api/v1/statuses/{status['id']}/context"] = json.dumps(context).encode()
            if status["account"]["id"] != "us":  # a mention, its ancestors, our replies after
                stored.update(s["id"] for s in chain[: n + 1])
                if n:
                    stored.update(s["id"] for s in chain[n + 1 :] if s["account"]["id"] == "us")
    newest_first = notifications[::-1]
    max_id = ""
    for start in range(0, len(newest_first), JSON_PAGE):
        page = newest_first[start : start + JSON_PAGE]
        bodies[f"/api/v1/notifications?{max_id}"] = json.dumps(page).encode()
        max_id = page[-1]["id"]
    bodies[f"/api/v1/notifications?{max_id}"] = b"[]"
    return bodies, len(stored)


def _serve(bodies: dict[str, bytes]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/v1/notifications":
            path += "?" + request.url.params.get("max_id", "")
        body = bodies.get(path)
        if body is None:
            return httpx.Response(404, json={"error": "Record not found"})
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    return httpx.MockTransport(handle)


def through_sync(items: list[Message], json_path: bool) -> tuple[float, float, int]:
    """(wall, CPU) seconds for sync_account to take every item into a fresh profile, and
    how many messages it stored."""
    folder = workdir() / f"ingest-sync-{'json' if json_path else 'replay'}"
    folder.mkdir()
    engine = Engine(folder / "inbox.db")
    engine.start()
    try:
        account = engine.call(lambda e: e.store.add_account(INFO))
        expected = len(items)
        if json_path:
            bodies, expected = mastodon_server(items)
            adapter: Any = MastodonAdapter(
                INFO, "bench", http=httpx.AsyncClient(transport=_serve(bodies)),
                window_days=3650, window_items=10**9, page_size=JSON_PAGE, live_updates=False,
            )  # fmt: skip
        else:
            streams = {
                MENTIONS: [m for m in items if m.kind is not Kind.DM],
                DMS: [m for m in items if m.kind is Kind.DM],
            }
            adapter = ReplayAdapter(INFO, streams, page_size=PAGE_SIZE)
        engine.call(lambda e: e.adapters.__setitem__(account.id, adapter))
        started, cpu = time.perf_counter(), time.process_time()
        engine.call(lambda e: sync_account(e, account.id), timeout=1800)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        stored = engine.call(lambda e: e.store.query("SELECT count(*) FROM messages")[0][0])
        assert stored == expected, (stored, expected)
    finally:
        engine.stop()
    return elapsed, cpu, stored


def _rows(items: list[Message]) -> tuple[list[tuple[Any, ...]], ...]:
    contacts: dict[str, int] = {}
    conversations: dict[str, int] = {}
    conv_rows, msg_rows, contact_rows = [], [], []
    for n, m in enumerate(items, 1):
        if m.author.remote_id not in contacts:
            contacts[m.author.remote_id] = len(contacts) + 1
            a = m.author
            contact_rows.append((contacts[a.remote_id], a.network, a.remote_id, a.handle))
        if m.conversation_key not in conversations:
            conversations[m.conversation_key] = len(conversations) + 1
            when = to_iso(m.created_at)
            conv_rows.append(
                (conversations[m.conversation_key], 1, m.conversation_key, m.kind.value, when, when)
            )
        msg_rows.append(
            (
                n,
                1,
                conversations[m.conversation_key],
                m.remote_id,
                m.kind.value,
                m.direction.value,
                contacts[m.author.remote_id],
                m.author.handle,
                m.author.display_name,
                m.text,
                to_iso(m.created_at),
                json.dumps([]),
            )
        )
    return contact_rows, conv_rows, msg_rows


def plain_executemany(items: list[Message]) -> tuple[float, float]:
    """(wall, CPU) seconds to insert the same rows with executemany, rows prepared first."""
    path = workdir() / "ingest-plain.db"
    Store(path).close()  # the same schema, triggers and indexes
    contact_rows, conv_rows, msg_rows = _rows(items)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("INSERT INTO accounts (id, network, remote_id, handle, created_at)"
                 " VALUES (1, 'mastodon', 'us', 'shop', '')")  # fmt: skip
    started, cpu = time.perf_counter(), time.process_time()
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO contacts (id, network, remote_id, handle) VALUES (?, ?, ?, ?)", contact_rows
    )
    conn.executemany(
        "INSERT INTO conversations (id, account_id, key, kind, first_message_at, last_message_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        conv_rows,
    )
    conn.executemany(
        """INSERT INTO messages (id, account_id, conversation_id, remote_id, kind, direction,
               author_id, author_handle, author_name, text, created_at, media_json)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        msg_rows,
    )
    conn.execute("COMMIT")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    conn.close()
    return elapsed, cpu


def run() -> Iterator[dict[str, Any]]:
    items = messages()
    runs: dict[str, list[tuple[float, float]]] = {"json": [], "replay": [], "plain": []}
    stored = len(items)
    for _ in range(PAIRS):  # interleaved: json, replay, plain, json, ...
        wall, cpu, stored = through_sync(items, json_path=True)
        runs["json"].append((stored / wall, stored / cpu))
        wall, cpu, _ = through_sync(items, json_path=False)
        runs["replay"].append((ITEMS / wall, ITEMS / cpu))
        wall, cpu = plain_executemany(items)
        runs["plain"].append((ITEMS / wall, ITEMS / cpu))
        for folder in workdir().glob("ingest-*"):
            shutil.rmtree(folder) if folder.is_dir() else folder.unlink()

    def median(name: str, i: int) -> float:
        return statistics.median(r[i] for r in runs[name])

    for name, rate in (("ingest", "json"), ("ingest_replay", "replay")):
        yield result(
            name,
            median(rate, 0),
            "items/s",
            median("plain", 0),
            target="value >= 10000",
            pairs=PAIRS,
            items=stored if rate == "json" else ITEMS,
            page_size=JSON_PAGE if rate == "json" else PAGE_SIZE,
            conversations=CONVERSATIONS,
            # Per CPU-second: what an idle core would do, whatever else the machine runs.
            items_per_cpu_s=round(median(rate, 1)),
            baseline_items_per_cpu_s=round(median("plain", 1)),
        )
