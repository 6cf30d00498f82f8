"""Guidelines per team, and replies held for approval because they break one."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from inbox.core.errors import NotFound
from inbox.core.guidelines import Guideline, Severity, validate

if TYPE_CHECKING:
    from inbox.store.store import Store


def _guideline(row: sqlite3.Row) -> Guideline:
    return Guideline(
        id=row["id"],
        team_id=row["team_id"],
        name=row["name"],
        kind=row["kind"],
        words=tuple(json.loads(row["words_json"])),
        triggers=tuple(json.loads(row["triggers_json"])),
        severity=Severity(row["severity"]),
        note=row["note"],
    )


class GuidelineRepo:
    """List, save and delete a team's guidelines."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def all(self, team_id: int | None = None, *, every_team: bool = False) -> list[Guideline]:
        """The rules that apply to team_id (its own and the shared ones), approval rules
        first; every_team: all rules of every team."""
        order = "ORDER BY severity = 'approval' DESC, name, id"
        if every_team:
            rows = self._store.query(f"SELECT * FROM guidelines {order}")
        elif team_id is None:
            rows = self._store.query(f"SELECT * FROM guidelines WHERE team_id IS NULL {order}")
        else:
            rows = self._store.query(
                f"SELECT * FROM guidelines WHERE team_id IS NULL OR team_id = ? {order}",
                (team_id,),
            )
        return [_guideline(r) for r in rows]

    def for_conversation(self, conversation_id: int) -> list[Guideline]:
        """The rules for a conversation's team (the shared ones when it has none)."""
        rows = self._store.query(
            "SELECT team_id FROM conversations WHERE id = ?", (conversation_id,)
        )
        return self.all(rows[0][0] if rows else None)

    def get(self, guideline_id: int) -> Guideline:
        rows = self._store.query("SELECT * FROM guidelines WHERE id = ?", (guideline_id,))
        if not rows:
            raise NotFound(f"Guideline {guideline_id} no longer exists.")
        return _guideline(rows[0])

    def save(self, guideline: Guideline) -> Guideline:
        """Insert (id 0) or update by id; returns the stored rule.

        Raises:
            ConfigError: the rule is not valid (core.guidelines.validate).
            NotFound: an id that no longer exists.
        """
        g = validate(guideline)
        now = self._store.now()
        fields = (
            g.team_id,
            g.name,
            g.kind,
            json.dumps(list(g.words), ensure_ascii=False),
            json.dumps(list(g.triggers), ensure_ascii=False),
            g.severity.value,
            g.note,
        )
        with self._store.transaction() as conn:
            if g.id:
                cur = conn.execute(
                    """UPDATE guidelines SET team_id = ?, name = ?, kind = ?, words_json = ?,
                           triggers_json = ?, severity = ?, note = ?, updated_at = ?
                       WHERE id = ?""",
                    (*fields, now, g.id),
                )
                if cur.rowcount == 0:
                    raise NotFound(f"Guideline {g.id} no longer exists.")
                return g
            row = conn.execute(
                """INSERT INTO guidelines (team_id, name, kind, words_json, triggers_json,
                       severity, note, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                (*fields, now, now),
            ).fetchone()
        return replace(g, id=int(row[0]))

    def delete(self, guideline_id: int) -> Guideline:
        """Remove a rule; returns it (for undo)."""
        g = self.get(guideline_id)
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM guidelines WHERE id = ?", (guideline_id,))
        return g


@dataclass(frozen=True)
class HeldReply:
    id: int
    conversation_id: int
    draft_key: str
    text: str
    options: dict[str, Any]
    author: str
    member_id: int | None
    reasons: str
    state: str
    review_comment: str
    outbox_id: int | None
    created_at: str


def _held(row: sqlite3.Row) -> HeldReply:
    return HeldReply(
        id=row["id"],
        conversation_id=row["conversation_id"],
        draft_key=row["draft_key"],
        text=row["text"],
        options=json.loads(row["options_json"]),
        author=row["author"],
        member_id=row["member_id"],
        reasons=row["reasons"],
        state=row["state"],
        review_comment=row["review_comment"],
        outbox_id=row["outbox_id"],
        created_at=row["created_at"],
    )


class HeldReplyRepo:
    """Replies waiting for an approver because they break an 'approval' guideline."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def hold(
        self,
        conversation_id: int,
        draft_key: str,
        text: str,
        options: dict[str, Any],
        *,
        author: str,
        member_id: int | None,
        reasons: str,
    ) -> HeldReply:
        """Hold once per draft key: holding the same draft again returns the same row
        (an edited text replaces the held one while it still waits)."""
        now = self._store.now()
        with self._store.transaction() as conn:
            conn.execute(
                """INSERT INTO held_replies (conversation_id, draft_key, text, options_json,
                       author, member_id, reasons, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (draft_key) DO UPDATE SET text = excluded.text,
                       options_json = excluded.options_json, reasons = excluded.reasons,
                       state = 'awaiting', review_comment = '', updated_at = excluded.updated_at
                   WHERE held_replies.state != 'approved'""",
                (conversation_id, draft_key, text, json.dumps(options), author, member_id,
                 reasons, now, now),
            )  # fmt: skip
            row = conn.execute(
                "SELECT * FROM held_replies WHERE draft_key = ?", (draft_key,)
            ).fetchone()
        return _held(row)

    def get(self, held_id: int) -> HeldReply:
        rows = self._store.query("SELECT * FROM held_replies WHERE id = ?", (held_id,))
        if not rows:
            raise NotFound(f"Held reply {held_id} no longer exists.")
        return _held(rows[0])

    def waiting(self) -> list[HeldReply]:
        rows = self._store.query(
            "SELECT * FROM held_replies WHERE state = 'awaiting' ORDER BY created_at, id"
        )
        return [_held(r) for r in rows]

    def for_conversation(self, conversation_id: int) -> list[HeldReply]:
        rows = self._store.query(
            "SELECT * FROM held_replies WHERE conversation_id = ? ORDER BY id", (conversation_id,)
        )
        return [_held(r) for r in rows]

    def decide(
        self, held_id: int, state: str, *, comment: str = "", outbox_id: int | None = None,
        text: str | None = None,
    ) -> None:  # fmt: skip
        with self._store.transaction() as conn:
            conn.execute(
                """UPDATE held_replies SET state = ?, review_comment = ?, outbox_id = ?,
                       text = coalesce(?, text), updated_at = ?
                   WHERE id = ?""",
                (state, comment, outbox_id, text, self._store.now(), held_id),
            )
