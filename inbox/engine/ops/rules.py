"""The triage rules as operations: save (add or edit), remove, reorder; each undoable.

Every change re-applies the rules in the background (engine.triage.request_reapply), so
what a rule did follows the list as it is now. The rules dialog and `rules add|remove`
run these same operations. A rule travels as core.rules.rule_to_data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inbox.core.errors import NotFound
from inbox.core.events import Changed
from inbox.core.rules import Rule, rule_from_data, rule_to_data
from inbox.engine.ops import Op, Outcome, operation

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine

RULES = Changed(rules=True)


def _reapply(engine: Engine) -> None:
    from inbox.engine.triage import request_reapply

    request_reapply(engine)


def _find(engine: Engine, rule_id: int) -> Rule:
    for rule in engine.store.rules.all():
        if rule.id == rule_id:
            return rule
    raise NotFound(f"Rule {rule_id} no longer exists.")


@operation("rules.save", label="save rule")
def save(engine: Engine, rule: dict[str, Any]) -> Outcome:
    """Add (id 0) or edit a rule; returns it as stored."""
    wanted = rule_from_data(rule)
    before = _find(engine, wanted.id) if wanted.id else None
    saved = engine.store.rules.save(wanted)
    _reapply(engine)
    undo = (
        Op("rules.remove", {"rule_id": saved.id})
        if before is None
        else Op("rules.save", {"rule": rule_to_data(before)})
    )
    return Outcome(RULES, saved, undo=undo)


@operation("rules.remove", label="remove rule")
def remove(engine: Engine, rule_id: int) -> Outcome:
    """Remove a rule; re-applying takes back what it did (a person's choices stay)."""
    rule = _find(engine, rule_id)
    order = [r.id for r in engine.store.rules.all()]
    engine.store.rules.remove(rule_id)
    _reapply(engine)
    undo = Op("rules.restore", {"rule": rule_to_data(rule), "order": order})
    return Outcome(RULES, RULES, undo=undo)


@operation("rules.restore", label="restore rule")
def restore(engine: Engine, rule: dict[str, Any], order: list[int]) -> Outcome:
    """A removed rule back in its place (it gets a new id; order names the old one)."""
    data = dict(rule, id=0)
    saved = engine.store.rules.save(rule_from_data(data))
    ids = [saved.id if i == rule["id"] else i for i in order]
    known = {r.id for r in engine.store.rules.all()}
    engine.store.rules.reorder([i for i in ids if i in known])
    _reapply(engine)
    return Outcome(RULES, saved, undo=Op("rules.remove", {"rule_id": saved.id}))


@operation("rules.reorder", label="reorder rules")
def reorder(engine: Engine, rule_ids: list[int]) -> Outcome:
    """Positions follow the order given; earlier rules take precedence."""
    before = [r.id for r in engine.store.rules.all()]
    engine.store.rules.reorder(rule_ids)
    _reapply(engine)
    return Outcome(RULES, RULES, undo=Op("rules.reorder", {"rule_ids": before}))
