import time
from pathlib import Path
from inbox.core.clock import SystemClock
from inbox.core.models import AccountInfo, Contact, Kind, Message
from inbox.store import Store, journal
from inbox.store import team as team_profile
from datetime import timedelta

def test_measure(tmp_path: Path, pg_dsn: str, memory_keyring) -> None:
    sam = Store(tmp_path / "sam" / "inbox.db", clock=SystemClock(), dsn=pg_dsn)
    account = sam.add_account(AccountInfo("mastodon", "https://shop.test", "1", "shop"))
    now = SystemClock().now()
    for b in range(20):
        batch = []
        for n in range(1000):
            i = b * 1000 + n
            c = Contact("mastodon", f"{i % 3000}", f"c{i % 3000}@x.test", f"C {i}")
            batch.append(Message(f"m{i}", f"c-{i % 5000}", Kind.MENTION, c, f"help with order {i} please", now - timedelta(seconds=i)))
        sam.ingest.messages(account.id, batch)
    counts = sam.query("SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM conversations)")[0]
    db = tmp_path / "alex" / "inbox.db"
    team_profile.save(db, pg_dsn, None)
    for _ in range(2):
        made = journal.snapshot(team_profile.dsn_of(db), db)
        print(f"\nSNAPSHOT messages={counts[0]} conversations={counts[1]} rows={made.rows} tables={made.tables} seconds={made.seconds:.2f} size={journal.replica_path(db).stat().st_size}")
