"""Connectors' stored config (never secrets), external refs on conversations, transcripts."""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from inbox.core.clock import from_iso
from inbox.core.errors import ConfigError
from inbox.core.handoff import Entry, EntryKind, ExternalRef, RefKind, Transcript
from inbox.core.models import Contact

if TYPE_CHECKING:
    from inbox.store.store import Store

PROFILE_ID = "connectors.profile_id"


@dataclass(frozen=True)
class ConnectorRow:
    id: int
    name: str
    kind: str
    config: dict[str, Any]


def _row(row: sqlite3.Row) -> ConnectorRow:
    return ConnectorRow(row["id"], row["name"], row["kind"], json.loads(row["config_json"]))


def _ref(row: sqlite3.Row) -> ExternalRef:
    return ExternalRef(row["connector"], row["remote_id"], row["url"], RefKind(row["kind"]))


class ConnectorRepo:
    """Configured connectors and the refs that tie conversations to tickets and articles."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # -- configuration -----------------------------------------------------------

    def add(self, name: str, kind: str, config: dict[str, Any]) -> ConnectorRow:
        """Add a connector; config must hold no secrets (the keyring has those).

        Raises:
            ConfigError: the name is taken.
        """
        if not name.strip():
            raise ConfigError("A connector needs a name.")
        now = self._store.now()
        with self._store.transaction() as conn:
            if conn.execute("SELECT 1 FROM connectors WHERE name = ?", (name,)).fetchone():
                raise ConfigError(f"There is already a connector named {name!r}.")
            conn.execute(
                "INSERT INTO connectors (name, kind, config_json, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (name, kind, json.dumps(config), now, now),
            )
        return self.get(name)

    def update(self, name: str, config: dict[str, Any]) -> ConnectorRow:
        with self._store.transaction() as conn:
            conn.execute(
                "UPDATE connectors SET config_json = ?, updated_at = ? WHERE name = ?",
                (json.dumps(config), self._store.now(), name),
            )
        return self.get(name)

    def remove(self, name: str) -> None:
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM connectors WHERE name = ?", (name,))

    def get(self, name: str) -> ConnectorRow:
        rows = self._store.query("SELECT * FROM connectors WHERE name = ?", (name,))
        if not rows:
            raise ConfigError(f"No connector named {name!r}. See `social-inbox connectors list`.")
        return _row(rows[0])

    def all(self) -> list[ConnectorRow]:
        return [_row(r) for r in self._store.query("SELECT * FROM connectors ORDER BY name")]

    # -- refs --------------------------------------------------------------------

    def refs(self, conversation_id: int) -> list[ExternalRef]:
        """Every ticket and article of a conversation (templates: {ticket.id}, {ticket.url})."""
        rows = self._store.query(
            "SELECT * FROM external_refs WHERE conversation_id = ? ORDER BY id", (conversation_id,)
        )
        return [_ref(r) for r in rows]

    def ref(self, conversation_id: int, connector: str, kind: RefKind) -> ExternalRef | None:
        rows = self._store.query(
            "SELECT * FROM external_refs WHERE conversation_id = ? AND connector = ? AND kind = ?",
            (conversation_id, connector, kind.value),
        )
        return _ref(rows[0]) if rows else None

    def ticket_fields(self, conversation_id: int) -> dict[str, str]:
        """{"ticket.id": …, "ticket.url": …} of the conversation's first ticket, for templates."""
        tickets = [r for r in self.refs(conversation_id) if r.kind is RefKind.TICKET]
        if not tickets:
            return {}
        return {"ticket.id": tickets[0].remote_id, "ticket.url": tickets[0].url}

    def save_ref(self, conversation_id: int, ref: ExternalRef, synced_message_id: int = 0) -> None:
        """Remember where the conversation went; the first ref for a key wins."""
        with self._store.transaction() as conn:
            conn.execute(
                """INSERT INTO external_refs (conversation_id, connector, kind, remote_id, url,
                       synced_message_id, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (conversation_id, connector, kind) DO NOTHING""",
                (
                    conversation_id,
                    ref.connector,
                    ref.kind.value,
                    ref.remote_id,
                    ref.url,
                    synced_message_id,
                    self._store.now(),
                ),
            )

    def tickets_for(self, conversation_ids: frozenset[int]) -> list[tuple[int, ExternalRef, int]]:
        """(conversation id, ticket ref, synced message id) for those conversations with tickets."""
        if not conversation_ids:
            return []
        marks = ",".join("?" * len(conversation_ids))
        rows = self._store.query(
            f"SELECT * FROM external_refs WHERE kind = 'ticket' AND conversation_id IN ({marks})",
            list(conversation_ids),
        )
        return [(r["conversation_id"], _ref(r), r["synced_message_id"]) for r in rows]

    # -- outbox helpers ------------------------------------------------------------

    def has_outbox_key(self, key: str) -> bool:
        rows = self._store.query("SELECT 1 FROM outbox WHERE idempotency_key = ?", (key,))
        return bool(rows)

    def requeue(self, item_id: int, payload: dict[str, Any]) -> None:
        """A failed row goes back to the queue with a new payload (an edited article)."""
        with self._store.transaction() as conn:
            conn.execute(
                """UPDATE outbox SET payload_json = ?, status = 'queued', due_at = ?,
                       updated_at = ? WHERE id = ? AND status = 'failed'""",
                (json.dumps(payload), self._store.now(), self._store.now(), item_id),
            )

    # -- transcripts -------------------------------------------------------------

    def profile_id(self) -> str:
        """A random id made once per profile: markers stay unique across profiles."""
        value = self._store.setting(PROFILE_ID)
        if not value:
            value = uuid.uuid4().hex[:8]
            self._store.set_setting(PROFILE_ID, value)
        return str(value)

    def marker(self, conversation_id: int) -> str:
        return f"si-{self.profile_id()}-{conversation_id}"

    def transcript(self, conversation_id: int, after_message_id: int = 0) -> Transcript:
        """The conversation as a transcript (entries after after_message_id only, if given)."""
        rows = self._store.query(
            """SELECT c.*, a.network, a.handle AS account_handle,
                      coalesce(t.name, '') AS team_name,
                      coalesce(p.network, a.network) AS p_network,
                      coalesce(p.remote_id, '') AS p_remote_id, coalesce(p.handle, '') AS p_handle,
                      coalesce(p.display_name, '') AS p_name,
                      coalesce(p.profile_url, '') AS p_profile_url
               FROM conversations c JOIN accounts a ON a.id = c.account_id
               LEFT JOIN contacts p ON p.id = c.contact_id
               LEFT JOIN teams t ON t.id = c.team_id
               WHERE c.id = ?""",
            (conversation_id,),
        )
        if not rows:
            raise ConfigError(f"No conversation {conversation_id}.")
        c = rows[0]
        entries = self.entries(conversation_id, after_message_id)
        first_in = next((e.text for e in entries if e.kind is EntryKind.IN), c["snippet"])
        return Transcript(
            marker=self.marker(conversation_id),
            conversation_id=conversation_id,
            network=c["network"],
            account=c["account_handle"],
            contact=Contact(
                network=c["p_network"],
                remote_id=c["p_remote_id"],
                handle=c["p_handle"],
                display_name=c["p_name"],
                profile_url=c["p_profile_url"],
            ),
            subject=first_in,
            priority=c["priority"],
            entries=tuple(entries),
            team=c["team_name"],
            tags=tuple(json.loads(c["tags"])),
        )

    def entries(self, conversation_id: int, after_message_id: int = 0) -> list[Entry]:
        rows = self._store.query(
            """SELECT id, direction, author_handle, author_name, text, url, created_at
               FROM messages WHERE conversation_id = ? AND id > ? ORDER BY created_at, id""",
            (conversation_id, after_message_id),
        )
        return [entry_of(r) for r in rows]

    def last_message_id(self, conversation_id: int) -> int:
        rows = self._store.query(
            "SELECT coalesce(max(id), 0) FROM messages WHERE conversation_id = ?",
            (conversation_id,),
        )
        return int(rows[0][0])


def entry_of(row: sqlite3.Row) -> Entry:
    handle = "@" + str(row["author_handle"]).lstrip("@")
    author = f"{handle} ({row['author_name']})" if row["author_name"] else handle
    return Entry(
        kind=EntryKind.IN if row["direction"] == "in" else EntryKind.OUT,
        author=author,
        text=row["text"],
        at=from_iso(row["created_at"]),
        url=row["url"],
        key=f"m{row['id']}",
    )
