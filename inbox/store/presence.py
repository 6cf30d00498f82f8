"""Presence and the collision guard: who else is on a conversation, who answered it.

Presence: one row per engine (``holder``, store/leases.py) saying which member views
or replies to which conversation, renewed by the engine's heartbeat. A row older than
``expiry`` is somebody whose laptop went away: never shown, pruned by the next beat.

Collision guard: what the window remembers when it opens a conversation is a
``Seen`` mark (the newest message id of the conversation, the newest outbox id);
``answered_since`` lists the answers made after it by anyone but this engine: an
outbound message (another laptop's reply once sent, or one from the network's own
app), or a reply another engine has queued and not sent yet. Ids, not clocks: the
laptops' clocks may differ, the database's ids only grow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from inbox.core.clock import to_iso

if TYPE_CHECKING:
    from inbox.store.store import Store

PRESENCE_EXPIRY = timedelta(seconds=60)


@dataclass(frozen=True)
class Seen:
    """What a member had seen of a conversation: answers after it are news to them."""

    message_id: int = 0
    outbox_id: int = 0
    customer_at: str = ""  # the customer's last message then: older outbound ones are history

    def to_json(self) -> dict[str, int | str]:
        return {"message": self.message_id, "outbox": self.outbox_id, "customer": self.customer_at}

    @classmethod
    def from_json(cls, data: dict[str, int | str]) -> Seen:
        return cls(
            int(data.get("message", 0)), int(data.get("outbox", 0)), str(data.get("customer", ""))
        )


@dataclass(frozen=True)
class Answer:
    """Someone else's answer: who (a member, or the account's handle), when, what."""

    who: str
    at: str
    text: str
    pending: bool  # queued on another laptop, not sent yet


@dataclass(frozen=True)
class Presence:
    holder: str
    member: str
    conversation_id: int | None
    activity: str  # viewing | replying
    seen_at: str


class PresenceRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    # -- presence ---------------------------------------------------------------------

    def beat(
        self, holder: str, member: str, conversation_id: int | None, activity: str = "viewing"
    ) -> None:
        """Say (again) what holder's member is doing; also the heartbeat that keeps it."""
        now = self._store.now()
        with self._store.transaction() as conn:
            conn.execute(
                """INSERT INTO presence (holder, member, conversation_id, activity, seen_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (holder) DO UPDATE SET member = excluded.member,
                       conversation_id = excluded.conversation_id,
                       activity = excluded.activity, seen_at = excluded.seen_at""",
                (holder, member, conversation_id, activity, now),
            )

    def touch(self, holder: str) -> None:
        """The heartbeat alone: still here, doing the same thing; prunes the departed."""
        now = self._store.clock.now()
        with self._store.transaction() as conn:
            conn.execute("UPDATE presence SET seen_at = ? WHERE holder = ?", (to_iso(now), holder))
            conn.execute(
                "DELETE FROM presence WHERE seen_at < ?", (to_iso(now - 2 * PRESENCE_EXPIRY),)
            )

    def leave(self, holder: str) -> None:
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM presence WHERE holder = ?", (holder,))

    def others(
        self, holder: str, conversation_ids: list[int] | None = None
    ) -> dict[int, list[Presence]]:
        """conversation id -> the live presence of other engines on it (newest first)."""
        fresh = to_iso(self._store.clock.now() - PRESENCE_EXPIRY)
        where = ""
        params: list[object] = [holder, fresh]
        if conversation_ids is not None:
            if not conversation_ids:
                return {}
            where = f" AND conversation_id IN ({','.join('?' * len(conversation_ids))})"
            params += conversation_ids
        rows = self._store.query(
            f"""SELECT holder, member, conversation_id, activity, seen_at FROM presence
                WHERE holder != ? AND seen_at >= ? AND conversation_id IS NOT NULL{where}
                ORDER BY seen_at DESC""",
            params,
        )
        found: dict[int, list[Presence]] = {}
        for r in rows:
            found.setdefault(int(r[2]), []).append(Presence(*r))
        return found

    # -- collision guard --------------------------------------------------------------

    def seen(self, conversation_id: int) -> Seen:
        """The mark of everything there is now (the window takes it when it opens one)."""
        row = self._store.query(
            """SELECT (SELECT coalesce(max(id), 0) FROM messages WHERE conversation_id = ?),
                      (SELECT coalesce(max(id), 0) FROM outbox)""",
            (conversation_id,),
        )[0]
        return Seen(int(row[0]), int(row[1]), self.seen_customer(conversation_id).customer_at)

    def seen_customer(self, conversation_id: int) -> Seen:
        """The mark of the customer's last message (the CLI has opened nothing): any
        answer after it, even one queued before, is someone else's."""
        row = self._store.query(
            """SELECT coalesce(max(created_at), '') FROM messages
               WHERE conversation_id = ? AND direction = 'in'""",
            (conversation_id,),
        )[0]
        return Seen(0, 0, str(row[0]))

    def answered_since(self, conversation_id: int, seen: Seen, holder: str) -> list[Answer]:
        """Answers to the conversation after seen that did not come from holder.

        An outbound message counts when it was stored after the mark and written after
        the customer's last message (a thread's older replies, fetched later, do not).
        """
        sent = self._store.query(
            """SELECT m.created_at, m.text, m.author_handle, o.payload_json, o.queued_by
               FROM messages m
               LEFT JOIN outbox o ON o.account_id = m.account_id AND o.remote_id = m.remote_id
                    AND o.kind = 'reply'
               WHERE m.conversation_id = ? AND m.direction = 'out' AND m.id > ?
                 AND m.created_at > ?
               ORDER BY m.id""",
            (conversation_id, seen.message_id, seen.customer_at),
        )
        answers = []
        for r in sent:
            if r[4] is not None and r[4] == holder:
                continue  # this engine's own reply, sent meanwhile
            who = _actor(r[3]) if r[3] is not None else f"@{r[2]} (another app)"
            answers.append(Answer(who, str(r[0]), str(r[1]), pending=False))
        queued = self._store.query(
            """SELECT created_at, payload_json FROM outbox
               WHERE conversation_id = ? AND kind = 'reply' AND id > ? AND queued_by != ?
                 AND status IN ('queued', 'sending')
               ORDER BY id""",
            (conversation_id, seen.outbox_id, holder),
        )
        for r in queued:
            payload = _payload(r[1])
            answers.append(Answer(_actor(r[1]), str(r[0]), str(payload.get("text", "")), True))
        return answers


def _payload(text: str | None) -> dict[str, object]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _actor(payload_json: str | None) -> str:
    actor = str(_payload(payload_json).get("actor") or "")
    if actor == "cli":
        return "someone at the command line"
    return actor if actor and actor != "You" else "someone on another laptop"
