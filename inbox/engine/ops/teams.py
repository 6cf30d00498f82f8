"""Teams, members, their notification settings and the teams' SLA targets, as operations.

The window's Team menu and the demo run these (engine.triage's add_team, add_member,
set_notify_prefs, set_policy are thin ops.run calls); each is audited with the acting
member (ops.actor) and, where cheap, undone: a team or member just added is removed
again, notification settings and SLA targets go back to what they were. A policy is
plain data: core.sla.SlaPolicy.to_json, core.notify.NotifyPrefs.to_json.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inbox.core.errors import ConfigError
from inbox.core.events import Changed
from inbox.core.models import Role
from inbox.core.notify import NotifyPrefs
from inbox.core.sla import SlaPolicy
from inbox.engine.ops import Op, Outcome, operation

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine

TEAMS = Changed(teams=True)


def _policy(data: dict[str, Any] | None) -> SlaPolicy | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ConfigError("An SLA policy must be an object of targets.")
    return SlaPolicy.from_json(data) if data else SlaPolicy()


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise ConfigError(f"A member's role is one of {roles}, not {value!r}.") from None


@operation("teams.add", label="add team")
def add_team(engine: Engine, name: str, sla: dict[str, Any] | None = None) -> Outcome:
    """A new team (a name already taken is refused); undo removes it again."""
    team = engine.store.teams.create(name, _policy(sla))
    return Outcome(TEAMS, team, undo=Op("teams.remove", {"team_id": team.id}))


@operation("teams.remove", label="remove team")
def remove_team(engine: Engine, team_id: int) -> Outcome:
    """Remove a team; its conversations and posts are kept, without a team."""
    engine.store.teams.get(team_id)  # NotFound, in words, for a team that is gone
    engine.store.teams.remove(team_id)
    return Outcome(TEAMS | Changed(posts=True))


@operation("teams.set_sla_policy", label="change SLA targets")
def set_sla_policy(engine: Engine, team_id: int | None, policy: dict[str, Any]) -> Outcome:
    """A team's SLA targets (team None: conversations without a team); its conversations
    are re-timed in the background (engine.triage.request_reapply, with Progress)."""
    from inbox.engine import triage

    new = _policy(policy) or SlaPolicy()
    policies = engine.store.teams.policies()
    if team_id is not None and team_id not in policies:
        engine.store.teams.get(team_id)  # NotFound, in words, for a team that is gone
    before = policies[team_id]
    engine.store.teams.set_policy(team_id, new)
    triage.request_reapply(engine, team=team_id)
    undo = Op("teams.set_sla_policy", {"team_id": team_id, "policy": before.to_json()})
    return Outcome(TEAMS, TEAMS, undo=undo)


@operation("members.add", label="add member")
def add_member(
    engine: Engine,
    name: str,
    role: str = Role.CONTRIBUTOR.value,
    teams: list[int] | None = None,
    email: str = "",
) -> Outcome:
    """A new member with a role, in some teams; undo removes them again."""
    member = engine.store.teams.add_member(name, _role(role), email, teams=tuple(teams or ()))
    return Outcome(TEAMS, member, undo=Op("members.remove", {"member_id": member.id}))


@operation("members.remove", label="remove member")
def remove_member(engine: Engine, member_id: int) -> Outcome:
    """Remove a member; what they did stays in the audit log under their id."""
    engine.store.teams.member(member_id)  # NotFound for a member that is gone
    me = engine.store.teams.current()
    if me is not None and me.id == member_id:
        raise ConfigError("You cannot remove yourself; choose who you are first.")
    engine.store.teams.remove_member(member_id)
    return Outcome(TEAMS)


@operation("members.set_notify_prefs", label="change notifications")
def set_notify_prefs(engine: Engine, member_id: int, prefs: dict[str, Any]) -> Outcome:
    """A member's notification settings (members.settings_json["notify"]); undo restores."""
    if not isinstance(prefs, dict):
        raise ConfigError("Notification settings must be an object.")
    chosen = NotifyPrefs.from_json(prefs)  # refuses a bad zone or time in words
    engine.store.teams.member(member_id)
    settings = engine.store.teams.member_settings(member_id)
    before = NotifyPrefs.from_json(settings.get("notify")).to_json()
    settings["notify"] = chosen.to_json()
    engine.store.teams.set_member_settings(member_id, settings)
    undo = Op("members.set_notify_prefs", {"member_id": member_id, "prefs": before})
    return Outcome(TEAMS, TEAMS, undo=undo)
