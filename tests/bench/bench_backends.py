"""The same store on both backends, on the same data: PostgreSQL (a team profile) against
SQLite (a local one), every figure a median of pairs run interleaved (SQLite, PostgreSQL,
SQLite, ...). The PostgreSQL server is a throwaway cluster on loopback (tests/pg.py).

backend_ingest: one batch of BATCH items through Store.ingest.messages (rules, contacts,
  FTS / tsvector), per batch. Value: PostgreSQL ms; baseline: SQLite ms.
backend_column_first: the first page (50 rows) of the priority column.
backend_column_next: the next page behind the last loaded row at depth DEPTH (keyset).
backend_search: the first page of a search ("refund", newest first: a common word, in about
  a third of the messages); backend_search_rare: the same for a word in a handful ("user123").
backend_search_after_write: p95 of the first search after a write (one message stored
  through the ingest), SEARCH_WRITES pairs: issue 13's "search, first query after a write".
backend_pk_page: 50 conversations by primary key, the floor of any page on each backend
  (on PostgreSQL a round trip: on a loaded machine most of a page's time).
backend_suggest_hit_at_3: bench_suggest's evaluation (hit@3 of the labelled questions) on a
  team database; baseline: the same on a local file.
Targets (issue 13, the same on both backends, issue 16): column pages <= 10 ms, search after
a write p95 <= 30 ms. The reads run after ANALYZE on the server (see _run).
"""

from __future__ import annotations

import contextlib
import json
import random
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from inbox import secrets
from inbox.core.clock import FakeClock
from inbox.core.models import AccountInfo, ColumnFilter, Contact, Direction, Kind, Message
from inbox.store import Store
from tests.bench import bench_suggest, result, workdir
from tests.pg import PgServer

ITEMS = 20_000
CONVERSATIONS = 5_000
BATCH = 1_000
PAIRS = 9
DEPTH = 1_000
SEARCH_WRITES = 20
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


def _batches(rng: random.Random) -> list[list[Message]]:
    items = []
    for i in range(ITEMS):
        author = f"user{rng.randrange(2_000)}"
        items.append(
            Message(
                remote_id=str(i),
                conversation_key=f"c{rng.randrange(CONVERSATIONS)}",
                kind=Kind.DM if i % 5 == 0 else Kind.MENTION,
                author=Contact("replay", author, author, author.title()),
                text=" ".join(rng.choices(WORDS, k=12)),
                created_at=START + timedelta(seconds=i * 30),
                direction=Direction.OUT if i % 9 == 0 else Direction.IN,
            )
        )
    return [items[i : i + BATCH] for i in range(0, ITEMS, BATCH)]


