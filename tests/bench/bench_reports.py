"""A report over a year of one busy account: 1,000,000 messages in 100,000 conversations.

`report_year`: what the Reports window asks when it opens on "a year" — the year's
figures and the year before's (`ui.reports.compute`'s two `store.reports.period_report`
calls) on a read-only store, in ms, median of 5, each run interleaved with the baseline:
the plain count of the same conversation rows (`SELECT count(*) … WHERE first_message_at
in the period`). Target: under 1 s.

The profile is built by direct SQL (not through sync), like dataset.py, and cached next
to it: one account, 100,000 conversations spread over 2025 (10 messages each), a Berlin
business-hours SLA team, assignees, 40% resolved (with their audit rows), first responses,
scored sentiment, 200 published posts with replies. `BENCH_SCALE=0.1` shrinks it.
Alone: `python -m tests.bench reports`.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sqlite3
import statistics
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import inbox.store
from inbox.core import reports, sla
from inbox.core.clock import FakeClock, to_iso
from inbox.core.models import AccountInfo
from inbox.store import Store
from inbox.store import reports as report_store
from tests.bench import result
from tests.bench.dataset import SCALE

CONVERSATIONS = int(100_000 * SCALE)
PER_CONVERSATION = 10
YEAR = (date(2025, 1, 1), date(2025, 12, 31))
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
POLICY = sla.SlaPolicy(first_response_minutes=60, hours=sla.BusinessHours(tz="Europe/Berlin"))


def build(path: Path) -> None:
    store = Store(path)
    account = store.add_account(AccountInfo("mastodon", "busy.example", "1", "busyshop")).id
    team = store.teams.create("Support", POLICY).id
    members = [store.teams.add_member(name).id for name in ("Ana", "Ben", "Cy", "Dee")]
    store.close()
    rng = random.Random(17)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    triggers = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'messages'"
    ).fetchall()
    conn.execute("BEGIN")
    for (name,) in triggers:  # the report reads no text: no full-text index to fill
        conn.execute(f"DROP TRIGGER {name}")
    start = datetime.combine(YEAR[0], datetime.min.time(), tzinfo=UTC)
    seconds = (YEAR[1] - YEAR[0]).days * 86400 + 86399
    convs, audits, messages = [], [], []
    mid = 0
    for cid in range(1, CONVERSATIONS + 1):
        first = start + timedelta(seconds=rng.uniform(0, seconds))
        answered = (
            first + timedelta(minutes=rng.expovariate(1 / 240)) if rng.random() < 0.8 else None
        )
        resolved = rng.random() < 0.4
        last = first + timedelta(minutes=PER_CONVERSATION * 7)
        for j in range(PER_CONVERSATION):
            mid += 1
            inbound = j % 4 != 3
            messages.append(
                (mid, account, cid, f"m{mid}", "mention", "in" if inbound else "out",
                 "hello there", to_iso(first + timedelta(minutes=7 * j)),
                 round(rng.uniform(-1, 1), 3) if j == PER_CONVERSATION - 2 else None)
            )  # fmt: skip
        resolved_at = None
        if resolved:
            at = last + timedelta(minutes=rng.expovariate(1 / 600))
            resolved_at = to_iso(at)
            audits.append((resolved_at, cid, json.dumps({"status": "resolved", "member_id": 1})))
        convs.append(
            (cid, account, f"k{cid}", "mention", "resolved" if resolved else "open",
             team if rng.random() < 0.9 else None, rng.choice((None, *members)),
             PER_CONVERSATION, to_iso(first), to_iso(last), to_iso(answered) if answered else None,
             mid - 1, resolved_at)
        )  # fmt: skip
        if len(messages) >= 100_000:
            _flush(conn, convs, messages, audits)
    _flush(conn, convs, messages, audits)
    for n in range(200):
        at = to_iso(start + timedelta(days=n * 365 / 200))
        post = conn.execute(
            "INSERT INTO posts (team_id, state, text, created_at, updated_at)"
            " VALUES (?, 'published', 'news', ?, ?) RETURNING id",
            (team, at, at),
        ).fetchone()[0]
        box = conn.execute(
            "INSERT INTO outbox (kind, idempotency_key, account_id, payload_json, status, due_at,"
            " remote_id, created_at, updated_at) VALUES ('post', ?, ?, '{}', 'done', ?, ?, ?, ?)"
            " RETURNING id",
            (f"post-{post}", account, at, f"s{post}", at, at),
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO post_targets (post_id, account_id, outbox_id) VALUES (?, ?, ?)",
            (post, account, box),
        )
        conn.execute(  # a few of the year's messages answer each post
            "UPDATE messages SET in_reply_to = ? WHERE id IN (SELECT id FROM messages"
            " WHERE id % 200 = ? LIMIT 20)",
            (f"s{post}", n),
        )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _flush(conn: sqlite3.Connection, convs: list, messages: list, audits: list) -> None:
    conn.executemany(
        "INSERT INTO conversations (id, account_id, key, kind, status, team_id, assignee_id,"
        " message_count, first_message_at, last_message_at, first_response_at, last_inbound_id,"
        " resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        convs,
    )
    conn.executemany(
        "INSERT INTO messages (id, account_id, conversation_id, remote_id, kind, direction,"
        " text, created_at, sentiment_score) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        messages,
    )
    conn.executemany(
        "INSERT INTO audit_log (at, actor, action, conversation_id, detail_json)"
        " VALUES (?, 'Ana', 'status', ?, ?)",
        audits,
    )
    convs.clear()
    messages.clear()
    audits.clear()


@cache
def profile() -> Path:
    """The year's database, built once and cached beside dataset.py's."""
    root = Path(
        os.environ.get("SOCIAL_INBOX_BENCH_CACHE", Path.home() / ".cache" / "social-inbox-bench")
    )
    digest = hashlib.sha256(f"{SCALE}".encode())
    digest.update(Path(__file__).read_bytes())
    for migration in sorted((Path(inbox.store.__file__).parent / "migrations").glob("*.sql")):
        digest.update(migration.read_bytes())
    folder = root / f"reports{SCALE:g}-{digest.hexdigest()[:16]}"
    if (folder / "inbox.db").exists():
        return folder
    building = root / f"{folder.name}.{os.getpid()}.tmp"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    build(building / "inbox.db")
    for stale in root.glob(f"reports{SCALE:g}-*"):
        if not stale.name.endswith(".tmp") and stale != folder:
            shutil.rmtree(stale, ignore_errors=True)
    building.rename(folder)
    return folder


def _ms(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def run() -> Iterable[dict[str, Any]]:
    store = Store(profile() / "inbox.db", clock=FakeClock(NOW), readonly=True)
    try:
        zone = report_store.report_zone(store, None)
        period = reports.Period(*YEAR, zone)
        lo, hi = (to_iso(t) for t in period.bounds())

        def report() -> reports.PeriodReport:
            now = store.clock.now()
            report_store.period_report(store, period.previous(), None, now)
            return report_store.period_report(store, period, None, now)

        def plain() -> int:
            return int(
                store.query(
                    "SELECT count(*) FROM conversations c"
                    " WHERE c.first_message_at >= ? AND c.first_message_at < ?",
                    (lo, hi),
                )[0][0]
            )

        figures = report()  # warm the cache once, and check what is measured is real
        assert figures.received == plain() > 0, (figures.received, plain())
        values, baselines = [], []
        for _ in range(5):
            values.append(_ms(report))
            baselines.append(_ms(plain))
        messages = int(store.query("SELECT count(*) FROM messages")[0][0])
    finally:
        store.close()
    value = statistics.median(values)
    yield result(
        "report_year",
        value,
        "ms",
        statistics.median(baselines),
        target="value < 1000",
        messages=messages,
        conversations=figures.received,
        resolved=figures.resolved,
        answered=figures.responses.answered,
        runs_ms=[round(v) for v in values],
    )


if __name__ == "__main__":
    for line in run():
        print(json.dumps(line))
