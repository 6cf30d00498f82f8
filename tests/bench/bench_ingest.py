"""ingest: 100,000 items through ReplayAdapter, the rules and the store (sync_account).

Baseline: the same rows inserted with plain sqlite3 executemany into the same schema
(FTS triggers included), the floor any ingest path can reach.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from inbox.core.clock import to_iso
from inbox.core.models import AccountInfo, Contact, Direction, Kind, Message
from inbox.engine import Engine
from inbox.engine.sync import sync_account
from inbox.networks.base import DMS, MENTIONS
from inbox.networks.replay import ReplayAdapter
from inbox.store import Store
from tests.bench import result, scaled, workdir

ITEMS = scaled(100_000)
CONVERSATIONS = scaled(25_000)
AUTHORS = scaled(10_000)
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


def through_sync(items: list[Message]) -> tuple[float, float]:
    """(wall, CPU) seconds for sync_account to take every item into a fresh profile."""
    folder = workdir() / "ingest-sync"
    folder.mkdir()
    engine = Engine(folder / "inbox.db")
    engine.start()
    try:
        info = AccountInfo("mastodon", "mastodon.demo", "us", "shop")
        account = engine.call(lambda e: e.store.add_account(info))
        streams = {
            MENTIONS: [m for m in items if m.kind is not Kind.DM],
            DMS: [m for m in items if m.kind is Kind.DM],
        }

        def attach(e: Engine) -> None:
            e.adapters[account.id] = ReplayAdapter(info, streams, page_size=PAGE_SIZE)

        engine.call(attach)
        started, cpu = time.perf_counter(), time.process_time()
        changed = engine.call(lambda e: sync_account(e, account.id), timeout=600)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert len(changed.conversations) == len({m.conversation_key for m in items})
        stored = engine.call(lambda e: e.store.query("SELECT count(*) FROM messages")[0][0])
        assert stored == len(items), stored
    finally:
        engine.stop()
    return elapsed, cpu


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
    ours, ours_cpu = through_sync(items)
    plain, plain_cpu = plain_executemany(items)
    yield result(
        "ingest",
        ITEMS / ours,
        "items/s",
        ITEMS / plain,
        target="value >= 20000",
        page_size=PAGE_SIZE,
        conversations=CONVERSATIONS,
        # Per CPU-second: what an idle core would do, whatever else the machine runs.
        items_per_cpu_s=round(ITEMS / ours_cpu),
        baseline_items_per_cpu_s=round(ITEMS / plain_cpu),
    )
