"""Ingest: normalized messages into contacts, conversations and messages, deduplicated.

One call is one page: a few set-wise statements (which remote ids are known, which
conversations exist) instead of several round trips per message, the conversation
rows worked out in Python, then written with executemany. The triage rules decide
each touched conversation from its facts worked out in Python too (the stored
columns, the page's newest inbound message, the contact), before anything is written,
so every conversation row is written once per page with both what the page and what
the rules changed, and a message the rules scored is inserted with its score.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from inbox.core.clock import to_iso
from inbox.core.events import Changed
from inbox.core.models import REPLY_KEY, Contact, Direction, Kind, Message, Status
from inbox.core.rules import Decide

if TYPE_CHECKING:
    from inbox.store.store import Store

SNIPPET_CHARS = 240
_MONITORING = Kind.MONITORING.value
_CHUNK = 500  # bound parameters per IN (...) list
_CONTACT_CACHE = 50_000

_INSERT_MESSAGE = """INSERT INTO messages (id, account_id, conversation_id, remote_id, kind,
    direction, author_id, author_handle, author_name, text, html, url, in_reply_to, visibility,
    spoiler_text, language, media_json, mentions_json, created_at, raw_json, sentiment_score)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""

# What the rules decide (core.rulepass.Pass.evaluate's columns), as a new row starts.
_RULED = {
    "priority": 0,
    "priority_explain": "[]",
    "template": None,
    "tags": "[]",
    "team_id": None,
    "assignee_id": None,
    "hidden": 0,
    "rule_state": "{}",
    "status": Status.NEW.value,
    "sla_due_at": "9999",
}
_RULED_COLUMNS = tuple(_RULED)

_INSERT_CONVERSATION = f"""INSERT INTO conversations (id, account_id, key, kind, contact_id,
    snippet, unread, message_count, first_message_at, last_message_at, last_inbound_at,
    first_response_at, last_inbound_id, waiting_since, {", ".join(_RULED_COLUMNS)})
    VALUES ({", ".join("?" * (14 + len(_RULED_COLUMNS)))})"""

# The page's columns of a stored conversation; the rules' changed ones are appended.
_UPDATE_SET = """snippet = ?, unread = ?, message_count = ?,
    first_message_at = ?, last_message_at = ?, last_inbound_at = ?, first_response_at = ?,
    last_inbound_id = ?, waiting_since = ?, sla_breaches = ?, sla_breached_at = ?,
    contact_id = coalesce(contact_id, ?)"""

# A stored conversation as the page and the rules need it (store.rules.FACTS_SELECT's
# columns of the conversation and its newest inbound message).
_LOAD = """SELECT c.id, c.key, c.kind, c.contact_id, c.snippet, c.unread, c.message_count,
    c.first_message_at, c.last_message_at, c.last_inbound_at, c.first_response_at,
    c.last_inbound_id, c.waiting_since, c.sla_breaches, c.sla_breached_at, c.priority_override,
    c.priority, c.priority_explain, c.template, c.tags, c.team_id, c.assignee_id, c.hidden,
    c.rule_state, c.status, c.sla_due_at,
    m.id AS m_id, m.text AS m_text, m.language AS m_language, m.sentiment_score AS m_score
    FROM conversations c LEFT JOIN messages m ON m.id = c.last_inbound_id"""


@dataclass(slots=True)
class _Conversation:
    """A conversation's row while a page is applied to it."""

    id: int
    new: bool
    key: str = ""
    kind: str = ""
    contact_id: int | None = None
    snippet: str = ""
    unread: bool = True
    message_count: int = 0
    first_message_at: str = ""
    last_message_at: str = ""
    last_inbound_at: str | None = None
    first_response_at: str | None = None
    last_inbound_id: int | None = None
    waiting_since: str | None = None  # oldest inbound message not answered yet
    sla_due_at: str = "9999"
    sla_breaches: int = 0
    sla_breached_at: str | None = None
    added: int = 0  # messages this page adds
    answered: bool = False  # this page's newest word in it is ours
    stored_contact_id: int | None = None  # contact_id as stored (contact_id: the page's)
    inbound: Message | None = None  # the page's message that became last_inbound_id
    # What a stored row holds that the rules read: the ruled columns (_RULED), the
    # override, and its newest inbound message's (id, text, language, score).
    ruled: dict[str, Any] = field(default_factory=lambda: dict(_RULED))
    priority_override: int | None = None
    stored_inbound: tuple[int | None, str, str, float | None] = (None, "", "", None)


