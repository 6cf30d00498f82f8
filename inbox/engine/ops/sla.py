"""The engine's SLA sweep as an operation: time passing is a change to data too.

Every 30 s (engine.triage.sla_loop) the engine runs sla.sweep: due times that just
passed are recorded as breaches (once per due time; those conversations are lifted by
the rules), snoozes that ended are cleared, and conversations whose wait crossed a rule's
threshold are re-scored. Each breach is one audit row (actor "engine", action
sla.breached, the due time it missed), written in the same transaction as the breach,
and everything is published as one Changed(initiator="engine"), so open windows (and the
other laptops, through the change log) re-read exactly those conversations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inbox.core.events import Changed
from inbox.engine.ops import Outcome, operation

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine

ENGINE = "engine"  # the audit log's actor for what nobody did by hand


@operation("sla.sweep", label="record SLA breaches", audited=True)
def sweep(engine: Engine) -> Outcome:
    triage = engine.store.triage
    with engine.store.transaction():
        breached = triage.sweep_breaches()
        engine.store.audit_many(
            ENGINE, "sla.breached", ((cid, {"due_at": due}) for cid, due in breached.items())
        )
    changed = Changed(conversations=frozenset(breached))
    changed |= triage.wake_snoozed() | triage.rescore_waiting()
    return Outcome(changed, changed)
