"""Read queries behind columns, the conversation pane and search."""

from __future__ import annotations

import heapq
import itertools
import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from inbox.core.clock import from_iso
from inbox.core.models import (
    ColumnFilter,
    Contact,
    ConversationSummary,
    Direction,
    Kind,
    Message,
    Status,
)
from inbox.store.db import translated

if TYPE_CHECKING:
    from inbox.store.store import Store

_TOKEN = re.compile(r"\w+", re.UNICODE)

_SUMMARY_SELECT = """
SELECT c.id, c.account_id, a.handle AS account_handle, a.network, c.kind, c.status,
       c.priority, coalesce(p.handle, '') AS contact_handle,
       coalesce(p.display_name, '') AS contact_name, c.snippet, c.last_message_at,
       c.unread, c.message_count, coalesce(m.name, '') AS assignee_name,
       coalesce(t.name, '') AS team_name, c.sla_due_at, c.tags
FROM conversations c
JOIN accounts a ON a.id = c.account_id
LEFT JOIN contacts p ON p.id = c.contact_id
LEFT JOIN members m ON m.id = c.assignee_id
LEFT JOIN teams t ON t.id = c.team_id
"""

ORDERS = {
    "priority": "c.priority DESC, c.sla_due_at, c.last_message_at DESC, c.id DESC",
    "newest": "c.last_message_at DESC, c.id DESC",
}


_OR = re.compile(r"\s+OR\s+")


def fts_query(text: str) -> str:
    """User text as an FTS5 query: every word must match, as a prefix; no syntax leaks.

    An upper-case OR between words offers alternatives: "refund OR charged".
    """
    groups = [
        " AND ".join(f'"{token}"*' for token in _TOKEN.findall(part)) for part in _OR.split(text)
    ]
    groups = [g for g in groups if g]
    if len(groups) == 1:
        return groups[0]
    return " OR ".join(f"({g})" for g in groups)


@dataclass(frozen=True)
class MessageRow:
    """One message of a conversation, for the pane."""

    id: int
    remote_id: str
    direction: str
    kind: str
    author_handle: str
    author_name: str
    text: str
    html: str
    url: str
    visibility: str
    spoiler_text: str
    media: list[dict[str, str]]
    created_at: datetime


def where_clause(flt: ColumnFilter, now: str) -> tuple[str, list[Any]]:
    """SQL WHERE and its parameters for a column filter."""
    clauses: list[str] = []
    params: list[Any] = []
    if not flt.include_hidden:
        clauses.append("c.hidden = 0")
    if flt.statuses:
        clauses.append(f"c.status IN ({','.join('?' * len(flt.statuses))})")
        params.extend(s.value for s in flt.statuses)
    if flt.accounts:
        clauses.append(f"c.account_id IN ({','.join('?' * len(flt.accounts))})")
        params.extend(flt.accounts)
    if flt.kinds:
        clauses.append(f"c.kind IN ({','.join('?' * len(flt.kinds))})")
        params.extend(k.value for k in flt.kinds)
    if flt.team_id is not None:
        clauses.append("c.team_id = ?")
        params.append(flt.team_id)
    if flt.unassigned:
        clauses.append("c.assignee_id IS NULL")
    elif flt.assignee_id is not None:
        clauses.append("c.assignee_id = ?")
        params.append(flt.assignee_id)
    if flt.min_priority is not None:
        clauses.append("c.priority >= ?")
        params.append(flt.min_priority)
    query = fts_query(flt.query)
    if query:
        # A join, not nested IN lists: one pass from the index hits to their conversations.
        clauses.append(
            "c.id IN (SELECT m.conversation_id FROM messages_fts f"
            " JOIN messages m ON m.id = f.rowid WHERE messages_fts MATCH ?)"
        )
        params.append(query)
    clauses.append("(c.snoozed_until IS NULL OR c.snoozed_until <= ?)")
    params.append(now)
    return " AND ".join(clauses) or "1", params


def _summary(row: sqlite3.Row) -> ConversationSummary:
    sla = row["sla_due_at"]
    return ConversationSummary(
        id=row["id"],
        account_id=row["account_id"],
        account_handle=row["account_handle"],
        network=row["network"],
        kind=Kind(row["kind"]),
        status=Status(row["status"]),
        priority=row["priority"],
        contact_handle=row["contact_handle"],
        contact_name=row["contact_name"],
        snippet=row["snippet"],
        last_message_at=from_iso(row["last_message_at"]),
        unread=bool(row["unread"]),
        message_count=row["message_count"],
        assignee_name=row["assignee_name"],
        team_name=row["team_name"],
        sla_due_at=None if sla == "9999" else from_iso(sla),
        tags=tuple(json.loads(row["tags"])),
    )


