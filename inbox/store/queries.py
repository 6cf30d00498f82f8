"""Read queries behind columns, the conversation pane and search."""

from __future__ import annotations

import heapq
import itertools
import json
import re
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from inbox.core.clock import from_iso, to_iso
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
from inbox.store.dialect import SQLITE, Dialect

if TYPE_CHECKING:
    from inbox.store.store import Store

_TOKEN = re.compile(r"\w+", re.UNICODE)

_SUMMARY_SELECT = """
SELECT c.id, c.account_id, a.handle AS account_handle, a.network, c.kind, c.status,
       c.priority, coalesce(p.handle, '') AS contact_handle,
       coalesce(p.display_name, '') AS contact_name, c.snippet, c.last_message_at,
       c.unread, c.message_count, coalesce(m.name, '') AS assignee_name,
       coalesce(t.name, '') AS team_name, c.sla_due_at, c.tags,
       coalesce(x.blocked, 0) AS blocked, coalesce(x.muted, 0) AS muted
FROM conversations c
JOIN accounts a ON a.id = c.account_id
LEFT JOIN contacts p ON p.id = c.contact_id
LEFT JOIN members m ON m.id = c.assignee_id
LEFT JOIN teams t ON t.id = c.team_id
LEFT JOIN contact_moderation x ON x.account_id = c.account_id AND x.contact_id = c.contact_id
"""

# The same rows for a given list of ids (one JSON parameter, first): the ids drive the
# loop (CROSS JOIN fixes the order), else SQLite may walk a column index past every row.
_BY_IDS_SELECT = _SUMMARY_SELECT.replace(
    "FROM conversations c", "FROM json_each(?) j CROSS JOIN conversations c ON c.id = j.value"
)

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


def where_clause(flt: ColumnFilter, now: str, dialect: Dialect = SQLITE) -> tuple[str, list[Any]]:
    """SQL WHERE and its parameters for a column filter (the text condition is the
    dialect's: see Dialect.has_match)."""
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
    elif flt.search_id is None and not flt.include_hidden:
        # Monitoring items (found by a search, nobody asked us) show in the columns that
        # ask for them (a search column, the kind ticked) and in search, not in the work.
        clauses.append(f"c.kind != '{Kind.MONITORING.value}'")
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
    if flt.search_id is not None:
        # A monitoring column: what its search found (search_hits' primary key).
        clauses.append(
            "c.id IN (SELECT h.conversation_id FROM search_hits h WHERE h.search_id = ?)"
        )
        params.append(flt.search_id)
    query = fts_query(flt.query)
    if query:
        clauses.append(dialect.has_match())
        params.append(query)
    clauses.append("(c.snoozed_until IS NULL OR c.snoozed_until <= ?)")
    params.append(now)
    return " AND ".join(clauses) or "1 = 1", params


def _utc(text: str) -> datetime:
    """from_iso for what to_iso wrote (…Z), ~3x cheaper: pages parse two per row."""
    if text.endswith("Z"):
        return datetime.fromisoformat(text)  # Python 3.11 reads Z as UTC
    return from_iso(text)


def _summary(row: sqlite3.Row) -> ConversationSummary:
    sla = row["sla_due_at"]
    tags = row["tags"]
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
        last_message_at=_utc(row["last_message_at"]),
        unread=bool(row["unread"]),
        message_count=row["message_count"],
        assignee_name=row["assignee_name"],
        team_name=row["team_name"],
        sla_due_at=None if sla == "9999" else _utc(sla),
        tags=() if tags == "[]" else tuple(json.loads(tags)),
        blocked=bool(row["blocked"]),
        muted=bool(row["muted"]),
    )


# A text condition matching at least this many messages is "common": the column is
# walked in order instead of collecting every match first (docs/architecture.md).
COMMON_MATCHES = 5000
_WALK_BATCH = 200
_MATCH_CACHE = 4  # match sets kept per connection (a deck has a few text columns)
MATCH_REBUILD_S = 60.0  # a kept match set is rebuilt from scratch at least this often


