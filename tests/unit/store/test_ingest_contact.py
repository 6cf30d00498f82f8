"""A conversation whose oldest fetched message is ours gets its contact from the customer's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inbox.core.models import AccountInfo, Contact, Direction, Kind, Message
from inbox.store import Store

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
US = Contact("x", "1", "us")
SAM = Contact("x", "2", "sam")


def _dm(remote_id: str, author: Contact, minutes: int) -> Message:
    return Message(
        remote_id=remote_id,
        conversation_key="dm:1-2",
        kind=Kind.DM,
        author=author,
        text=f"m{remote_id}",
        created_at=T0 + timedelta(minutes=minutes),
        direction=Direction.OUT if author is US else Direction.IN,
    )


def _contact(store: Store) -> str | None:
    rows = store.query(
        "SELECT ct.handle FROM conversations c LEFT JOIN contacts ct ON ct.id = c.contact_id"
    )
    return rows[0][0]


def test_same_batch(tmp_path) -> None:
    store = Store(tmp_path / "inbox.db")
    account = store.add_account(AccountInfo("x", "api.x.com", "1", "us"))
    store.ingest.messages(account.id, [_dm("10", US, 0), _dm("11", SAM, 1)])
    assert _contact(store) == "sam"
    store.close()


def test_later_batch(tmp_path) -> None:
    store = Store(tmp_path / "inbox.db")
    account = store.add_account(AccountInfo("x", "api.x.com", "1", "us"))
    store.ingest.messages(account.id, [_dm("10", US, 0)])
    assert _contact(store) is None
    store.ingest.messages(account.id, [_dm("11", SAM, 1)])
    assert _contact(store) == "sam"
    store.close()
