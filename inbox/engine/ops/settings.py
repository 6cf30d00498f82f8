"""Settings and who is at the keyboard: declared settings only (core.settings)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inbox.core.events import Changed
from inbox.core.posts import ApprovalPolicy, TeamPolicy
from inbox.core.schedule import MissedPolicy, PostingSchedule
from inbox.core.settings import declared
from inbox.engine.ops import Op, Outcome, operation

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine


@operation("settings.set", label="change setting")
def set_setting(engine: Engine, name: str, value: Any) -> Outcome:
    """Store a declared setting (the type is checked; an undeclared name raises)."""
    if declared(name).name == "current_member":
        return set_current_member(engine, value)
    before = engine.store.setting(name)
    engine.store.set_setting(name, value)
    return Outcome(Changed(settings=True), undo=Op("settings.set", {"name": name, "value": before}))


@operation("members.set_current", label="change who you are")
def set_current_member(engine: Engine, member_id: int | None) -> Outcome:
    """The one "current member": audit rows, {agent_name} and approvals name them."""
    if member_id is not None:
        engine.store.teams.member(member_id)  # NotFound for a member that is gone
    engine.store.teams.set_current(member_id)
    return Outcome(Changed(teams=True, settings=True))


@operation("posts.set_team_policy", label="change publishing policy")
def set_team_policy(
    engine: Engine, team_id: int | None, approval: str, missed: str, grace_minutes: int
) -> Outcome:
    policy = TeamPolicy(ApprovalPolicy(approval), MissedPolicy(missed), int(grace_minutes))
    engine.store.posts.set_team_policy(team_id, policy)
    return Outcome(Changed(posts=True))


@operation("posts.set_posting_schedule", label="change posting slots")
def set_posting_schedule(engine: Engine, account_id: int, zone: str, slots: str) -> Outcome:
    """Posting slots of an account; zone and slots as PostingSchedule.parse reads them."""
    engine.store.posts.set_posting_schedule(account_id, PostingSchedule.parse(zone, slots))
    return Outcome(Changed(posts=True))