@dataclass(frozen=True)
class _Matches:
    """A kept match set: its message ids, the newest message id it covers, when built."""

    ids: set[int]  # grown in place by later writes; callers only read it
    top: int
    version: tuple[int, int]
    built: float
    # Whether a conversation has a matching message, for those a column walk looked at;
    # grown in place too: a later matching message (the incremental step) makes it True.
    verdicts: dict[int, bool] = field(default_factory=dict)


def _fetch_all(cursor: sqlite3.Cursor) -> Iterator[sqlite3.Row]:
    while rows := cursor.fetchmany(_WALK_BATCH):
        yield from rows


_FAR_FUTURE = 253402300799.0  # 9999-12-31T23:59:59Z: no SLA sorts last, as '9999' does
_MAX_PARTS = 12  # ordered walks merged for one page (hidden x kinds x accounts)

OrderKey = tuple[float, ...]


def order_key(row: ConversationSummary, sort: str) -> OrderKey:
    """A conversation's place in a column's order (ORDERS) as a Python key: smaller is higher.

    Keys are unique (the id is part of them), so a column can bisect a sorted list of them.
    """
    newest = -row.last_message_at.timestamp()
    if sort == "newest":
        return (newest, -row.id)
    sla = row.sla_due_at.timestamp() if row.sla_due_at else _FAR_FUTURE
    return (-row.priority, sla, newest, -row.id)


def _row_key(row: sqlite3.Row, sort: str) -> OrderKey:
    """order_key of a raw row holding id, priority, sla_due_at and last_message_at."""
    newest = -_utc(row["last_message_at"]).timestamp()
    if sort == "newest":
        return (newest, -row["id"])
    sla = row["sla_due_at"]
    due = _FAR_FUTURE if sla == "9999" else _utc(sla).timestamp()
    return (-row["priority"], due, newest, -row["id"])


def _cursor(row: ConversationSummary, sort: str) -> list[Any]:
    """The stored sort values of a row, in ORDERS order: what a keyset condition compares."""
    newest = [to_iso(row.last_message_at), row.id]
    if sort == "newest":
        return newest
    return [row.priority, to_iso(row.sla_due_at) if row.sla_due_at else "9999", *newest]


# Column order as (column, direction): "<" for DESC (later rows have smaller values).
_ORDER_TERMS = {
    "priority": (("c.priority", "<"), ("c.sla_due_at", ">"), ("c.last_message_at", "<"),
                 ("c.id", "<")),
    "newest": (("c.last_message_at", "<"), ("c.id", "<")),
}  # fmt: skip


