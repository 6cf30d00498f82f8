"""Read marks: a conversation's unread flag, set by the writer when someone opens it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inbox.core.events import Changed

if TYPE_CHECKING:
    from inbox.store.store import Store


def set_unread(store: Store, conversation_id: int, unread: bool) -> Changed:
    """Set or clear the unread flag.

    Returns:
        Changed with the conversation when the flag actually moved, else an empty Changed.
    """
    with store.transaction() as conn:
        cur = conn.execute(
            "UPDATE conversations SET unread = ? WHERE id = ? AND unread != ?",
            (int(unread), conversation_id, int(unread)),
        )
    if cur.rowcount:
        return Changed(conversations=frozenset({conversation_id}))
    return Changed()


# core.handoff.priority_level calls 60 points and up "urgent".
URGENT_POINTS = 60


def unread_counts(store: Store) -> tuple[int, int]:
    """(unread, of which urgent) among the conversations still to work: the tray's badge."""
    row = store.query(
        "SELECT count(*), coalesce(sum(priority >= ?), 0) FROM conversations"
        " WHERE unread = 1 AND hidden = 0 AND status != 'resolved'",
        (URGENT_POINTS,),
    )[0]
    return int(row[0]), int(row[1])
