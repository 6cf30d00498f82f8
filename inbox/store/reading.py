"""Read marks: a conversation's unread flag, set by the writer when someone opens it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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


# -- small reads the window and the CLI need (SQL stays in store/) ---------------------


def suggested_template(store: Store, conversation_id: int) -> str | None:
    """The saved reply the rules suggested for a conversation, if any."""
    rows = store.query("SELECT template FROM conversations WHERE id = ?", (conversation_id,))
    return rows[0][0] if rows else None


def priority_facts(store: Store, conversation_id: int) -> dict[str, Any] | None:
    """priority, priority_explain (JSON), sla_due_at, sla_breaches of a conversation."""
    rows = store.query(
        "SELECT priority, priority_explain, sla_due_at, sla_breaches FROM conversations"
        " WHERE id = ?",
        (conversation_id,),
    )
    return dict(rows[0]) if rows else None


def newest_conversation_id(store: Store) -> int:
    """The highest conversation id (0 when there is none): ids only grow."""
    return int(store.query("SELECT coalesce(max(id), 0) FROM conversations")[0][0])


def conversation_count(store: Store) -> int:
    return int(store.query("SELECT count(*) FROM conversations")[0][0])


def known_handles(store: Store, limit: int = 2000) -> list[str]:
    """Contacts' handles for @ completion, the most followed first."""
    rows = store.query(
        "SELECT handle FROM contacts ORDER BY followers_count DESC NULLS LAST, handle LIMIT ?",
        (limit,),
    )
    return [r[0] for r in rows]


def due_posts_in_outbox(
    store: Store, horizon: str, account_ids: list[int]
) -> tuple[int, str | None]:
    """(post rows queued or sending for account_ids due by horizon, the earliest due time)."""
    rows = store.query(
        f"""SELECT count(*), min(due_at) FROM outbox WHERE kind = 'post'
              AND status IN ('queued', 'sending') AND due_at <= ?
              AND account_id IN ({",".join("?" * len(account_ids))})""",
        (horizon, *account_ids),
    )
    return int(rows[0][0]), rows[0][1]