def _bare(terms: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The order's terms without the table alias: the order of a UNION's rows."""
    return tuple((col.split(".")[-1], op) for col, op in terms)


def _through(sort: str, last: ConversationSummary) -> tuple[str, list[Any]]:
    """One condition: the row comes no later than `last` in column order."""
    terms = _ORDER_TERMS.get(sort, _ORDER_TERMS["priority"])
    values = _cursor(last, sort if sort in _ORDER_TERMS else "priority")
    sql, params = f"{terms[-1][0]} >= ?", [values[-1]]  # the id: "<" reversed, inclusive
    for (col, op), value in zip(reversed(terms[:-1]), reversed(values[:-1]), strict=True):
        before = ">" if op == "<" else "<"
        sql = f"({col} {before} ? OR ({col} = ? AND {sql}))"
        params = [value, value, *params]
    return sql, params


class ConversationQueries:
    """Column pages, counts, one conversation and its messages, search."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._match_cache: dict[str, _Matches] = {}

    def page(
        self,
        flt: ColumnFilter,
        limit: int = 50,
        offset: int = 0,
        after: ConversationSummary | None = None,
    ) -> list[ConversationSummary]:
        """One page of a column, ordered as the column shows it.

        after: the last row already shown; the page starts right behind it (keyset
        paging: any depth costs what the first page costs). offset skips rows on
        top of that (kept for callers that count rows; its cost grows with it).
        """
        if self._store.dialect.one_statement_pages:
            return self._page_statement(flt, limit, offset, after)
        query = fts_query(flt.query)
        if query and self._common(query):
            ids = self._walk_matching(flt, query, offset + limit, after)[offset:]
            return self._summaries(ids)
        sort = flt.sort if flt.sort in ORDERS else "priority"
        order = ORDERS[sort]
        parts = self._parts(flt)
        if len(parts) == 1:
            where, params = parts[0]
            rows: Iterator[sqlite3.Row] = self._walk(
                _SUMMARY_SELECT, where, params, order, sort, after, offset + limit
            )
        else:
            rows = heapq.merge(
                *(
                    self._walk(_SUMMARY_SELECT, w, p, order, sort, after, offset + limit)
                    for w, p in parts
                ),
                key=lambda r: _row_key(r, sort),
            )
        with translated(self._store.path):
            return [_summary(r) for r in itertools.islice(rows, offset, offset + limit)]

    def _page_statement(
        self, flt: ColumnFilter, limit: int, offset: int, after: ConversationSummary | None
    ) -> list[ConversationSummary]:
        """The page as ONE statement (PostgreSQL: a statement is a round trip)."""
        sql, args = self.page_sql(flt, limit, offset, after)
        rows = self._store.query(sql, args)
        with translated(self._store.path):
            return [_summary(r) for r in rows]

    def page_sql(
        self,
        flt: ColumnFilter,
        limit: int = 50,
        offset: int = 0,
        after: ConversationSummary | None = None,
    ) -> tuple[str, list[Any]]:
        """The one statement of a page where the dialect wants one (and its parameters).

        Each part (see _parts) is the column's index walked in order behind `after` (one
        row-value seek) up to the page's end; several parts are joined by UNION ALL and
        their few rows sorted. A text condition is the planner's to serve (has_match).
        """
        dialect = self._store.dialect
        sort = flt.sort if flt.sort in ORDERS else "priority"
        terms = _ORDER_TERMS[sort]
        order = dialect.order_by(terms)
        behind, values = (
            dialect.behind(terms, _cursor(after, sort))[0] if after is not None else ("1 = 1", [])
        )
        keys = "SELECT c.id, c.priority, c.sla_due_at, c.last_message_at FROM conversations c"
        parts = [
            (f"{keys} WHERE {where} AND {behind} ORDER BY {order}", [*params, *values])
            for where, params in self._parts(flt)
        ]
        # LIMIT and OFFSET as numbers in the text, not parameters: a statement run often is
        # prepared, and a generic plan that does not know the page's size guessed 10% of the
        # table and joined the names by hashing every conversation and contact (41 ms vs 20).
        limit, offset = int(limit), int(offset)
        if len(parts) == 1:
            page, args = f"{parts[0][0]} LIMIT {limit} OFFSET {offset}", parts[0][1]
        else:
            union = " UNION ALL ".join(f"({select} LIMIT {offset + limit})" for select, _ in parts)
            page = (
                f"SELECT * FROM ({union}) AS parts ORDER BY {dialect.order_by(_bare(terms))}"
                f" LIMIT {limit} OFFSET {offset}"
            )
            args = [a for _, params in parts for a in params]
        # The page's keys first, then its rows' names: planning the conversations' walk
        # apart from the four joins costs 3 ms where one query of all of it cost 18 ms.
        select = _SUMMARY_SELECT.replace(
            "FROM conversations c", f"FROM ({page}) AS page JOIN conversations c ON c.id = page.id"
        )
        return f"{select} ORDER BY {order}", args

    def _summaries(self, ids: list[int]) -> list[ConversationSummary]:
        if not ids:
            return []
        rows = self._store.query(
            f"{_SUMMARY_SELECT} WHERE c.id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        )
        by_id = {int(r["id"]): _summary(r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    def _parts(self, flt: ColumnFilter) -> list[tuple[str, list[Any]]]:
        """The filter as ordered walks one index each serves, to be merged in order.

        Several kinds or accounts (an IN list) and "hidden too" (no hidden = 0 term)
        would make SQLite sort every matching row; one walk per value keeps each in
        an index's order. Too many combinations fall back to one (sorting) query.
        """
        kinds: list[tuple[Kind, ...]] = [(k,) for k in flt.kinds] or [()]
        accounts: list[tuple[int, ...]] = [(a,) for a in flt.accounts] or [()]
        hidden: list[int | None] = [0, 1] if flt.include_hidden else [None]
        now = self._store.now()
        dialect = self._store.dialect
        if len(kinds) * len(accounts) * len(hidden) > _MAX_PARTS:
            return [where_clause(flt, now, dialect)]
        parts = []
        for k, a, h in itertools.product(kinds, accounts, hidden):
            where, params = where_clause(replace(flt, kinds=k, accounts=a), now, dialect)
            if h is not None:
                where, params = f"{where} AND c.hidden = ?", [*params, h]
            parts.append((where, params))
        return parts

    def _walk(
        self,
        select: str,
        where: str,
        params: list[Any],
        order: str,
        sort: str,
        after: ConversationSummary | None,
        limit: int | None,
    ) -> Iterator[sqlite3.Row]:
        """Rows of one part in column order, behind `after`, fetched lazily step by step."""
        terms = _ORDER_TERMS[sort]
        steps = (
            self._store.dialect.behind(terms, _cursor(after, sort))
            if after is not None
            else [("1 = 1", [])]
        )
        tail = " LIMIT ?" if limit is not None else ""
        left = limit
        for cond, values in steps:
            args = [*params, *values] + ([left] if left is not None else [])
            cursor = self._store.conn.execute(
                f"{select} WHERE {where} AND {cond} ORDER BY {order}{tail}", args
            )
            for row in _fetch_all(cursor):
                yield row
                if left is not None:
                    left -= 1
            if left is not None and left <= 0:
                return

    def _common(self, query: str) -> bool:
        """Whether query matches so many messages that walking the column beats the set."""
        known = self._match_cache.get(query)
        if known is not None and len(known.ids) >= COMMON_MATCHES:
            return True  # matches only grow between rebuilds
        rows = self._store.query(
            "SELECT count(*) FROM"
            " (SELECT 1 FROM messages_fts WHERE messages_fts MATCH ? LIMIT ?) AS hits",
            (query, COMMON_MATCHES),
        )
        return int(rows[0][0]) >= COMMON_MATCHES

    def _walk_matching(
        self, flt: ColumnFilter, query: str, wanted: int, after: ConversationSummary | None = None
    ) -> list[int]:
        """The first `wanted` ids of the column (behind `after`), walked in order, with a match.

        The walk reads the column's ordered index (without the text condition) in
        batches and keeps the conversations with a matching message: for a common
        word a page needs a few batches, where the set-wise query would look up every
        matching message. Hidden and visible rows are two ordered walks, merged.
        """
        sort = flt.sort if flt.sort in ORDERS else "priority"
        order = ORDERS[sort]
        select = "SELECT c.id, c.priority, c.sla_due_at, c.last_message_at FROM conversations c"
        parts = self._parts(replace(flt, query=""))
        conn = self._store.conn
        found: list[int] = []
        with translated(self._store.path):
            walks = [self._walk(select, w, p, order, sort, after, None) for w, p in parts]
            walk = (
                heapq.merge(*walks, key=lambda r: _row_key(r, sort)) if len(walks) > 1 else walks[0]
            )
            entry = self._matched_entry(query)
            matched, verdicts = entry.ids, entry.verdicts
            while len(found) < wanted:
                ids = [int(r[0]) for r in itertools.islice(walk, _WALK_BATCH)]
                if not ids:
                    break
                # The walked conversations' message ids come from messages_conversation
                # alone (a covering index); each is tested against the match set. What a
                # walk found is kept: the next page after a write asks only the rest.
                unknown = [i for i in ids if i not in verdicts]
                if unknown:
                    hits = {
                        int(r[0])
                        for r in conn.execute(
                            "SELECT conversation_id, id FROM messages"
                            f" WHERE conversation_id IN ({','.join('?' * len(unknown))})",
                            unknown,
                        )
                        if r[1] in matched
                    }
                    verdicts.update((i, i in hits) for i in unknown)
                found.extend(i for i in ids if verdicts[i])
        return found[:wanted]

    def _matched_entry(self, query: str) -> _Matches:
        """The messages matching query; the last few sets are kept and brought up to date.

        After a write only the messages stored since (rowid above the set's newest) are
        matched and added: messages are appended, so a sync costs a match over its own
        rows, not over the whole index (the first keyword page after a write went from
        collecting every hit to a few ms). Messages are never edited or deleted today;
        each set is still rebuilt from scratch after MATCH_REBUILD_S in case they are.
        """
        # data_version moves on other connections' commits, total_changes on our own.
        conn = self._store.conn
        version = (int(conn.execute("PRAGMA data_version").fetchone()[0]), conn.total_changes)
        entry = self._match_cache.get(query)
        now = time.monotonic()
        if entry is not None and entry.version == version:
            return entry
        # The newest message first: a commit landing meanwhile is picked up next time.
        top = int(conn.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0])
        # On a team server laptops commit out of id order: a set is always rebuilt there.
        incremental = self._store.dialect.name == "sqlite"
        if entry is not None and incremental and now - entry.built < MATCH_REBUILD_S:
            rows = conn.execute(
                "SELECT rowid FROM messages_fts"
                " WHERE messages_fts MATCH ? AND rowid > ? AND rowid <= ?",
                (query, entry.top, top),
            ).fetchall()
            ids, verdicts = entry.ids, entry.verdicts
            ids.update(r[0] for r in rows)  # in place: a copy per write costs O(matches)
            built = entry.built
            new = [r[0] for r in rows]
            for start in range(0, len(new), 500):  # their conversations match now
                chunk = new[start : start + 500]
                verdicts.update(
                    (int(r[0]), True)
                    for r in conn.execute(
                        "SELECT conversation_id FROM messages"
                        f" WHERE id IN ({','.join('?' * len(chunk))})",
                        chunk,
                    )
                )
        else:
            rows = conn.execute(
                "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? AND rowid <= ?",
                (query, top),
            ).fetchall()
            ids, built, verdicts = {r[0] for r in rows}, now, {}
        self._match_cache.pop(query, None)
        while len(self._match_cache) >= _MATCH_CACHE:
            del self._match_cache[next(iter(self._match_cache))]
        entry = self._match_cache[query] = _Matches(ids, top, version, built, verdicts)
        return entry

    def count(self, flt: ColumnFilter, unread_only: bool = False) -> int:
        where, params = where_clause(flt, self._store.now(), self._store.dialect)
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
        where, params = where_clause(flt, self._store.now(), self._store.dialect)
        rows = self._store.query(
            "SELECT c.id FROM json_each(?) j CROSS JOIN conversations c ON c.id = j.value"
            f" WHERE {where}",
            [json.dumps(sorted(ids)), *params],
        )
        return {int(r[0]) for r in rows}

    def changed_rows(
        self,
        flt: ColumnFilter,
        ids: frozenset[int],
        through: ConversationSummary | None,
        limit: int,
    ) -> list[ConversationSummary]:
        """Which of ids a column shows now, in its order: those no later than `through`.

        The deck's column keeps a loaded prefix ending at `through` (None: it holds the
        whole column). Changed rows placed beyond it are not loaded (a later page brings
        them); at most `limit` come back, the first ones in order, so a sync of any size
        costs one bounded query.
        """
        if not ids:
            return []
        where, params = where_clause(flt, self._store.now(), self._store.dialect)
        sort = flt.sort if flt.sort in ORDERS else "priority"
        if through is not None:
            cond, values = _through(sort, through)
            where, params = f"{where} AND {cond}", [*params, *values]
        rows = self._store.query(
            f"{_BY_IDS_SELECT} WHERE {where} ORDER BY {ORDERS[sort]} LIMIT ?",
            [json.dumps(sorted(ids)), *params, limit],
        )
        return [_summary(r) for r in rows]

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
