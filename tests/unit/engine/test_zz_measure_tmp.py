import time
from datetime import timedelta
from pathlib import Path

from inbox.core.clock import SystemClock
from inbox.core.models import AccountInfo, Contact, Kind, Message
from inbox.store import Store, journal
from inbox.store import team as team_profile


def test_measure(tmp_path: Path, pg_dsn: str, memory_keyring) -> None:
    sam = Store(tmp_path / "sam" / "inbox.db", clock=SystemClock(), dsn=pg_dsn)
    account = sam.add_account(AccountInfo("mastodon", "https://shop.test", "1", "shop"))
    now = SystemClock().now()
    for b in range(20):
        batch = []
        for n in range(1000):
            i = b * 1000 + n
            c = Contact("mastodon", f"{i % 3000}", f"c{i % 3000}@x.test", f"C {i}")
            m = Message(f"m{i}", f"c-{i % 5000}", Kind.MENTION, c, f"help {i}", now - timedelta(seconds=i))
            batch.append(m)
        sam.ingest.messages(account.id, batch)
    db = tmp_path / "alex" / "inbox.db"
    team_profile.save(db, pg_dsn, None)
    for _ in range(2):
        t = time.process_time()
        made = journal.snapshot(team_profile.dsn_of(db), db)
        cpu = time.process_time() - t
        size = journal.replica_path(db).stat().st_size
        print(f"\nSNAPSHOT rows={made.rows} tables={made.tables} wall={made.seconds:.2f} cpu={cpu:.2f} size={size}")
