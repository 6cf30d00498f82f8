"""Benchmark: a search column, from the network's JSON to its first page in the column.

monitor_fetch: one search column ("#leafkettle #greentea #matcha kettleco sencha") is
fetched from a Mastodon instance — FakeMastodon behind httpx.MockTransport, answering the
documented JSON of the tag timelines and /api/v2/search, 40 statuses a call (the first
fetch takes the newest page of each term: 200 distinct public posts by 60 authors) —
through engine.monitoring.fetch_search (HTTP, parsing, exclusions, dedup against the
store, ingest with the profile's rules, search_hits, cursor), on a fresh SQLite profile;
then the column's first 50 rows through the window's ColumnModel over a read-only Store
(SyncReader: what the reader thread runs). Timed from the first request to the model
holding its first page.

Baseline: the same 200 posts as mention notifications through sync_account (the
mentions path: notifications paged 40 at a time, parsing, ingest, rules, cursor), then
the "Everything" column's first page the same way. Interleaved pairs, each on a fresh
profile; median of REPEAT. Run alone: python -m tests.bench monitoring
"""

from __future__ import annotations

import copy
import json
import statistics
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from inbox.core.models import AccountInfo, ColumnFilter, Kind
from inbox.core.monitoring import make_spec
from inbox.engine import Engine
from inbox.engine.monitoring import fetch_search
from inbox.engine.sync import sync_account
from inbox.networks.mastodon import MastodonAdapter
from inbox.store import Store
from tests.bench import error, result, workdir
from tests.networks.mastodon.fake import HOST, TOKEN, FakeMastodon, load

REPEAT = 7
TAGS = ("leafkettle", "greentea", "matcha")
WORDS = ("kettleco", "sencha")
PER_TERM = 40  # one page of each term on the first fetch
AUTHORS = 60
ME = AccountInfo("mastodon", HOST, "110000000000000001", f"teashop@{HOST}", "The Tea Shop", "")

SENTENCES = (
    "the parcel arrived crushed again, third time this month",
    "best cup I have had all week, will order more",
    "does anyone know if they ship to Norway?",
    "refund still not here after two weeks, not impressed",
    "tried the new blend this morning and it is lovely",
)


def statuses() -> list[dict[str, Any]]:
    """PER_TERM public posts for each term, newest first, in the documented Status shape."""
    template = load("search_statuses.json")[0]
    template["poll"] = None
    now = datetime.now(UTC)
    out: list[dict[str, Any]] = []
    n = 0
    for tag in TAGS:
        for _ in range(PER_TERM):
            out.append(_status(template, n, now, f"#{tag}", [tag]))
            n += 1
    for word in WORDS:
        for _ in range(PER_TERM):
            out.append(_status(template, n, now, word.capitalize(), []))
            n += 1
    out.sort(key=lambda s: (len(s["id"]), s["id"]), reverse=True)
    return out


