"""Teams (with their SLA policy), members (with roles), and who is at the keyboard."""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from inbox.core.errors import ConfigError, NotFound
from inbox.core.models import Member, Role, Team
from inbox.core.sla import SlaPolicy

if TYPE_CHECKING:
    from inbox.store.store import Store

CURRENT_MEMBER = "current_member"
DEFAULT_SLA = "sla.default"


def _team(row: sqlite3.Row) -> Team:
    try:
        policy = SlaPolicy.parse(row["settings_json"])
    except ConfigError:
        policy = SlaPolicy()  # a broken policy times with the default rather than stop ingest
    return Team(id=row["id"], name=row["name"], sla=policy)


class TeamRepo:
    """Teams, members and team membership."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # -- teams ------------------------------------------------------------------------

    def all(self) -> dict[int, str]:
        """Team names by id, in creation order."""
        return {
            int(r[0]): r[1] for r in self._store.query("SELECT id, name FROM teams ORDER BY id")
        }

    def list_teams(self) -> list[Team]:
        """Every team with its SLA policy, by name."""
        return [_team(r) for r in self._store.query("SELECT * FROM teams ORDER BY name, id")]

    def get(self, team_id: int) -> Team:
        rows = self._store.query("SELECT * FROM teams WHERE id = ?", (team_id,))
        if not rows:
            raise NotFound(f"Team {team_id} no longer exists.")
        return _team(rows[0])

    def add(self, name: str) -> int:
        """The id of the team called name, created (with the default SLA) if missing."""
        with self._store.transaction() as conn:
            row = conn.execute(
                "INSERT INTO teams (name) VALUES (?)"
                " ON CONFLICT (name) DO UPDATE SET name = teams.name RETURNING id",
                (name,),
            ).fetchone()
        return int(row[0])

    def create(self, name: str, sla: SlaPolicy | None = None) -> Team:
        """A new team; a name already taken raises ConfigError."""
        if not name.strip():
            raise ConfigError("A team needs a name")
        settings = json.dumps({"sla": (sla or SlaPolicy()).to_json()})
        try:
            with self._store.transaction() as conn:
                row = conn.execute(
                    "INSERT INTO teams (name, settings_json) VALUES (?, ?) RETURNING *",
                    (name.strip(), settings),
                ).fetchone()
        except Exception as exc:
            if "UNIQUE" in str(exc):
                raise ConfigError(f"There is already a team called {name!r}") from exc
            raise
        return _team(row)

    def rename(self, team_id: int, name: str) -> None:
        with self._store.transaction() as conn:
            conn.execute("UPDATE teams SET name = ? WHERE id = ?", (name.strip(), team_id))

    def remove(self, team_id: int) -> None:
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM teams WHERE id = ?", (team_id,))

    def set_policy(self, team_id: int | None, policy: SlaPolicy) -> None:
        """A team's SLA targets (team None: the default for conversations without a team)."""
        policy.validate()
        if team_id is None:
            self._store.set_setting(DEFAULT_SLA, policy.to_json())
            return
        with self._store.transaction() as conn:
            row = conn.execute("SELECT settings_json FROM teams WHERE id = ?", (team_id,))
            found = row.fetchone()
            if found is None:
                raise NotFound(f"Team {team_id} no longer exists.")
            settings: dict[str, Any] = json.loads(found[0] or "{}")
            settings["sla"] = policy.to_json()
            conn.execute(
                "UPDATE teams SET settings_json = ? WHERE id = ?", (json.dumps(settings), team_id)
            )

    def policies(self) -> dict[int | None, SlaPolicy]:
        """Every team's policy, and under None the default."""
        try:
            default = SlaPolicy.from_json(self._store.setting(DEFAULT_SLA))
        except ConfigError:
            default = SlaPolicy()
        out: dict[int | None, SlaPolicy] = {None: default}
        out.update({t.id: t.sla for t in self.list_teams()})
        return out

    # -- members ----------------------------------------------------------------------

    def members(self, team_id: int | None = None) -> list[Member]:
        sql = "SELECT * FROM members"
        params: tuple[Any, ...] = ()
        if team_id is not None:
            sql += " WHERE id IN (SELECT member_id FROM team_members WHERE team_id = ?)"
            params = (team_id,)
        links: dict[int, list[int]] = {}
        for r in self._store.query("SELECT team_id, member_id FROM team_members ORDER BY team_id"):
            links.setdefault(r["member_id"], []).append(r["team_id"])
        return [
            Member(
                id=r["id"],
                name=r["name"],
                role=Role(r["role"]),
                email=r["email"],
                team_ids=tuple(links.get(r["id"], ())),
            )
            for r in self._store.query(sql + " ORDER BY name, id", params)
        ]

    def member(self, member_id: int) -> Member:
        for m in self.members():
            if m.id == member_id:
                return m
        raise NotFound(f"Member {member_id} no longer exists.")

    def add_member(
        self, name: str, role: Role = Role.CONTRIBUTOR, email: str = "", teams: tuple[int, ...] = ()
    ) -> Member:
        if not name.strip():
            raise ConfigError("A member needs a name")
        with self._store.transaction() as conn:
            row = conn.execute(
                "INSERT INTO members (name, role, email) VALUES (?, ?, ?) RETURNING id",
                (name.strip(), Role(role).value, email),
            ).fetchone()
            conn.executemany(
                "INSERT OR IGNORE INTO team_members (team_id, member_id) VALUES (?, ?)",
                [(t, row[0]) for t in teams],
            )
        return self.member(int(row[0]))

    def set_role(self, member_id: int, role: Role) -> None:
        with self._store.transaction() as conn:
            conn.execute("UPDATE members SET role = ? WHERE id = ?", (Role(role).value, member_id))

    def join(self, team_id: int, member_id: int) -> None:
        with self._store.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO team_members (team_id, member_id) VALUES (?, ?)",
                (team_id, member_id),
            )

    def leave(self, team_id: int, member_id: int) -> None:
        with self._store.transaction() as conn:
            conn.execute(
                "DELETE FROM team_members WHERE team_id = ? AND member_id = ?",
                (team_id, member_id),
            )

    def remove_member(self, member_id: int) -> None:
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM members WHERE id = ?", (member_id,))

    def member_settings(self, member_id: int) -> dict[str, Any]:
        rows = self._store.query("SELECT settings_json FROM members WHERE id = ?", (member_id,))
        return dict(json.loads(rows[0][0] or "{}")) if rows else {}

    def set_member_settings(self, member_id: int, settings: dict[str, Any]) -> None:
        with self._store.transaction() as conn:
            conn.execute(
                "UPDATE members SET settings_json = ? WHERE id = ?",
                (json.dumps(settings), member_id),
            )

    # -- who is at the keyboard --------------------------------------------------------

    def current(self) -> Member | None:
        member_id = self._store.setting(CURRENT_MEMBER)
        if member_id is None:
            return None
        try:
            return self.member(int(member_id))
        except KeyError:
            return None

    def set_current(self, member_id: int | None) -> None:
        self._store.set_setting(CURRENT_MEMBER, member_id)
