"""Ingest: normalized messages into contacts, conversations and messages, deduplicated."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from inbox.core.clock import to_iso
from inbox.core.events import Changed
from inbox.core.models import Contact, Direction, Message, Status
from inbox.core.rules import Decide
from inbox.core.textfacts import sentiment

if TYPE_CHECKING:
    from inbox.store.store import Store

SNIPPET_CHARS = 240


class Ingest:
    """Upserts messages; the same (account, remote id) twice changes nothing."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def messages(
        self, account_id: int, messages: Iterable[Message], decide: Decide | None = None
    ) -> Changed:
        """Store messages for account_id in one transaction, then run the rules on them.

        Args:
            decide: the rules to run; None uses the profile's stored rules.

        Returns:
            Changed with the ids of conversations that got a new message.
        """
        touched: set[int] = set()
        reopen: set[int] = set()
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
                    conversation_id, existed = self._conversation(account_id, message, contact_id)
                    conversations[message.conversation_key] = conversation_id
                else:
                    existed = True
                if existed and message.direction is Direction.IN:
                    reopen.add(conversation_id)  # the customer wrote again
                self._insert_message(account_id, conversation_id, contact_id, message)
                touched.add(conversation_id)
            rules = self._store.rules
            rules.refresh(reopen, decide, reopen=True)
            rules.refresh(touched - reopen, decide)
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

    def _conversation(self, account_id: int, message: Message, contact_id: int) -> tuple[int, bool]:
        """The conversation's id, and whether it existed before this message."""
        conn = self._store.conn
        row = conn.execute(
            "SELECT id FROM conversations WHERE account_id = ? AND key = ?",
            (account_id, message.conversation_key),
        ).fetchone()
        if row:
            return int(row[0]), True
        when = to_iso(message.created_at)
        row = conn.execute(
            """INSERT INTO conversations (account_id, key, kind, contact_id, status,
                   first_message_at, last_message_at)
               VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            (
                account_id,
                message.conversation_key,
                message.kind.value,
                contact_id if message.direction is Direction.IN else None,
                Status.NEW.value,
                when,
                when,
            ),
        ).fetchone()
        return int(row[0]), False

    def _insert_message(
        self, account_id: int, conversation_id: int, contact_id: int, message: Message
    ) -> None:
        conn = self._store.conn
        when = to_iso(message.created_at)
        inbound = message.direction is Direction.IN
        message_id = conn.execute(
            """INSERT INTO messages (account_id, conversation_id, remote_id, kind, direction,
                   author_id, author_handle, author_name, text, html, url, in_reply_to,
                   visibility, spoiler_text, language, media_json, mentions_json, created_at,
                   raw_json, sentiment)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
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
                sentiment(message.text) if inbound else 0.0,
            ),
        ).lastrowid
        late = "NOT ? AND sla_due_at < ? AND sla_breached_at IS NOT sla_due_at"
        conn.execute(
            f"""UPDATE conversations SET
                   message_count = message_count + 1,
                   unread = CASE WHEN ? THEN 1 ELSE unread END,
                   snippet = CASE WHEN ? AND ? >= coalesce(last_inbound_at, '') THEN ?
                                  ELSE snippet END,
                   last_inbound_at = CASE WHEN ? THEN max(coalesce(last_inbound_at, ''), ?)
                                          ELSE last_inbound_at END,
                   last_message_at = max(last_message_at, ?),
                   first_message_at = min(first_message_at, ?),
                   first_response_at = CASE WHEN NOT ? AND first_response_at IS NULL THEN ?
                                            ELSE first_response_at END,
                   last_inbound_id = CASE WHEN ? AND ? >= coalesce(last_inbound_at, '')
                                          THEN ? ELSE last_inbound_id END,
                   waiting_since = CASE WHEN ? THEN coalesce(waiting_since, ?)
                                        WHEN ? >= coalesce(waiting_since, '') THEN NULL
                                        ELSE waiting_since END,
                   sla_breaches = sla_breaches + ({late}),
                   sla_breached_at = CASE WHEN {late} THEN sla_due_at ELSE sla_breached_at END
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
                inbound,
                when,
                message_id,
                inbound,
                when,
                when,
                inbound,
                when,
                inbound,
                when,
                conversation_id,
            ),
        )
