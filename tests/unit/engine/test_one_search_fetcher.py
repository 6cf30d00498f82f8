"""One fetcher per monitoring search: two engines (two laptops) on one database elect one
fetcher of each search column's search through its lease (``fetch-search:<id>``), like the
accounts' election; when it vanishes, the other takes over from the search's cursor.

On both backends (one SQLite file; one team PostgreSQL database). Real engines running their
real loops (loops.start: account loops, heartbeat, the monitoring loop), the real Mastodon
adapter against the fake Mastodon on a loopback socket; each engine's HTTP client logs its
own requests, so the test sees which laptop asked the server for the search.
"""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path

from inbox.core.models import AccountInfo
from inbox.engine import Engine, monitoring, ops, team
from inbox.store import Store
from tests.networks.mastodon.fake import load
from tests.servers.mastodon_loopback import LoopbackMastodon
from tests.unit.engine.test_one_fetcher import (  # noqa: F401 (fixtures)
    Laptop,
    db,
    server,
    short_leases,
    wait,
)


def searched(laptop: Laptop) -> list[str]:
    """The min_id of each full-text search this laptop sent to the server ('' for none)."""
    return [
        r.url.params.get("min_id", "") for r in laptop.requests if r.url.path == "/api/v2/search"
    ]


def vanish(laptop: Laptop) -> None:
    """Its loops stop dead: no lease renewed, nothing handed back."""

    def cancel(_e: Engine) -> None:
        for task in asyncio.all_tasks():
            if task.get_name() in ("sync:1", team.HEARTBEAT_TASK, monitoring.TASK):
                task.cancel()

    laptop.engine.call(cancel)


def test_one_laptop_fetches_each_search_and_the_other_takes_over_from_its_cursor(
    db: Path,  # noqa: F811
    server: LoopbackMastodon,  # noqa: F811
) -> None:
    store = Store(db)
    store.add_account(AccountInfo("mastodon", server.url, "110000000000000001", "teashop"))
    store.set_setting("sync.backfill_days", 36500)  # the recordings are from March 2026
    store.set_setting("monitoring.poll_interval_s", 0.1)

    def holder(search_id: int) -> str:
        lease = store.leases.get(team.search_lease(search_id))
        return lease.holder if lease else ""

    def stored(remote_id: str) -> int:
        rows = store.query("SELECT count(*) FROM messages WHERE remote_id = ?", (remote_id,))
        return int(rows[0][0])

    first, second = Laptop(db, 1), Laptop(db, 1)
    try:
        column = first.engine.call(
            lambda e: ops.run(
                e, "columns.add_search", initiator="cli", name="Competitors", terms=["Kettleco"]
            )
        )
        search_id = int(column["search_id"])
        first.start()
        assert wait(lambda: stored("1210") == 1), "the first laptop did not fetch the search"
        assert holder(search_id) == first.engine.holder
        second.start()
        # The first keeps fetching the search every round; the second never asks for it.
        rounds = len(searched(first))
        assert wait(lambda: len(searched(first)) >= rounds + 5)
        assert searched(second) == []
        assert holder(search_id) == first.engine.holder

        vanish(first)
        newer = copy.deepcopy(load("search_statuses.json")[0])
        newer.update(id="1220", content="<p>Kettleco raised prices again</p>")
        newer["uri"] = newer["url"] = "https://social.example/@maya/1220"
        with server._lock:
            server.fake.public.insert(0, newer)
        assert wait(lambda: stored("1220") == 1), "nobody took the search over"
        assert holder(search_id) == second.engine.holder
        assert wait(lambda: store.searches.get(search_id).fetch.state == "ok")
    finally:
        for laptop in (first, second):
            laptop.engine.stop()
    # The second laptop asked from the first one's cursor, not from scratch.
    assert searched(second)[0] == "1210", searched(second)
    # No duplicate: each hit stored once, and the column shows both the old and the new.
    for remote_id in ("1210", "1206", "1202", "1220"):
        assert stored(remote_id) == 1, remote_id
    hits = store.query("SELECT count(*) FROM search_hits WHERE search_id = ?", (search_id,))
    assert hits[0][0] == 4
    store.close()
