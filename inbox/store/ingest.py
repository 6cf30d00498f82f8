"""Ingest: normalized messages into contacts, conversations and messages, deduplicated."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from inbox.core.clock import to_iso
from inbox.core.events import Changed
from inbox.core.models import Contact, Direction, Message, Status
from inbox.core.rules import Decide, Decision, default_decide

if TYPE_CHECKING:
    from inbox.store.store import Store

SNIPPET_CHARS = 240


class Ingest:
    """Upserts messages; the same (account, remote id) twice changes nothing."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def messages(
        self, account_id: int, messages: Iterable[Message], decide: Decide = default_decide
    ) -> Changed:
        """Store messages for account_id in one transaction.

        Returns:
            Changed with the ids of conversations that got a new message.
        """
        touched: set[int] = set()
        contacts: dict[tuple[str, str], int] = {}
        conversations: dict[str, int] = {}
        with self._store.transaction() as conn:
            for message in messages:
                seen = conn.execute(
                    "SELECT 1 FROM messages WHERE account_id = ? AND remote_id = ?",
                    (account_id, message.remote_id),
                ).fetchone()
                if seen:
                    continue
                contact_id = contacts.get((message.author.network, message.author.remote_id))
                if contact_id is None:
                    contact_id = self._contact(message.author)
                    contacts[(message.author.network, message.author.remote_id)] = contact_id
                conversation_id = conversations.get(message.conversation_key)
                if conversation_id is None:
                    conversation_id = self._conversation(account_id, message, contact_id, decide)
                    conversations[message.conversation_key] = conversation_id
                elif message.direction is Direction.IN:
                    self._apply(conversation_id, decide(message))
                self._insert_message(account_id, conversation_id, contact_id, message)
                touched.add(conversation_id)
        return Changed(conversations=frozenset(touched))

    def _contact(self, contact: Contact) -> int:
        row = self._store.conn.execute(
            """INSERT INTO contacts (network, remote_id, handle, display_name, avatar_url,
                   profile_url, followers_count)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (network, remote_id) DO UPDATE SET
                   handle = excluded.handle, display_name = excluded.display_name,
                   avatar_url = excluded.avatar_url, profile_url = excluded.profile_url,
                   followers_count = coalesce(excluded.followers_count, followers_count)
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
        return int(row[0])

    def _conversation(
        self, account_id: int, message: Message, contact_id: int, decide: Decide
    ) -> int:
        conn = self._store.conn
        row = conn.execute(
            "SELECT id FROM conversations WHERE account_id = ? AND key = ?",
            (account_id, message.conversation_key),
        ).fetchone()
        if row:
            if message.direction is Direction.IN:
                self._apply(int(row[0]), decide(message))
            return int(row[0])
        decision = decide(message) if message.direction is Direction.IN else None
        when = to_iso(message.created_at)
        row = conn.execute(
            """INSERT INTO conversations (account_id, key, kind, contact_id, status, priority,
                   priority_explain, team_id, assignee_id, tags, hidden,
                   first_message_at, last_message_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            (
                account_id,
                message.conversation_key,
                message.kind.value,
                contact_id if message.direction is Direction.IN else None,
                (decision.status if decision and decision.status else Status.NEW).value,
                decision.priority if decision else 0,
                json.dumps(decision.explain if decision else ()),
                decision.team_id if decision else None,
                decision.assignee_id if decision else None,
                json.dumps(sorted(decision.tags) if decision else []),
                int(decision.hidden) if decision else 0,
                when,
                when,
            ),
        ).fetchone()
        return int(row[0])

    def _apply(self, conversation_id: int, decision: Decision) -> None:
        """A new inbound message on an existing conversation: raise priority, reopen."""
        conn = self._store.conn
        row = conn.execute(
            "SELECT priority, tags, status FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        tags = sorted(set(json.loads(row["tags"])) | set(decision.tags))
        status = row["status"]
        if status in (Status.PENDING.value, Status.RESOLVED.value):
            status = Status.OPEN.value  # the customer wrote again
        if decision.priority > row["priority"]:
            conn.execute(
                "UPDATE conversations SET priority = ?, priority_explain = ? WHERE id = ?",
                (decision.priority, json.dumps(decision.explain), conversation_id),
            )
        conn.execute(
            "UPDATE conversations SET tags = ?, status = ? WHERE id = ?",
            (json.dumps(tags), status, conversation_id),
        )

    def _insert_message(
        self, account_id: int, conversation_id: int, contact_id: int, message: Message
    ) -> None:
        conn = self._store.conn
        when = to_iso(message.created_at)
        conn.execute(
            """INSERT INTO messages (account_id, conversation_id, remote_id, kind, direction,
                   author_id, author_handle, author_name, text, html, url, in_reply_to,
                   visibility, spoiler_text, language, media_json, mentions_json, created_at,
                   raw_json)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
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
                json.dumps(
                    [
                        {
                            "kind": m.kind,
                            "url": m.url,
                            "preview_url": m.preview_url,
                            "description": m.description,
                        }
                        for m in message.media
                    ]
                ),
                json.dumps(list(message.mentions)),
                when,
                message.raw,
            ),
        )
        inbound = message.direction is Direction.IN
        conn.execute(
            """UPDATE conversations SET
                   message_count = message_count + 1,
                   unread = CASE WHEN ? THEN 1 ELSE unread END,
                   snippet = CASE WHEN ? AND ? >= coalesce(last_inbound_at, '') THEN ?
                                  ELSE snippet END,
                   last_inbound_at = CASE WHEN ? THEN max(coalesce(last_inbound_at, ''), ?)
                                          ELSE last_inbound_at END,
                   last_message_at = max(last_message_at, ?),
                   first_message_at = min(first_message_at, ?),
                   first_response_at = CASE WHEN NOT ? AND first_response_at IS NULL THEN ?
                                            ELSE first_response_at END
               WHERE id = ?""",
            (
                inbound,
                inbound,
                when,
                message.text[:SNIPPET_CHARS],
                inbound,
                when,
                when,
                when,
                inbound,
                when,
                conversation_id,
            ),
        )
