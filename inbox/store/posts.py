"""Posts, the accounts each goes to, posting schedules, and the team settings they obey.

A post's delivery to one account is an outbox row (kind "post"); post_targets
links the two, so per-account status, remote URL and error come from the
outbox and are never kept twice.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from inbox.core.bulk import Entry
from inbox.core.clock import from_iso, to_iso
from inbox.core.errors import ConfigError
from inbox.core.posts import (
    Post,
    PostMedia,
    PostState,
    Role,
    Target,
    TeamPolicy,
    aggregate,
    idempotency_key,
)
from inbox.core.schedule import PostingSchedule

if TYPE_CHECKING:
    from inbox.store.outbox import OutboxItem
    from inbox.store.store import Store

POST_KIND = "post"


@dataclass(frozen=True)
class TargetStatus:
    """One account of a post and how delivery to it stands."""

    account_id: int
    handle: str
    network: str
    status: str  # pending (not queued yet), queued, sending, done, failed
    error: str = ""
    remote_id: str = ""
    remote_url: str = ""
    attempts: int = 0


def _post(row: sqlite3.Row, account_ids: tuple[int, ...]) -> Post:
    return Post(
        id=row["id"],
        text=row["text"],
        account_ids=account_ids,
        team_id=row["team_id"],
        author_id=row["author_id"],
        state=PostState(row["state"]),
        scheduled_at=from_iso(row["scheduled_at"]) if row["scheduled_at"] else None,
        zone=row["zone"],
        variants=json.loads(row["variants_json"]),
        media=tuple(PostMedia(m["path"], m.get("alt", "")) for m in json.loads(row["media_json"])),
        link=row["link"],
        review_comment=row["review_comment"],
        approved_by=row["approved_by"],
        use_network_scheduler=bool(row["use_network_scheduler"]),
        error=row["error"],
        note=row["note"],
    )


def _columns(post: Post) -> dict[str, Any]:
    return {
        "team_id": post.team_id,
        "author_id": post.author_id,
        "state": str(post.state),
        "text": post.text,
        "variants_json": json.dumps(dict(post.variants)),
        "link": post.link,
        "media_json": json.dumps([{"path": m.path, "alt": m.alt} for m in post.media]),
        "scheduled_at": to_iso(post.scheduled_at) if post.scheduled_at else None,
        "zone": post.zone,
        "use_network_scheduler": int(post.use_network_scheduler),
        "review_comment": post.review_comment,
        "approved_by": post.approved_by,
        "error": post.error,
        "note": post.note,
    }


class PostRepo:
    """Create, change, list and promote posts."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # -- reading ---------------------------------------------------------------

    def get(self, post_id: int) -> Post:
        rows = self._store.query("SELECT * FROM posts WHERE id = ?", (post_id,))
        if not rows:
            raise ConfigError(f"No post {post_id}.")
        return _post(rows[0], self._account_ids(post_id))

    def _account_ids(self, post_id: int) -> tuple[int, ...]:
        rows = self._store.query(
            "SELECT account_id FROM post_targets WHERE post_id = ? ORDER BY account_id", (post_id,)
        )
        return tuple(r[0] for r in rows)

    def find(
        self,
        states: Iterable[PostState] = (),
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[Post]:
        """Posts by time (unscheduled drafts last), optionally by state and time window."""
        where, params = ["1 = 1"], []
        wanted = [str(s) for s in states]
        if wanted:
            where.append(f"state IN ({','.join('?' * len(wanted))})")
            params += wanted
        if start is not None:
            where.append("scheduled_at >= ?")
            params.append(to_iso(start))
        if end is not None:
            where.append("scheduled_at < ?")
            params.append(to_iso(end))
        rows = self._store.query(
            f"SELECT * FROM posts WHERE {' AND '.join(where)}"
            " ORDER BY scheduled_at IS NULL, scheduled_at, id",
            params,
        )
        return [_post(r, self._account_ids(r["id"])) for r in rows]

    def targets(self, post_id: int) -> list[TargetStatus]:
        rows = self._store.query(
            """SELECT t.account_id, a.handle, a.network, o.status, o.last_error, o.remote_id,
                      o.remote_url, o.attempts
               FROM post_targets t JOIN accounts a ON a.id = t.account_id
               LEFT JOIN outbox o ON o.id = t.outbox_id
               WHERE t.post_id = ? ORDER BY t.account_id""",
            (post_id,),
        )
        return [
            TargetStatus(
                r[0], r[1], r[2], r[3] or "pending", r[4] or "", r[5] or "", r[6] or "", r[7] or 0
            )
            for r in rows
        ]

    def send_targets(self, account_ids: Sequence[int]) -> list[Target]:
        """What core needs to check a post for these accounts (network, handle, limit)."""
        if not account_ids:
            return []
        rows = self._store.query(
            f"SELECT id, network, handle, settings_json FROM accounts"
            f" WHERE id IN ({','.join('?' * len(account_ids))}) ORDER BY id",
            tuple(account_ids),
        )
        result = []
        for r in rows:
            settings = json.loads(r["settings_json"] or "{}")
            limit = settings.get("max_chars")
            result.append(Target(r["id"], r["network"], r["handle"], int(limit) if limit else None))
        return result

    def entries(self, start: datetime | None = None, end: datetime | None = None) -> list[Entry]:
        """One calendar entry per post and account, for the calendar and the exports."""
        result = []
        for post in self.find(start=start, end=end):
            if post.scheduled_at is None:
                continue
            for t in self.targets(post.id):
                result.append(
                    Entry(
                        post_id=post.id,
                        account_id=t.account_id,
                        account=t.handle,
                        network=t.network,
                        state=str(post.state),
                        at=post.scheduled_at,
                        text=post.variants.get(t.network) or post.text,
                        zone=post.zone,
                        link=post.link,
                        url=t.remote_url,
                    )
                )
        return result

    def taken_slots(self, account_id: int) -> list[datetime]:
        rows = self._store.query(
            """SELECT p.scheduled_at FROM posts p JOIN post_targets t ON t.post_id = p.id
               WHERE t.account_id = ? AND p.scheduled_at IS NOT NULL
                 AND p.state NOT IN ('skipped', 'failed')""",
            (account_id,),
        )
        return [from_iso(r[0]) for r in rows]

    # -- writing ---------------------------------------------------------------

    def by_key(self, key: str) -> Post | None:
        """The post first saved with this client key (posts.client_key), if any."""
        rows = self._store.query("SELECT id FROM posts WHERE client_key = ?", (key,))
        return self.get(int(rows[0][0])) if rows else None

    def save(self, post: Post, key: str = "") -> Post:
        """Insert (id 0) or update a post and its accounts; returns it as stored.

        key: the client key a new post is stored under (see by_key); "" for none.
        """
        cols = _columns(post)
        if key and not post.id:
            cols["client_key"] = key
        now = self._store.now()
        with self._store.transaction() as conn:
            if post.id:
                sets = ", ".join(f"{k} = ?" for k in cols)
                conn.execute(
                    f"UPDATE posts SET {sets}, updated_at = ? WHERE id = ?",
                    (*cols.values(), now, post.id),
                )
                post_id = post.id
            else:
                names = ", ".join(cols)
                marks = ", ".join("?" * len(cols))
                post_id = conn.execute(
                    f"INSERT INTO posts ({names}, created_at, updated_at)"
                    f" VALUES ({marks}, ?, ?) RETURNING id",
                    (*cols.values(), now, now),
                ).fetchone()[0]
            conn.execute(
                f"DELETE FROM post_targets WHERE post_id = ? AND account_id NOT IN"
                f" ({','.join('?' * len(post.account_ids))})",
                (post_id, *post.account_ids),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO post_targets (post_id, account_id) VALUES (?, ?)",
                [(post_id, a) for a in post.account_ids],
            )
        return self.get(post_id)

    def delete(self, post_id: int) -> None:
        with self._store.transaction() as conn:
            conn.execute(
                "DELETE FROM posts WHERE id = ? AND state NOT IN ('sending', 'published')",
                (post_id,),
            )

    def set_state(self, post_id: int, state: PostState, error: str = "", note: str = "") -> None:
        with self._store.transaction() as conn:
            conn.execute(
                "UPDATE posts SET state = ?, error = ?, note = ?, updated_at = ? WHERE id = ?",
                (str(state), error, note, self._store.now(), post_id),
            )

    def set_note(self, post_id: int, note: str) -> None:
        with self._store.transaction() as conn:
            conn.execute("UPDATE posts SET note = ? WHERE id = ?", (note, post_id))

    def save_all(self, posts: Sequence[Post], key: str = "") -> list[int]:
        """Store every post, all in one transaction: all or nothing; the n-th new post
        under the client key "<key>:<n>" when a key is given."""
        ids: list[int] = []
        with self._store.transaction():
            for post in posts:
                ids.append(self.save(post, f"{key}:{len(ids)}" if key else "").id)
        return ids

    # -- delivery --------------------------------------------------------------

    def due(self, now: datetime, hand_over_after: datetime | None = None) -> list[Post]:
        """Scheduled posts whose time has come; with hand_over_after, also posts for the
        network's own scheduler that are due later than that (far enough ahead)."""
        rows = self._store.query(
            """SELECT * FROM posts WHERE state = 'scheduled' AND scheduled_at IS NOT NULL
                 AND (scheduled_at <= ? OR (use_network_scheduler = 1 AND scheduled_at > ?))
               ORDER BY scheduled_at, id""",
            (to_iso(now), to_iso(hand_over_after) if hand_over_after else "9999"),
        )
        return [_post(r, self._account_ids(r["id"])) for r in rows]

    def promote(
        self, post: Post, deliveries: dict[int, tuple[dict[str, Any], datetime]]
    ) -> list[OutboxItem]:
        """Queue one outbox row per account and mark the post sending, in one transaction.

        The key is stable per post and account, so promoting twice (a crash between
        here and the state change) finds the same rows instead of adding new ones.
        """
        generation = self._store.query("SELECT generation FROM posts WHERE id = ?", (post.id,))
        gen = int(generation[0][0]) if generation else 0
        items = []
        with self._store.transaction() as conn:
            for account_id, (payload, due_at) in deliveries.items():
                item = self._store.outbox.enqueue(
                    POST_KIND,
                    idempotency_key(post.id, account_id, gen),
                    payload,
                    account_id=account_id,
                    target=f"post:{post.id}",
                    due_at=due_at,
                )
                conn.execute(
                    "UPDATE post_targets SET outbox_id = ? WHERE post_id = ? AND account_id = ?",
                    (item.id, post.id, account_id),
                )
                items.append(item)
            conn.execute(
                "UPDATE posts SET state = 'sending', error = '', updated_at = ? WHERE id = ?",
                (self._store.now(), post.id),
            )
        return items

    def handed_over(self, post_id: int) -> list[tuple[int, str]]:
        """(account id, the network's scheduled-status id) of the accounts whose own
        scheduler holds this post: delivered with a scheduled_at, so not published yet."""
        rows = self._store.query(
            """SELECT t.account_id, o.remote_id FROM post_targets t
               JOIN outbox o ON o.id = t.outbox_id
               WHERE t.post_id = ? AND o.status = 'done' AND o.remote_id != ''
                 AND json_extract(o.payload_json, '$.scheduled_at') IS NOT NULL
               ORDER BY t.account_id""",
            (post_id,),
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    def move_queued(self, post_id: int, when: datetime) -> None:
        """Move the post's rows still waiting for their time (accounts we send ourselves)."""
        with self._store.transaction() as conn:
            conn.execute(
                """UPDATE outbox SET due_at = ?, updated_at = ?
                   WHERE status = 'queued' AND json_extract(payload_json, '$.scheduled_at') IS NULL
                     AND id IN (SELECT outbox_id FROM post_targets WHERE post_id = ?)""",
                (to_iso(when), self._store.now(), post_id),
            )

    def withdraw(self, post_id: int) -> None:
        """Back to a draft: waiting rows cancelled, accounts unlinked from their rows, and a
        new generation, so scheduling it again queues new rows with new keys."""
        with self._store.transaction() as conn:
            conn.execute(
                """UPDATE outbox SET status = 'cancelled', last_error = 'Post cancelled',
                       updated_at = ?
                   WHERE status IN ('queued', 'failed')
                     AND id IN (SELECT outbox_id FROM post_targets WHERE post_id = ?)""",
                (self._store.now(), post_id),
            )
            conn.execute("UPDATE post_targets SET outbox_id = NULL WHERE post_id = ?", (post_id,))
            conn.execute("UPDATE posts SET generation = generation + 1 WHERE id = ?", (post_id,))

    def refresh_states(self) -> set[int]:
        """Derive each sending/failed post's state from its outbox rows; returns changed ids."""
        rows = self._store.query(
            """SELECT p.id, p.state, o.status, o.last_error FROM posts p
               JOIN post_targets t ON t.post_id = p.id LEFT JOIN outbox o ON o.id = t.outbox_id
               WHERE p.state IN ('sending', 'failed') ORDER BY p.id"""
        )
        by_post: dict[int, tuple[str, list[str], list[str]]] = {}
        for r in rows:
            state, statuses, errors = by_post.setdefault(r[0], (r[1], [], []))
            statuses.append(r[2] or "queued")
            if r[2] == "failed" and r[3]:
                errors.append(r[3])
        changed = set()
        with self._store.transaction() as conn:
            for post_id, (state, statuses, errors) in by_post.items():
                new = aggregate(statuses)
                if str(new) != state:
                    conn.execute(
                        "UPDATE posts SET state = ?, error = ?, updated_at = ? WHERE id = ?",
                        (str(new), "; ".join(errors), self._store.now(), post_id),
                    )
                    changed.add(post_id)
        return changed

    def retry(self, post_id: int) -> None:
        """Retry a failed post's failed accounts; delivered ones are not sent again.

        The user decided, so a send held back for an expired retry key goes out too.
        """
        with self._store.transaction() as conn:
            for (outbox_id,) in conn.execute(
                """SELECT o.id FROM post_targets t JOIN outbox o ON o.id = t.outbox_id
                   WHERE t.post_id = ? AND o.status = 'failed'""",
                (post_id,),
            ).fetchall():
                self._store.outbox.retry(outbox_id)
            conn.execute(
                "UPDATE posts SET state = 'sending', error = '', updated_at = ?"
                " WHERE id = ? AND state = 'failed'",
                (self._store.now(), post_id),
            )

    # -- schedules and team settings ---------------------------------------------

    def posting_schedule(self, account_id: int) -> PostingSchedule | None:
        rows = self._store.query(
            "SELECT zone, slots FROM posting_schedules WHERE account_id = ?", (account_id,)
        )
        return PostingSchedule.parse(rows[0][0], rows[0][1]) if rows else None

    def set_posting_schedule(self, account_id: int, schedule: PostingSchedule) -> None:
        with self._store.transaction() as conn:
            conn.execute(
                """INSERT INTO posting_schedules (account_id, zone, slots) VALUES (?, ?, ?)
                   ON CONFLICT (account_id) DO UPDATE SET zone = excluded.zone,
                       slots = excluded.slots""",
                (account_id, schedule.zone, schedule.format()),
            )

    def team_policy_data(self, team_id: int | None) -> dict[str, Any]:
        """A team's stored publishing settings (teams.settings_json "publishing"; team None:
        the publishing.default_policy setting); {} when none. core.posts.TeamPolicy reads it."""
        if team_id is None:
            return dict(self._store.setting("publishing.default_policy") or {})
        rows = self._store.query("SELECT settings_json FROM teams WHERE id = ?", (team_id,))
        if not rows:
            return {}
        return dict(json.loads(rows[0][0] or "{}").get("publishing", {}))

    def set_team_policy(self, team_id: int | None, policy: TeamPolicy) -> None:
        value = policy.to_data()
        if team_id is None:
            self._store.set_setting("publishing.default_policy", value)
            return
        with self._store.transaction() as conn:
            row = conn.execute(
                "SELECT settings_json FROM teams WHERE id = ?", (team_id,)
            ).fetchone()
            if row is None:
                raise ConfigError(f"No team {team_id}.")
            settings = json.loads(row[0] or "{}")
            settings["publishing"] = value
            conn.execute(
                "UPDATE teams SET settings_json = ? WHERE id = ?", (json.dumps(settings), team_id)
            )

    def set_max_chars(self, account_id: int, max_chars: int) -> None:
        """The account's server limit, read by send_targets (accounts.settings_json)."""
        # Read and written here, not with SQLite's json_set: PostgreSQL has no such function
        # (a team profile's `schedule run` failed on it).
        with self._store.transaction() as conn:
            row = conn.execute(
                "SELECT settings_json FROM accounts WHERE id = ?", (account_id,)
            ).fetchone()
            if row is None:
                return
            settings = json.loads(row[0] or "{}")
            settings["max_chars"] = max_chars
            conn.execute(
                "UPDATE accounts SET settings_json = ? WHERE id = ?",
                (json.dumps(settings), account_id),
            )

    def role(self, member_id: int | None) -> Role | None:
        """The member's stored role; None for no member (core.posts.acting_role decides
        what that means).

        Raises:
            ConfigError: no member of that id.
        """
        if member_id is None:
            return None
        rows = self._store.query("SELECT role FROM members WHERE id = ?", (member_id,))
        if not rows:
            raise ConfigError(f"No member {member_id}.")
        return Role(rows[0][0])

    def require_alt(self) -> bool:
        return bool(self._store.setting("publishing.require_alt_text"))
