"""Triage on the engine thread: the conversations.* operations by their Python names, rules
(re-apply in the background), teams and members, SLA sweeps.

Working a conversation runs the named operation (engine/ops/triage.py) through ops.run,
so the window (bridge.op), the CLI and the demo make the same audited, undoable change;
the acting member is the profile's current member (store.teams.current()).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from inbox.core.clock import to_iso
from inbox.core.events import Changed, Progress
from inbox.core.models import Member, Role, Status, Team
from inbox.core.notify import NotifyPrefs
from inbox.core.rules import Decide, Rule, rule_to_data
from inbox.core.sla import SlaPolicy
from inbox.engine import ops
from inbox.store.rules import ALL_TEAMS

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine

REAPPLY_TASK = "rules"


def me(engine: Engine) -> Member | None:
    return engine.store.teams.current()


def _op(engine: Engine, name: str, **args: Any) -> Changed:
    """Run the conversations.* operation (engine/ops/triage.py) the window runs too."""
    changed: Changed = ops.run(engine, name, initiator="user", **args)
    return replace(changed, initiator="user")  # as published


# -- working conversations (the operations in engine/ops/triage.py) ----------------------


def set_status(engine: Engine, ids: Iterable[int], status: Status) -> Changed:
    return _op(engine, "conversations.set_status", ids=list(ids), status=Status(status).value)


def resolve(engine: Engine, ids: Iterable[int]) -> Changed:
    return set_status(engine, ids, Status.RESOLVED)


def assign(engine: Engine, ids: Iterable[int], member_id: int | None) -> Changed:
    return _op(engine, "conversations.assign", ids=list(ids), member_id=member_id)


def set_team(engine: Engine, ids: Iterable[int], team_id: int | None) -> Changed:
    return _op(engine, "conversations.route", ids=list(ids), team_id=team_id)


def snooze(engine: Engine, ids: Iterable[int], until: datetime) -> Changed:
    return _op(engine, "conversations.snooze", ids=list(ids), until=to_iso(until))


def unsnooze(engine: Engine, ids: Iterable[int]) -> Changed:
    return _op(engine, "conversations.unsnooze", ids=list(ids))


def tag(
    engine: Engine, ids: Iterable[int], add: Iterable[str] = (), remove: Iterable[str] = ()
) -> Changed:
    return _op(engine, "conversations.tag", ids=list(ids), add=list(add), remove=list(remove))


def mark_spam(engine: Engine, ids: Iterable[int], spam: bool = True) -> Changed:
    return _op(engine, "conversations.spam", ids=list(ids), spam=spam)


def set_vip(engine: Engine, ids: Iterable[int], vip: bool = True) -> Changed:
    """Mark the authors of these conversations VIP (or not)."""
    return _op(engine, "conversations.set_vip", ids=list(ids), vip=vip)


def set_priority(engine: Engine, ids: Iterable[int], priority: int | None) -> Changed:
    return _op(engine, "conversations.set_priority", ids=list(ids), priority=priority)


def add_note(engine: Engine, conversation_id: int, text: str) -> Changed:
    return _op(engine, "conversations.add_note", conversation_id=conversation_id, text=text)


def undo(engine: Engine) -> str:
    """Undo the newest undoable operation (ops.undo, the window's Ctrl+Z); its label,
    "" when there was nothing to undo."""
    return ops.undo(engine)


# -- rules -------------------------------------------------------------------------------


def save_rule(engine: Engine, rule: Rule) -> Rule:
    """Store a rule (the rules.save operation), then re-apply the rules in the background."""
    saved: Rule = ops.run(engine, "rules.save", rule=rule_to_data(rule))
    return saved


def remove_rule(engine: Engine, rule_id: int) -> Changed:
    return _op(engine, "rules.remove", rule_id=rule_id)


def reorder_rules(engine: Engine, rule_ids: list[int]) -> Changed:
    return _op(engine, "rules.reorder", rule_ids=list(rule_ids))


# One background re-apply per engine; an edit while it runs asks for one more pass.
_running: weakref.WeakKeyDictionary[Engine, asyncio.Task[None]] = weakref.WeakKeyDictionary()
_again: weakref.WeakSet[Engine] = weakref.WeakSet()
_scope: weakref.WeakKeyDictionary[Engine, int | str | None] = weakref.WeakKeyDictionary()


def request_reapply(engine: Engine, team: int | str | None = ALL_TEAMS) -> None:
    """Re-apply the rules soon (on the engine thread); edits in quick succession coalesce.

    team: only that team's conversations (None: those without a team); two different
    scopes asked for before the pass starts make one pass over everything.
    """
    waiting = _scope.get(engine, team)
    _scope[engine] = team if waiting == team else ALL_TEAMS
    task = _running.get(engine)
    if task is not None and not task.done():
        _again.add(engine)
        return

    async def passes() -> None:
        while True:
            _again.discard(engine)
            await reapply(engine, team=_scope.pop(engine, ALL_TEAMS))
            if engine not in _again:
                return

    _running[engine] = engine.spawn(passes(), name="reapply-rules")


async def reapply_settled(engine: Engine) -> None:
    """Wait for a background re-apply, if one runs (tests, the CLI)."""
    task = _running.get(engine)
    if task is not None:
        await asyncio.shield(task)


async def reapply(
    engine: Engine,
    decide: Decide | None = None,
    *,
    batch: int = 5000,
    team: int | str | None = ALL_TEAMS,
) -> Changed:
    """Re-run the rules over every conversation (or one team's: None = no team), a batch
    per transaction, with Progress.

    Between batches the loop runs other commands, so the window stays responsive.
    """
    total = Changed()
    engine.publish(Progress(REAPPLY_TASK, 0, 0, "Re-applying rules"))
    for done, count, ids in engine.store.rules.reapply(decide, batch=batch, team=team):
        changed = Changed(conversations=frozenset(ids))
        total |= changed
        if changed:
            engine.publish(changed)
        engine.publish(
            Progress(REAPPLY_TASK, done, count, f"Re-applied rules to {done} of {count}")
        )
        await asyncio.sleep(0)
    engine.publish(Progress(REAPPLY_TASK, 1, 1, "Rules re-applied"))  # done == total: finished
    return total


# -- teams, members, SLA (the operations in engine/ops/teams.py) --------------------------


def add_team(engine: Engine, name: str, sla: SlaPolicy | None = None) -> Team:
    team: Team = ops.run(
        engine, "teams.add", name=name, sla=sla.to_json() if sla is not None else None
    )
    return team


def add_member(
    engine: Engine, name: str, role: Role = Role.CONTRIBUTOR, teams: tuple[int, ...] = ()
) -> Member:
    member: Member = ops.run(
        engine, "members.add", name=name, role=Role(role).value, teams=list(teams)
    )
    return member


def set_current_member(engine: Engine, member_id: int | None) -> Changed:
    ops.run(engine, "members.set_current", initiator="user", member_id=member_id)
    return Changed(teams=True, settings=True, initiator="user")


def set_notify_prefs(engine: Engine, member_id: int, prefs: NotifyPrefs) -> Changed:
    """A member's notification settings (members.settings_json["notify"])."""
    return _op(engine, "members.set_notify_prefs", member_id=member_id, prefs=prefs.to_json())


async def set_policy(engine: Engine, team_id: int | None, policy: SlaPolicy) -> Changed:
    """Change a team's SLA targets and wait until its open conversations are re-timed
    (the operation asks for the re-time in the background)."""
    changed = _op(engine, "teams.set_sla_policy", team_id=team_id, policy=policy.to_json())
    await reapply_settled(engine)
    return changed


def sla_tick(engine: Engine) -> Changed:
    """Record due times just missed (lifting those conversations), return ended snoozes,
    and re-score conversations that just crossed a rule's "waiting longer than N minutes"."""
    changed: Changed = ops.run(engine, "sla.sweep", initiator="engine")
    return replace(changed, initiator="engine") if changed else changed


async def sla_loop(engine: Engine, every_s: float = 30.0) -> None:
    """Background: sla_tick forever (spawned by the app; tests call sla_tick directly)."""
    # The first tick waits too: a window that opens and closes at once gets no late events.
    while True:
        await asyncio.sleep(every_s)
        sla_tick(engine)
