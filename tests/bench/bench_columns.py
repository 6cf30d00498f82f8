"""column_scroll, column_all, keyword_column and search_after_write on the 1M-message set.

Every figure is the median of PAIRS pairs run interleaved with its baseline
(A B A B ...), so a busy moment hits both sides.

column_scroll: the next page (50 rows) of the "Priority" column at depth 10,000,
asked the way the deck asks it, behind the last loaded row (keyset); the column is
paged there page by page first, as a user scrolling does. Baseline: the column's
first page. Alongside: the same depth by OFFSET (the old way) and the time to page
from the top to depth 10k.
column_all: the first page of the all-conversations column (every status, hidden
ones too: no hidden = 0 term for an index to lead with), by priority and newest.
Baseline: 50 rows by primary key.
keyword_column: the first page of the keyword column ("refund OR charged") right
after a write (one new message stored through the store's ingest, as a sync does),
p95 over the runs. Baseline: 50 rows by primary key, interleaved.
search_after_write: the same for a search typed right after a write (common and
rare words in turn), p95.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from inbox.core.models import ColumnFilter, Contact, Kind, Message
from inbox.store import Store
from tests.bench import result, scaled
from tests.bench.dataset import big_profile, writable_profile

PAIRS = 9
DEPTH = min(10_000, scaled(50_000))  # 5,000 at the default scale 0.1
AFTER_WRITE = 30
SEARCHES = ("refund", "checkout broken", "matcha", "gaiwan", "user123", "tea order")


def _ms(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _pairs(a: Callable[[], Any], b: Callable[[], Any], n: int = PAIRS) -> list[tuple[float, float]]:
    a(), b()  # warm
    return [(_ms(a), _ms(b)) for _ in range(n)]


def _line(name: str, pairs: list[tuple[float, float]], **detail: Any) -> dict[str, Any]:
    value = statistics.median(v for v, _ in pairs)
    base = statistics.median(b for _, b in pairs)
    ratio = statistics.median(v / max(b, 1e-3) for v, b in pairs)
    return result(name, value, "ms", base, ratio=ratio, **detail)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def run() -> Iterator[dict[str, Any]]:
    with contextlib.closing(Store(big_profile() / "inbox.db", readonly=True)) as store:
        flt = next(c.filter for c in store.columns.all() if c.name == "Priority")
        pages = store.conversations.page
        started = time.perf_counter()
        last = None
        loaded = 0
        while loaded < DEPTH:
            page = pages(flt, 50, after=last)
            if not page:
                break
            loaded += len(page)
            last = page[-1]
        walk_s = time.perf_counter() - started
        deep = _pairs(lambda: pages(flt, 50, after=last), lambda: pages(flt, 50))
        offset_ms = statistics.median(_ms(lambda: pages(flt, 50, offset=DEPTH)) for _ in range(3))
        yield _line(
            "column_scroll",
            [(v, b) for v, b in deep],
            target="value <= 10",
            depth=loaded,
            offset_paging_ms=round(offset_ms, 1),
            page_to_depth_s=round(walk_s, 2),
        )

        def by_key() -> Any:
            return store.query("SELECT * FROM conversations ORDER BY id DESC LIMIT 50")

        every = ColumnFilter(statuses=(), include_hidden=True)
        newest = ColumnFilter(statuses=(), include_hidden=True, sort="newest")
        both = _pairs(lambda: (pages(every, 50), pages(newest, 50)), by_key)
        yield _line(
            "column_all",
            [(v / 2, b) for v, b in both],
            target="value <= 10",
            conversations=store.query("SELECT count(*) FROM conversations")[0][0],
            orders=["priority", "newest"],
        )

    folder = writable_profile("after-write")
    with (
        contextlib.closing(Store(folder / "inbox.db")) as writer,
        contextlib.closing(Store(folder / "inbox.db", readonly=True)) as reader,
    ):
        keyword = next(c.filter for c in reader.columns.all() if c.filter.query)
        counter = iter(range(10**9))

        def write() -> None:
            n = next(counter)
            writer.ingest.messages(
                1,
                [
                    Message(
                        remote_id=f"aw{n}",
                        conversation_key=f"aw{n % 50}",
                        kind=Kind.MENTION,
                        author=Contact("mastodon", "c3", "user3", "User 3"),
                        text="my refund was charged twice, where is my order",
                        created_at=datetime.now(UTC),
                    )
                ],
            )

        def by_key_r() -> Any:
            return reader.query("SELECT * FROM conversations ORDER BY id DESC LIMIT 50")

        def after_write(fn: Callable[[], Any]) -> list[tuple[float, float]]:
            fn()
            out = []
            for _ in range(AFTER_WRITE):
                write()
                out.append((_ms(fn), _ms(by_key_r)))
            return out

        kw = after_write(lambda: reader.conversations.page(keyword, 50))
        yield result(
            "keyword_column",
            _p95([v for v, _ in kw]),
            "ms",
            _p95([b for _, b in kw]),
            target="value <= 30",
            query=keyword.query,
            median_ms=round(statistics.median(v for v, _ in kw), 2),
            runs=AFTER_WRITE,
        )
        words = iter(SEARCHES * AFTER_WRITE)
        found = after_write(lambda: reader.conversations.search(next(words)))
        yield result(
            "search_after_write",
            _p95([v for v, _ in found]),
            "ms",
            _p95([b for _, b in found]),
            target="value <= 30",
            queries=list(SEARCHES),
            median_ms=round(statistics.median(v for v, _ in found), 2),
            runs=AFTER_WRITE,
        )
