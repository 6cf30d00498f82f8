"""The big read dataset: 100,000 conversations, 1,000,000 messages, 8 columns.

Built by direct SQL bulk inserts (not through sync: that path has its own
ingest benchmark), with the FTS index filled in one statement at the end
instead of by the trigger row by row. Deterministic (seeded random). Built
once and cached across runs (big_profile()).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import random
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import inbox.store
from inbox.core.clock import to_iso
from inbox.core.models import AccountInfo, ColumnFilter, Kind
from inbox.store import Store
from tests.bench import SCALE, workdir

CONVERSATIONS = 100_000
MESSAGES = 1_000_000
CONTACTS = 30_000
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# Words with their weights: a few domain words common, a long tail of rare ones.
DOMAIN = {
    "tea": 40, "order": 30, "thanks": 25, "shipping": 12, "refund": 6, "checkout": 5,
    "broken": 4, "matcha": 4, "charged": 3, "twice": 3, "parcel": 3, "lost": 2,
    "invoice": 1, "sencha": 1, "gaiwan": 0.3,
}  # fmt: skip
FILLER = [
    *("the", "a", "is", "my", "i", "you", "and", "to", "for"),
    *("it", "of", "on", "with", "this", "was", "but", "not", "can"),
]

COLUMNS = (
    ("Priority", ColumnFilter()),
    ("Direct messages", ColumnFilter(kinds=(Kind.DM,))),
    ("Urgent", ColumnFilter(min_priority=60)),
    ("Support team", ColumnFilter(team_id=1)),
    ("Mastodon", ColumnFilter(accounts=(1,))),
    ("Billing words", ColumnFilter(query="refund OR charged")),
    ("Unassigned mentions", ColumnFilter(kinds=(Kind.MENTION,), unassigned=True)),
    ("Newest", ColumnFilter(sort="newest")),
)


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    syllables = ["ka", "lo", "mi", "ten", "ra", "su", "vo", "pe", "zu", "ni", "or", "el"]
    tail = sorted({"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(4000)})
    words = [*DOMAIN, *FILLER, *tail]
    weights = [*DOMAIN.values(), *([60.0] * len(FILLER)), *(1 / (i + 1) for i in range(len(tail)))]
    return words, weights


def build(path: Path, conversations: int = CONVERSATIONS, messages: int = MESSAGES) -> Path:
    """Write the dataset to path (a profile database)."""
    store = Store(path)
    for n, network in enumerate(("mastodon", "bluesky", "x")):
        store.add_account(AccountInfo(network, f"{network}.bench", str(n), f"shop{n}"))
    for team in ("Support", "Billing", "Community"):
        store.teams.add(team)
    for name, flt in COLUMNS:
        store.columns.add(name, flt)
    store.close()

    rng = random.Random(7)
    words, weights = _vocabulary(rng)
    cumulative = list(itertools.accumulate(weights))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -200000")
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'messages'"
    ).fetchall()
    conn.execute("BEGIN")
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    conn.executemany(
        "INSERT INTO contacts (id, network, remote_id, handle, display_name, followers_count)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            (i, ("mastodon", "bluesky", "x")[i % 3], f"c{i}", f"user{i}", f"User {i}",
             int(rng.paretovariate(1.2) * 30))
            for i in range(1, CONTACTS + 1)
        ),
    )  # fmt: skip
    kinds = ["mention"] * 11 + ["dm"] * 4 + ["reply"] * 4 + ["quote"]
    statuses = ["new"] * 3 + ["open"] * 2 + ["pending"] + ["resolved"] * 4
    convs = []
    per_conv = messages // conversations
    for cid in range(1, conversations + 1):
        last = NOW - timedelta(minutes=rng.uniform(0, 90 * 24 * 60))
        first = last - timedelta(minutes=per_conv * rng.uniform(1, 30))
        convs.append(
            (
                cid,
                cid % 3 + 1,
                f"k{cid}",
                rng.choice(kinds),
                rng.randint(1, CONTACTS),
                rng.choice(statuses),
                rng.choice((0, 0, 0, 10, 10, 20, 30, 40, 50, 60, 70, 90)),
                rng.choice((None, None, 1, 2, 3)),
                rng.choice((None,) * 6 + (1, 2, 3)),
                int(rng.random() < 0.02),
                int(rng.random() < 0.3),
                per_conv,
                to_iso(first),
                to_iso(last),
                to_iso(last),
            )
        )
    conn.executemany(
        """INSERT INTO conversations (id, account_id, key, kind, contact_id, status, priority,
               team_id, assignee_id, hidden, unread, message_count, first_message_at,
               last_message_at, last_inbound_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        convs,
    )
    conn.execute("INSERT INTO members (id, name) VALUES (1, 'Ana'), (2, 'Ben'), (3, 'Cy')")

    def rows():
        mid = 0
        for cid, account, _key, kind, contact, *_rest, first_at, _last_at, _ in convs:
            start = datetime.fromisoformat(first_at.replace("Z", "+00:00"))
            for j in range(per_conv):
                mid += 1
                text = " ".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(6, 18)))
                yield (
                    mid,
                    account,
                    cid,
                    f"m{mid}",
                    kind,
                    "out" if j % 4 == 3 else "in",
                    contact,
                    f"user{contact}",
                    f"User {contact}",
                    text,
                    to_iso(start + timedelta(minutes=j)),
                )

    conn.executemany(
        """INSERT INTO messages (id, account_id, conversation_id, remote_id, kind, direction,
               author_id, author_handle, author_name, text, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        rows(),
    )
    conn.execute("UPDATE conversations SET snippet = 'latest message text of ' || key")
    # One bulk insert into the index instead of a trigger call per row.
    conn.execute(
        "INSERT INTO messages_fts (rowid, text, author)"
        " SELECT id, text, author_handle || ' ' || author_name FROM messages"
    )
    for _, sql in triggers:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


def _fingerprint() -> str:
    """What the dataset depends on: this file, the schema, the scale."""
    digest = hashlib.sha256(f"{SCALE}".encode())
    digest.update(Path(__file__).read_bytes())
    for migration in sorted((Path(inbox.store.__file__).parent / "migrations").glob("*.sql")):
        digest.update(migration.read_bytes())
    return digest.hexdigest()[:16]


@cache
def big_profile() -> Path:
    """The profile folder holding the dataset, built once and cached across runs.

    The cache lives in $SOCIAL_INBOX_BENCH_CACHE (default ~/.cache/social-inbox-bench),
    keyed by this file, the migrations and BENCH_SCALE; treat it as read-only
    (writable_profile() gives a copy to write to).
    """
    root = Path(
        os.environ.get("SOCIAL_INBOX_BENCH_CACHE", Path.home() / ".cache" / "social-inbox-bench")
    )
    folder = root / f"scale{SCALE:g}-{_fingerprint()}"
    if (folder / "inbox.db").exists():
        return folder
    building = root / f"{folder.name}.{os.getpid()}.tmp"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    build(building / "inbox.db", int(CONVERSATIONS * SCALE), int(MESSAGES * SCALE))
    for stale in root.iterdir():  # older fingerprints: 320 MB each
        same_scale = stale.name.split("-")[0] == folder.name.split("-")[0]
        if same_scale and not stale.name.endswith(".tmp") and stale != folder:
            shutil.rmtree(stale, ignore_errors=True)
    building.rename(folder)
    return folder


def writable_profile(name: str) -> Path:
    """A fresh copy of the dataset profile under workdir(), for benchmarks that write."""
    folder = workdir() / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    shutil.copyfile(big_profile() / "inbox.db", folder / "inbox.db")
    return folder