def _ms(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _line(name: str, pairs: list[tuple[float, float]], **detail: Any) -> dict[str, Any]:
    """value: PostgreSQL's median; baseline: SQLite's; ratio: median of the pair ratios."""
    value = statistics.median(p for _, p in pairs)
    base = statistics.median(s for s, _ in pairs)
    ratio = statistics.median(p / max(s, 1e-3) for s, p in pairs)
    return result(name, value, "ms", base, ratio=ratio, **detail)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _pairs(lite: Callable[[], Any], pg: Callable[[], Any]) -> list[tuple[float, float]]:
    lite(), pg()  # warm
    return [(_ms(lite), _ms(pg)) for _ in range(PAIRS)]


def run() -> Iterator[dict[str, Any]]:
    secrets.use_memory_backend()
    server = PgServer.start()
    try:
        yield from _run(server)
        yield _suggest_quality(server)
    finally:
        server.stop()


def _suggest_quality(server: PgServer) -> dict[str, Any]:
    """bench_suggest's hit@3 on a team database (ts_rank_cd over Snowball stems) against the
    same evaluation on a local file (FTS5's bm25 over Porter stems)."""
    data = json.loads(bench_suggest.EVAL.read_text(encoding="utf-8"))
    lite = bench_suggest.hit_at_3(data)
    pg = bench_suggest.hit_at_3(data, dsn=server.fresh_database("suggest"))
    return result(
        "backend_suggest_hit_at_3",
        pg["value"],
        "share",
        lite["value"],
        hit_at_1=pg["hit_at_1"],
        sqlite_hit_at_1=lite["hit_at_1"],
        by_kind=pg["by_kind"],
        sqlite_by_kind=lite["by_kind"],
        questions=pg["questions"],
    )


def _run(server: PgServer) -> Iterator[dict[str, Any]]:
    clock = FakeClock(START + timedelta(days=30))
    folder = workdir() / "backends"
    folder.mkdir(exist_ok=True)
    lite = Store(folder / "inbox.db", clock=clock)
    pg = Store(folder / "inbox.db", clock=clock, dsn=server.fresh_database("bench"))
    with contextlib.closing(lite), contextlib.closing(pg):
        info = AccountInfo("replay", "bench.test", "1", "shop", "Shop")
        accounts = (lite.add_account(info).id, pg.add_account(info).id)
        ingest = []
        for batch in _batches(random.Random(16)):
            ingest.append(
                (
                    _ms(lambda b=batch: lite.ingest.messages(accounts[0], b)),
                    _ms(lambda b=batch: pg.ingest.messages(accounts[1], b)),
                )
            )
        yield _line("backend_ingest", ingest, items=BATCH, total_items=ITEMS)
        # Statistics as a running server has them (autovacuum analyzes after such a load;
        # `team migrate` runs ANALYZE itself): without, the first page took ~9x longer.
        pg.conn.execute("ANALYZE")

        flt = ColumnFilter()
        yield _line(
            "backend_column_first",
            _pairs(
                lambda: lite.conversations.page(flt, 50), lambda: pg.conversations.page(flt, 50)
            ),
            conversations=CONVERSATIONS,
            target="value <= 10",
        )
        pk = "SELECT * FROM conversations WHERE id <= 50 ORDER BY id"
        yield _line(
            "backend_pk_page", _pairs(lambda: lite.query(pk), lambda: pg.query(pk)), rows=50
        )

        def deep(store: Store) -> Any:
            last = None
            for _ in range(DEPTH // 50):
                last = store.conversations.page(flt, 50, after=last)[-1]
            return last

        lite_last, pg_last = deep(lite), deep(pg)
        assert lite_last.id == pg_last.id, "the two backends order the column differently"
        yield _line(
            "backend_column_next",
            _pairs(
                lambda: lite.conversations.page(flt, 50, after=lite_last),
                lambda: pg.conversations.page(flt, 50, after=pg_last),
            ),
            depth=DEPTH,
            target="value <= 10",
        )
        yield _line(
            "backend_search",
            _pairs(
                lambda: lite.conversations.search("refund"),
                lambda: pg.conversations.search("refund"),
            ),
            query="refund",
        )
        yield _line(
            "backend_search_rare",
            _pairs(
                lambda: lite.conversations.search("user123"),
                lambda: pg.conversations.search("user123"),
            ),
            query="user123",
        )
        after_write = []
        for i in range(SEARCH_WRITES):
            pair = []
            for store, account in ((lite, accounts[0]), (pg, accounts[1])):
                store.ingest.messages(account, [_written(i)])
                pair.append(_ms(lambda s=store: s.conversations.search("refund")))
            after_write.append((pair[0], pair[1]))
        value, base = _p95([p for _, p in after_write]), _p95([s for s, _ in after_write])
        yield result(
            "backend_search_after_write",
            value,
            "ms",
            base,
            query="refund",
            writes=SEARCH_WRITES,
            statistic="p95",
            target="value <= 30",
        )


def _written(i: int) -> Message:
    """One new message (a write between searches), in a conversation of its own."""
    author = f"writer{i}"
    return Message(
        remote_id=f"w{i}",
        conversation_key=f"w{i}",
        kind=Kind.MENTION,
        author=Contact("replay", author, author, author.title()),
        text="a refund for the parcel please",
        created_at=START + timedelta(days=29, seconds=i),
    )
