"""column_page and search on 1,000,000 messages (the dataset in dataset.py).

column_page: p95 of the first page (50 rows, as the deck paints them) of every
non-keyword column of the dataset. column_page_keyword: the same for the
full-text column, measured cold (the reader's cached match set is dropped before
each call, as a write does; the warm figure is alongside). search: p95 of
full-text searches for common and rare words, cold too. Baselines, same run and
data: the cheapest possible page (50 rows by primary key) and the bare FTS match
of 50 rowids.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from inbox.core.models import ColumnFilter
from inbox.store import Store
from tests.bench import p95_ms, result
from tests.bench.dataset import big_profile

REPEAT = 40
SEARCHES = ("refund", "checkout broken", "matcha", "gaiwan", "user123", "tea order")


def _p95_over(fns: list[Any], repeat: int = REPEAT) -> float:
    """p95 over every call of every fn, interleaved the way a deck refreshes columns."""
    import statistics
    import time

    for fn in fns:
        fn()
    times = []
    for _ in range(repeat):
        for fn in fns:
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
    return statistics.quantiles(times, n=20)[-1]


def run() -> Iterator[dict[str, Any]]:
    path = big_profile() / "inbox.db"
    with contextlib.closing(Store(path, readonly=True)) as store:
        messages = store.query("SELECT count(*) FROM messages")[0][0]
        columns = store.columns.all()
        plain = [c for c in columns if not c.filter.query]
        keyword = [c for c in columns if c.filter.query]
        baseline = p95_ms(
            lambda: store.query("SELECT * FROM conversations ORDER BY id DESC LIMIT 50"), REPEAT
        )

        def page(flt: ColumnFilter) -> Any:
            return lambda: store.conversations.page(flt, limit=50)

        per_column = {c.name: round(p95_ms(page(c.filter), REPEAT // 2), 2) for c in columns}
        yield result(
            "column_page",
            _p95_over([page(c.filter) for c in plain]),
            "ms",
            baseline,
            target="value <= 10",
            messages=messages,
            columns=per_column,
        )
        if keyword:

            def cold(flt: ColumnFilter) -> Any:
                def call() -> Any:
                    store.conversations._match_cache.clear()  # as after a sync commit
                    return store.conversations.page(flt, limit=50)

                return call

            yield result(
                "column_page_keyword",
                _p95_over([cold(c.filter) for c in keyword], REPEAT // 2),
                "ms",
                baseline,
                target="value <= 10",
                query=keyword[0].filter.query,
                cache="cold (first page after a write)",
                warm_p95_ms=round(_p95_over([page(c.filter) for c in keyword]), 2),
            )
        fts = p95_ms(
            lambda: store.query(
                "SELECT rowid FROM messages_fts WHERE messages_fts MATCH '\"refund\"*' LIMIT 50"
            ),
            REPEAT,
        )

        def search(q: str) -> Any:
            def call() -> Any:
                store.conversations._match_cache.clear()
                return store.conversations.search(q)

            return call

        yield result(
            "search",
            _p95_over([search(q) for q in SEARCHES], REPEAT // 2),
            "ms",
            fts,
            target="value <= 50",
            queries=list(SEARCHES),
            cache="cold",
            warm_p95_ms=round(
                _p95_over([lambda q=q: store.conversations.search(q) for q in SEARCHES]), 2
            ),
        )