def _status(
    template: dict[str, Any], n: int, now: datetime, term: str, tags: list[str]
) -> dict[str, Any]:
    s = copy.deepcopy(template)
    sid = str(130000000000000000 + n)
    who = n % AUTHORS
    account = s["account"]
    account.update(
        id=str(120000000000001000 + who),
        username=f"fan{who}",
        acct=f"fan{who}@social.example",
        display_name=f"Tea Fan {who}",
        url=f"https://social.example/@fan{who}",
    )
    s.update(
        id=sid,
        uri=f"https://social.example/users/fan{who}/statuses/{sid}",
        url=f"https://social.example/@fan{who}/{sid}",
        created_at=(now - timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        content=f"<p>{term}: {SENTENCES[n % len(SENTENCES)]} ({n})</p>",
        tags=[{"name": t, "url": f"https://{HOST}/tags/{t}"} for t in tags],
    )
    return s


def notifications(posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same posts as mention notifications (mentioning us), newest first."""
    template = next(n for n in load("notifications.json") if n["type"] == "mention")
    out = []
    for s in posts:
        n = copy.deepcopy(template)
        status = copy.deepcopy(s)
        status["mentions"] = [
            {"id": ME.remote_id, "username": "teashop", "acct": "teashop", "url": ""}
        ]
        n.update(
            id=str(int(s["id"]) - 100000000000000000),
            created_at=s["created_at"],
            account=status["account"],
            status=status,
        )
        n.pop("group_key", None)
        out.append(n)
    return out


def _engine(folder: Path, fake: FakeMastodon) -> tuple[Engine, int]:
    engine = Engine(folder / "inbox.db")
    engine.start()

    def setup(e: Engine) -> int:
        e.store.set_setting("sync.backfill_days", 3650)
        account = e.store.add_account(ME)
        e.adapters[account.id] = MastodonAdapter(ME, TOKEN, http=fake.client(), page_size=PER_TERM)
        return account.id

    return engine, engine.call(setup)


def _first_page(folder: Path, flt: ColumnFilter) -> int:
    """The column's first page as the window gets it: ColumnModel over a read-only store."""
    from inbox.ui.column_model import ColumnModel
    from inbox.ui.reader import SyncReader

    store = Store(folder / "inbox.db", readonly=True)
    try:
        model = ColumnModel(SyncReader(store), flt)
        return model.rowCount()
    finally:
        store.close()


def monitor_once(folder: Path, posts: list[dict[str, Any]]) -> tuple[float, int]:
    fake = FakeMastodon(notifications=[], public=copy.deepcopy(posts))
    engine, _account = _engine(folder, fake)
    try:
        spec = make_spec([*(f"#{t}" for t in TAGS), *WORDS])
        search_id = engine.call(lambda e: e.store.searches.add(spec).id)
        flt = ColumnFilter(search_id=search_id)
        t0 = time.perf_counter()
        engine.call(lambda e: fetch_search(e, search_id))
        rows = _first_page(folder, flt)
        elapsed = (time.perf_counter() - t0) * 1000
        hits = engine.call(lambda e: e.store.searches.hits(search_id))
    finally:
        engine.stop()
    if rows != 50 or hits != len(posts):
        raise AssertionError(f"monitoring stored {hits} hits, showed {rows} rows")
    return elapsed, hits


def mentions_once(folder: Path, posts: list[dict[str, Any]]) -> tuple[float, int]:
    fake = FakeMastodon(notifications=notifications(posts), public=[])
    engine, account = _engine(folder, fake)
    try:
        t0 = time.perf_counter()
        engine.call(lambda e: sync_account(e, account))
        rows = _first_page(folder, ColumnFilter(kinds=(Kind.MENTION,)))
        elapsed = (time.perf_counter() - t0) * 1000
        stored = engine.call(lambda e: e.store.query("SELECT count(*) FROM messages")[0][0])
    finally:
        engine.stop()
    if rows != 50 or stored != len(posts):
        raise AssertionError(f"mentions stored {stored} messages, showed {rows} rows")
    return elapsed, int(stored)


def run() -> Iterable[dict[str, Any]]:
    try:
        from PySide6.QtCore import QCoreApplication
    except ImportError as exc:  # pragma: no cover
        yield error("monitor_fetch", f"PySide6 is missing: {exc}")
        return
    _app = QCoreApplication.instance() or QCoreApplication([])
    posts = statuses()
    base = workdir() / "monitoring"
    ours: list[float] = []
    theirs: list[float] = []
    for i in range(REPEAT):
        # Interleaved, and the order swapped each round, so a busy moment hits both.
        runs = [("m", monitor_once), ("b", mentions_once)]
        if i % 2:
            runs.reverse()
        for tag, fn in runs:
            folder = base / f"{tag}{i}"
            folder.mkdir(parents=True)
            elapsed, _count = fn(folder, posts)
            (ours if tag == "m" else theirs).append(elapsed)
    yield result(
        "monitor_fetch",
        statistics.median(ours),
        "ms",
        statistics.median(theirs),
        target="ratio <= 1.5 (a search column costs about what the same mentions cost)",
        items=len(posts),
        calls=len(TAGS) + len(WORDS),
        runs_ms=[round(x, 1) for x in ours],
        baseline_runs_ms=[round(x, 1) for x in theirs],
        per_item_ms=round(statistics.median(ours) / len(posts), 3),
    )


if __name__ == "__main__":  # pragma: no cover
    for line in run():
        print(json.dumps(line))