class Ingest:
    """Upserts messages; the same (account, remote id) twice changes nothing."""

    def __init__(self, store: Store) -> None:
        self._store = store
        # Contacts known to be stored as they are: skips re-upserting a repeat author.
        self._contacts: dict[tuple[str, str], tuple[Contact, int]] = {}
        store.on_rollback(self._contacts.clear)  # also when an outer transaction rolls back
        self.count = 0  # calls of messages(): tells another writer its cache may be stale

    def forget_contacts(self) -> None:
        """Another process (engine.ingest_worker) may have written contacts: ask again."""
        self._contacts.clear()

    def messages(
        self, account_id: int, messages: Iterable[Message], decide: Decide | None = None
    ) -> Changed:
        """Store messages for account_id in one transaction, then run the rules on them.

        Args:
            decide: the rules to run; None uses the profile's stored rules.

        Returns:
            Changed with the ids of conversations that got a new message.
        """
        self.count += 1
        try:
            with self._store.transaction() as conn:
                return self._page(conn, account_id, list(messages), decide)
        except BaseException:
            self._contacts.clear()  # ids from a rolled-back transaction are not stored
            raise

    def _page(
        self,
        conn: sqlite3.Connection,
        account_id: int,
        batch: list[Message],
        decide: Decide | None,
    ) -> Changed:
        known = _existing(
            conn,
            "SELECT remote_id FROM messages WHERE account_id = ? AND remote_id IN ({})",
            account_id,
            [m.remote_id for m in batch],
        )
        # Someone asked us after all: a post a search found comes again as a mention.
        promoted = _promote(conn, account_id, [m for m in batch if m.remote_id in known])
        fresh: list[Message] = []
        for message in batch:
            if message.remote_id not in known:
                known.add(message.remote_id)  # a repeat within the page is a duplicate too
                fresh.append(message)
        if any(m.conversation_key.startswith(REPLY_KEY) for m in fresh):
            fresh = _file_replies(conn, account_id, fresh)
        if not fresh:
            if promoted:
                self._store.rules.refresh(promoted, decide)
            return Changed(conversations=frozenset(promoted))
        conversations = self._load_conversations(
            conn, account_id, list(dict.fromkeys(m.conversation_key for m in fresh))
        )
        # Ids are handed out here (one writer, inside BEGIN IMMEDIATE) so that rows can
        # refer to each other before a single executemany writes them.
        # (On PostgreSQL from the tables' sequences: other laptops write at the same time.)
        dialect = self._store.dialect
        new_keys = {m.conversation_key for m in fresh} - conversations.keys()
        conversation_ids = dialect.next_ids(conn, "conversations", len(new_keys))
        message_ids = dialect.next_ids(conn, "messages", len(fresh))
        rows: list[tuple[Any, ...]] = []
        reopen: set[int] = set()
        promote: dict[int, str] = {}  # monitoring conversations a mention now joins
        for message in fresh:
            contact_id = self._contact(conn, message.author)
            inbound = message.direction is Direction.IN
            when = to_iso(message.created_at)
            conv = conversations.get(message.conversation_key)
            if conv is None:
                conv = _new_conversation(
                    next(conversation_ids), message, when, contact_id if inbound else None
                )
                conversations[message.conversation_key] = conv
            elif inbound:
                reopen.add(conv.id)  # the customer wrote again
            if inbound and conv.contact_id is None:
                # Started by us (or our reply is the oldest message fetched): the
                # customer's first message names who the conversation is with.
                conv.contact_id = contact_id
            if not conv.new and inbound and message.kind is not Kind.MONITORING:
                promote[conv.id] = message.kind.value
            message_id = next(message_ids)
            _add_message(conv, message, when, message_id)
            rows.append(_message_row(message_id, account_id, conv.id, contact_id, message, when))
        touched = [c for c in conversations.values() if c.added]
        for conv in touched:
            if conv.id in promote and conv.kind == _MONITORING:
                conv.kind = promote[conv.id]  # the UPDATE below writes it
        ruled, scores = self._decide(conn, account_id, touched, reopen, decide)
        for conv in touched:
            # Our answer is the last word: the conversation waits on the customer now.
            if conv.answered and ruled[conv.id].get("status", conv.ruled["status"]) in _WAITING:
                ruled[conv.id]["status"] = Status.PENDING.value
        # A new conversation is inserted with what the rules decided, except a status they
        # resolve it to: that is an UPDATE after its messages, which the answered index's
        # triggers (migration 0015) read.
        resolved = [
            (Status.RESOLVED.value, c.id)
            for c in touched
            if c.new and ruled[c.id].get("status") == Status.RESOLVED.value
        ]
        for _, cid in resolved:
            del ruled[cid]["status"]
        conn.executemany(
            _INSERT_CONVERSATION,
            [
                (*_insert_row(account_id, c), *{**_RULED, **ruled[c.id]}.values())
                for c in touched
                if c.new
            ],
        )
        # A message the rules scored (the newest inbound of its conversation) keeps it.
        conn.executemany(_INSERT_MESSAGE, [(*r, scores.pop(r[0], None)) for r in rows])
        groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for conv in touched:
            if not conv.new:
                changed = ruled[conv.id]
                groups.setdefault(tuple(changed), []).append(
                    (*_update_row(conv), *changed.values(), conv.id)
                )
        for columns, params in groups.items():
            # Only what differs is written: every indexed column set costs an index update.
            sets = "".join(f", {c} = ?" for c in columns)
            conn.executemany(f"UPDATE conversations SET {_UPDATE_SET}{sets} WHERE id = ?", params)
        if resolved:
            conn.executemany("UPDATE conversations SET status = ? WHERE id = ?", resolved)
        if scores:  # their newest inbound message was stored before this page, unscored
            conn.executemany(
                "UPDATE messages SET sentiment_score = ? WHERE id = ?",
                [(score, mid) for mid, score in scores.items()],
            )
        if promote:
            conn.executemany(
                f"UPDATE conversations SET kind = ? WHERE id = ? AND kind = '{_MONITORING}'",
                [(kind, cid) for cid, kind in promote.items()],
            )
        ids = {c.id for c in touched}
        if promoted - ids:
            self._store.rules.refresh(promoted - ids, decide)
        return Changed(conversations=frozenset(ids | promoted))

    def _decide(
        self,
        conn: sqlite3.Connection,
        account_id: int,
        touched: list[_Conversation],
        reopen: set[int],
        decide: Decide | None,
    ) -> tuple[dict[int, dict[str, Any]], dict[int, float]]:
        """The columns the rules change in each touched conversation, and the sentiment
        scores they worked out (by message id): one rules pass over facts rows made here,
        equal to what store.rules.FACTS_SELECT reads once the page's rows are written."""
        network = str(
            conn.execute("SELECT network FROM accounts WHERE id = ?", (account_id,)).fetchone()[0]
        )
        contact_ids = list({cid for c in touched if (cid := _final_contact(c)) is not None})
        people: dict[int, tuple[int, int | None]] = {}
        for start in range(0, len(contact_ids), _CHUNK):
            chunk = contact_ids[start : start + _CHUNK]
            for r in conn.execute(
                "SELECT id, is_vip, followers_count FROM contacts"
                f" WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                people[int(r[0])] = (int(r[1]), r[2])
        run = self._store.rules.new_pass(decide)
        ruled: dict[int, dict[str, Any]] = {}
        for conv in touched:
            if conv.inbound is not None:
                message_id: int | None = conv.last_inbound_id
                text, language, score = conv.inbound.text, conv.inbound.language, None
            else:
                message_id, text, language, score = conv.stored_inbound
            contact_id = _final_contact(conv)
            vip, followers = people.get(contact_id, (0, None)) if contact_id else (0, None)
            row = {
                "id": conv.id,
                "account_id": account_id,
                "kind": conv.kind,
                **conv.ruled,
                "priority_override": conv.priority_override,
                "waiting_since": conv.waiting_since,
                "first_response_at": conv.first_response_at,
                "network": network,
                "text": text,
                "language": language,
                "message_id": message_id,
                "sentiment": 0.0 if message_id is None else score,
                "vip": vip,
                "followers_count": followers,
            }
            update = run.evaluate(row, conv.id in reopen)
            ruled[conv.id] = {} if update is None else update[1]
        return ruled, {mid: score for score, mid in run.take_scores()}

    def _load_conversations(
        self, conn: sqlite3.Connection, account_id: int, keys: list[str]
    ) -> dict[str, _Conversation]:
        """The stored conversations among keys."""
        found: dict[str, _Conversation] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            for r in conn.execute(
                f"{_LOAD} WHERE c.account_id = ? AND c.key IN ({','.join('?' * len(chunk))})",
                [account_id, *chunk],
            ):
                found[r["key"]] = _Conversation(
                    id=r["id"],
                    new=False,
                    key=r["key"],
                    kind=r["kind"],
                    snippet=r["snippet"],
                    unread=bool(r["unread"]),
                    message_count=r["message_count"],
                    first_message_at=r["first_message_at"],
                    last_message_at=r["last_message_at"],
                    last_inbound_at=r["last_inbound_at"],
                    first_response_at=r["first_response_at"],
                    last_inbound_id=r["last_inbound_id"],
                    waiting_since=r["waiting_since"],
                    sla_due_at=r["sla_due_at"],
                    sla_breaches=r["sla_breaches"],
                    sla_breached_at=r["sla_breached_at"],
                    stored_contact_id=r["contact_id"],
                    ruled={k: r[k] for k in _RULED_COLUMNS},
                    priority_override=r["priority_override"],
                    stored_inbound=(
                        r["m_id"],
                        "" if r["m_text"] is None else r["m_text"],
                        "" if r["m_language"] is None else r["m_language"],
                        r["m_score"],
                    ),
                )
        return found

    def _contact(self, conn: sqlite3.Connection, contact: Contact) -> int:
        key = (contact.network, contact.remote_id)
        cached = self._contacts.get(key)
        if cached is not None and cached[0] == contact:
            return cached[1]
        row = conn.execute(
            """INSERT INTO contacts (network, remote_id, handle, display_name, avatar_url,
                   profile_url, followers_count)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (network, remote_id) DO UPDATE SET
                   handle = excluded.handle, display_name = excluded.display_name,
                   avatar_url = excluded.avatar_url, profile_url = excluded.profile_url,
                   followers_count = coalesce(excluded.followers_count, contacts.followers_count)
               RETURNING id""",
            (
                contact.network,
                contact.remote_id,
                contact.handle,
                contact.display_name,
                contact.avatar_url,
                contact.profile_url,
                contact.followers_count,
            ),
        ).fetchone()
        if len(self._contacts) >= _CONTACT_CACHE:
            self._contacts.clear()
        self._contacts[key] = (contact, int(row[0]))
        return int(row[0])


def _existing(
    conn: sqlite3.Connection, sql: str, account_id: int, values: Sequence[str]
) -> set[str]:
    """Which of values the query (one IN list, filled in chunks) finds."""
    found: set[str] = set()
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        found.update(r[0] for r in conn.execute(sql.format(marks), [account_id, *chunk]))
    return found


def _file_replies(conn: sqlite3.Connection, account_id: int, batch: list[Message]) -> list[Message]:
    """Give each reply-to:<id> message the key of the conversation of the message it answers.

    A reply to something not stored (our answer in a thread the inbox never saw) is
    dropped: it belongs to no conversation here. Replies to replies in the same batch
    follow the chain, so items must come oldest first.
    """
    parents = [m.conversation_key[len(REPLY_KEY) :] for m in batch]
    keys: dict[str, str] = {}
    for start in range(0, len(parents), _CHUNK):
        chunk = parents[start : start + _CHUNK]
        for row in conn.execute(
            "SELECT m.remote_id, c.key FROM messages m JOIN conversations c"
            " ON c.id = m.conversation_id WHERE m.account_id = ?"
            f" AND m.remote_id IN ({','.join('?' * len(chunk))})",
            [account_id, *chunk],
        ):
            keys[row[0]] = row[1]
    filed: list[Message] = []
    for message in batch:
        key = message.conversation_key
        if key.startswith(REPLY_KEY):
            found = keys.get(key[len(REPLY_KEY) :])
            if found is None:
                continue
            message = replace(message, conversation_key=found)
        keys[message.remote_id] = message.conversation_key
        filed.append(message)
    return filed


def _new_conversation(
    conv_id: int, message: Message, when: str, contact_id: int | None
) -> _Conversation:
    """A conversation starts new; the rules decide its priority, team and the rest."""
    return _Conversation(
        id=conv_id,
        new=True,
        key=message.conversation_key,
        kind=message.kind.value,
        contact_id=contact_id,
        first_message_at=when,
        last_message_at=when,
    )


def _add_message(conv: _Conversation, message: Message, when: str, message_id: int) -> None:
    """Fold one message into its conversation's row, as the column shows it."""
    conv.message_count += 1
    conv.added += 1
    if message.direction is Direction.IN:
        if when >= conv.last_message_at:
            conv.answered = False
        conv.unread = True
        if when >= (conv.last_inbound_at or ""):
            conv.snippet = message.text[:SNIPPET_CHARS]
            conv.last_inbound_at = when
            conv.last_inbound_id = message_id
            conv.inbound = message
        if conv.waiting_since is None:
            conv.waiting_since = when
    else:
        if when >= (conv.last_inbound_at or ""):
            conv.answered = True
        if conv.first_response_at is None:
            conv.first_response_at = when
        # Our answer came after the SLA's due time: count the breach once per due time.
        if conv.sla_due_at < when and conv.sla_breached_at != conv.sla_due_at:
            conv.sla_breaches += 1
            conv.sla_breached_at = conv.sla_due_at
        if when >= (conv.waiting_since or ""):
            conv.waiting_since = None
    conv.last_message_at = max(conv.last_message_at, when)
    conv.first_message_at = min(conv.first_message_at, when)


_WAITING = (Status.NEW.value, Status.OPEN.value)  # statuses our answer makes pending


def _final_contact(c: _Conversation) -> int | None:
    """contact_id once the page is written (the UPDATE keeps a stored one)."""
    return c.stored_contact_id if c.stored_contact_id is not None else c.contact_id


def _insert_row(account_id: int, c: _Conversation) -> tuple[Any, ...]:
    return (
        c.id,
        account_id,
        c.key,
        c.kind,
        c.contact_id,
        c.snippet,
        int(c.unread),
        c.message_count,
        c.first_message_at,
        c.last_message_at,
        c.last_inbound_at,
        c.first_response_at,
        c.last_inbound_id,
        c.waiting_since,
    )


def _update_row(c: _Conversation) -> tuple[Any, ...]:
    return (
        c.snippet,
        int(c.unread),
        c.message_count,
        c.first_message_at,
        c.last_message_at,
        c.last_inbound_at,
        c.first_response_at,
        c.last_inbound_id,
        c.waiting_since,
        c.sla_breaches,
        c.sla_breached_at,
        c.contact_id,
    )


def _json_list(values: Sequence[Any]) -> str:
    return json.dumps(list(values)) if values else "[]"


def _message_row(
    message_id: int,
    account_id: int,
    conversation_id: int,
    contact_id: int,
    message: Message,
    when: str,
) -> tuple[Any, ...]:
    media = [
        {"kind": m.kind, "url": m.url, "preview_url": m.preview_url, "description": m.description}
        for m in message.media
    ]
    return (
        message_id,
        account_id,
        conversation_id,
        message.remote_id,
        message.kind.value,
        message.direction.value,
        contact_id,
        message.author.handle,
        message.author.display_name,
        message.text,
        message.html,
        message.url,
        message.in_reply_to,
        message.visibility,
        message.spoiler_text,
        message.language,
        _json_list(media),
        _json_list(message.mentions),
        when,
        message.raw,
    )  # sentiment_score: the rules' (Ingest._decide), if one needed it


def _promote(conn: sqlite3.Connection, account_id: int, repeats: list[Message]) -> set[int]:
    """Stored monitoring messages that arrive again as something addressed to us (a
    mention, a reply) take that kind, and so does their conversation. Returns the
    conversations changed. Costs nothing when no repeat is such a message."""
    asked = [
        (m.kind.value, account_id, m.remote_id) for m in repeats if m.kind is not Kind.MONITORING
    ]
    changed: set[int] = set()
    if (
        not asked
        or not conn.execute(
            f"SELECT 1 FROM conversations WHERE kind = '{_MONITORING}' LIMIT 1"
        ).fetchone()
    ):
        return changed  # no monitoring in this profile: one index probe per page
    for kind, account, remote_id in asked:
        row = conn.execute(
            f"UPDATE messages SET kind = ? WHERE account_id = ? AND remote_id = ?"
            f" AND kind = '{_MONITORING}' RETURNING conversation_id",
            (kind, account, remote_id),
        ).fetchone()
        if row is not None:
            conn.execute(
                f"UPDATE conversations SET kind = ? WHERE id = ? AND kind = '{_MONITORING}'",
                (kind, row[0]),
            )
            changed.add(int(row[0]))
    return changed