# A text condition matching at least this many messages is "common": the column is
# walked in order instead of collecting every match first (docs/architecture.md).
COMMON_MATCHES = 5000
_WALK_BATCH = 200
_MATCH_CACHE = 4  # match sets kept per connection (a deck has a few text columns)


def _fetch_all(cursor: sqlite3.Cursor) -> Iterator[sqlite3.Row]:
    while rows := cursor.fetchmany(_WALK_BATCH):
        yield from rows


def _priority_key(row: sqlite3.Row) -> tuple[int, str, float, int]:
    return (-row[1], row[2], -from_iso(row[3]).timestamp(), -row[0])


def _newest_key(row: sqlite3.Row) -> tuple[float, int]:
    return (-from_iso(row[3]).timestamp(), -row[0])


class ConversationQueries:
    """Column pages, counts, one conversation and its messages, search."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._match_cache: dict[tuple[str, tuple[int, int]], frozenset[int]] = {}

    def page(
        self, flt: ColumnFilter, limit: int = 50, offset: int = 0
    ) -> list[ConversationSummary]:
        """One page of a column, ordered as the column shows it."""
        query = fts_query(flt.query)
        if query and self._common(query):
            ids = self._walk_matching(flt, query, offset + limit)[offset:]
            if not ids:
                return []
            rows = self._store.query(
                f"{_SUMMARY_SELECT} WHERE c.id IN ({','.join('?' * len(ids))})", ids
            )
            by_id = {int(r["id"]): _summary(r) for r in rows}
            return [by_id[i] for i in ids if i in by_id]
        where, params = where_clause(flt, self._store.now())
        order = ORDERS.get(flt.sort, ORDERS["priority"])
        rows = self._store.query(
            f"{_SUMMARY_SELECT} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [_summary(r) for r in rows]

    def _common(self, query: str) -> bool:
        """Whether query matches so many messages that walking the column beats the set."""
        rows = self._store.query(
            "SELECT count(*) FROM (SELECT 1 FROM messages_fts WHERE messages_fts MATCH ? LIMIT ?)",
            (query, COMMON_MATCHES),
        )
        return int(rows[0][0]) >= COMMON_MATCHES

    def _walk_matching(self, flt: ColumnFilter, query: str, wanted: int) -> list[int]:
        """The first `wanted` ids of the column, walked in its order, that have a match.

        The walk reads the column's ordered index (without the text condition) in
        batches and keeps the conversations with a matching message: for a common
        word a page needs a few batches, where the set-wise query would look up every
        matching message. Hidden and visible rows are two ordered walks, merged.
        """
        where, params = where_clause(replace(flt, query=""), self._store.now())
        order = ORDERS.get(flt.sort, ORDERS["priority"])
        parts = [(where, params)]
        if flt.include_hidden:  # no hidden = ? term: walk each value so an index keeps order
            parts = [(f"{where} AND c.hidden = ?", [*params, h]) for h in (0, 1)]
        conn = self._store.conn
        found: list[int] = []
        with translated(self._store.path):
            walks = [
                _fetch_all(
                    conn.execute(
                        "SELECT c.id, c.priority, c.sla_due_at, c.last_message_at"
                        f" FROM conversations c WHERE {w} ORDER BY {order}",
                        p,
                    )
                )
                for w, p in parts
            ]
            key = _newest_key if flt.sort == "newest" else _priority_key
            walk = heapq.merge(*walks, key=key) if len(walks) > 1 else walks[0]
            matched = self._matched(query)
            while len(found) < wanted:
                ids = [int(r[0]) for r in itertools.islice(walk, _WALK_BATCH)]
                if not ids:
                    break
                # The walked conversations' message ids come from messages_conversation
                # alone (a covering index); each is tested against the match set.
                hits = {
                    int(r[0])
                    for r in conn.execute(
                        "SELECT conversation_id, id FROM messages"
                        f" WHERE conversation_id IN ({','.join('?' * len(ids))})",
                        ids,
                    )
                    if r[1] in matched
                }
                found.extend(i for i in ids if i in hits)
        return found[:wanted]

    def _matched(self, query: str) -> frozenset[int]:
        """Ids of the messages matching query; the last few sets are reused until a write."""
        # data_version moves on other connections' commits, total_changes on our own.
        conn = self._store.conn
        version = (int(conn.execute("PRAGMA data_version").fetchone()[0]), conn.total_changes)
        key = (query, version)
        cached = self._match_cache.get(key)
        if cached is None:
            rows = self._store.conn.execute(
                "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?", (query,)
            )
            cached = frozenset(r[0] for r in rows)
            self._match_cache = {k: v for k, v in self._match_cache.items() if k[1] == version}
            while len(self._match_cache) >= _MATCH_CACHE:
                del self._match_cache[next(iter(self._match_cache))]
            self._match_cache[key] = cached
        return cached

    def count(self, flt: ColumnFilter, unread_only: bool = False) -> int:
        where, params = where_clause(flt, self._store.now())
        if unread_only:
            where += " AND c.unread = 1"
        return int(
            self._store.query(f"SELECT count(*) FROM conversations c WHERE {where}", params)[0][0]
        )

    def get(self, conversation_id: int) -> ConversationSummary | None:
        rows = self._store.query(f"{_SUMMARY_SELECT} WHERE c.id = ?", (conversation_id,))
        return _summary(rows[0]) if rows else None

    def matching(self, flt: ColumnFilter, ids: frozenset[int]) -> set[int]:
        """Which of ids the filter admits: lets a column re-query only what changed."""
        if not ids:
            return set()
        where, params = where_clause(flt, self._store.now())
        marks = ",".join("?" * len(ids))
        rows = self._store.query(
            f"SELECT c.id FROM conversations c WHERE {where} AND c.id IN ({marks})",
            [*params, *ids],
        )
        return {int(r[0]) for r in rows}

    def messages(self, conversation_id: int) -> list[MessageRow]:
        rows = self._store.query(
            "SELECT * FROM messages WHERE conversation_id = ? ORDER BY created_at, id",
            (conversation_id,),
        )
        return [
            MessageRow(
                id=r["id"],
                remote_id=r["remote_id"],
                direction=r["direction"],
                kind=r["kind"],
                author_handle=r["author_handle"],
                author_name=r["author_name"],
                text=r["text"],
                html=r["html"],
                url=r["url"],
                visibility=r["visibility"],
                spoiler_text=r["spoiler_text"],
                media=json.loads(r["media_json"]),
                created_at=from_iso(r["created_at"]),
            )
            for r in rows
        ]

    def search(self, text: str, limit: int = 50, offset: int = 0) -> list[ConversationSummary]:
        """Full-text search over every message, newest conversations first."""
        if not fts_query(text):
            return []
        flt = ColumnFilter(query=text, statuses=(), include_hidden=True, sort="newest")
        return self.page(flt, limit, offset)

    def key(self, conversation_id: int) -> str | None:
        """The conversation's key (thread root, DM id) within its account."""
        rows = self._store.query("SELECT key FROM conversations WHERE id = ?", (conversation_id,))
        return str(rows[0][0]) if rows else None

    def reply_target(self, conversation_id: int) -> Message | None:
        """The newest inbound message of a conversation, as the adapter needs it to reply."""
        rows = self._store.query(
            """SELECT m.*, c.key, a.network, coalesce(p.remote_id, '') AS author_remote_id,
                      coalesce(p.profile_url, '') AS profile_url
               FROM messages m JOIN conversations c ON c.id = m.conversation_id
               JOIN accounts a ON a.id = m.account_id
               LEFT JOIN contacts p ON p.id = m.author_id
               WHERE m.conversation_id = ? AND m.direction = 'in'
               ORDER BY m.created_at DESC, m.id DESC LIMIT 1""",
            (conversation_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return Message(
            remote_id=r["remote_id"],
            conversation_key=r["key"],
            kind=Kind(r["kind"]),
            author=Contact(
                network=r["network"],
                remote_id=r["author_remote_id"],
                handle=r["author_handle"],
                display_name=r["author_name"],
                profile_url=r["profile_url"],
            ),
            text=r["text"],
            created_at=from_iso(r["created_at"]),
            html=r["html"],
            url=r["url"],
            direction=Direction(r["direction"]),
            in_reply_to=r["in_reply_to"],
            visibility=r["visibility"],
            spoiler_text=r["spoiler_text"],
            language=r["language"],
            mentions=tuple(json.loads(r["mentions_json"])),
            raw=r["raw_json"],
        )
