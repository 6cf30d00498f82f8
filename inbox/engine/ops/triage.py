"""Working conversations as operations: status, assign, route, snooze, tags, spam, VIP,
priority, notes; each undoable by putting the rows back as they were.

What an action changes is decided in core.triage (pure); store.triage writes it with an
audit row per conversation (so these operations are `audited`). The undo of every edit
is `conversations.restore` with the changed rows as they were: plain data, so it can be
journaled like any operation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inbox.core import triage as policy
from inbox.core.clock import from_iso, to_iso
from inbox.core.errors import NotFound
from inbox.core.events import Changed
from inbox.core.models import Member, Status
from inbox.engine.ops import Op, Outcome, operation
from inbox.store.triage import Edit

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine


def me(engine: Engine) -> Member | None:
    return engine.store.teams.current()


def _edit(
    engine: Engine,
    ids: list[int],
    action: str,
    edit: Edit,
    label: str,
    *,
    rescore: bool = False,
    **detail: Any,
) -> Outcome:
    done = engine.store.triage.edit(ids, me(engine), action, edit, rescore=rescore, **detail)
    undo = None
    if done.inverse:
        undo = Op("conversations.restore", {"rows": done.inverse, "label": label})
    return Outcome(done.changed, done.changed, undo=undo)


@operation("conversations.restore", label="undo", audited=True)
def restore(
    engine: Engine,
    rows: list[dict[str, Any]] | None = None,
    notes: list[int] | None = None,
    label: str = "",
) -> Outcome:
    """Put conversations' triage columns back as they were, delete notes (an undo)."""
    changed = engine.store.triage.restore(rows or [], notes or [], me(engine), label)
    return Outcome(changed, changed)


@operation("conversations.set_status", label="status change", audited=True)
def set_status(engine: Engine, ids: list[int], status: str) -> Outcome:
    new = Status(status)
    return _edit(
        engine,
        ids,
        "status",
        policy.status(new, engine.store.now()),
        f"Mark {new.value}",
        rescore=True,
        status=new.value,
    )


@operation("conversations.assign", label="assign", audited=True)
def assign(engine: Engine, ids: list[int], member_id: int | None) -> Outcome:
    if member_id is not None:
        engine.store.teams.member(member_id)  # NotFound for a member that is gone
    return _edit(engine, ids, "assign", policy.assign(member_id), "Assign", assignee_id=member_id)


@operation("conversations.route", label="route", audited=True)
def route(engine: Engine, ids: list[int], team_id: int | None) -> Outcome:
    return _edit(engine, ids, "team", policy.route(team_id), "Route", rescore=True, team_id=team_id)


@operation("conversations.snooze", label="snooze", audited=True)
def snooze(engine: Engine, ids: list[int], until: str) -> Outcome:
    """Snooze until an ISO-8601 time (with its zone); it must be in the future."""
    when = from_iso(until)  # ConfigError below for a time not in the future
    edit = policy.snooze(when, engine.clock.now(), to_iso(when))
    return _edit(engine, ids, "snooze", edit, "Snooze", until=to_iso(when))


@operation("conversations.unsnooze", label="unsnooze", audited=True)
def unsnooze(engine: Engine, ids: list[int]) -> Outcome:
    return _edit(engine, ids, "unsnooze", policy.unsnooze(), "Unsnooze")


@operation("conversations.tag", label="tag", audited=True)
def tag(
    engine: Engine, ids: list[int], add: list[str] | None = None, remove: list[str] | None = None
) -> Outcome:
    added, dropped = policy.clean_tags(add or ()), sorted({t.strip() for t in remove or ()})
    return _edit(engine, ids, "tag", policy.tag(added, dropped), "Tag", add=added, remove=dropped)


@operation("conversations.spam", label="spam", audited=True)
def spam(engine: Engine, ids: list[int], spam: bool = True) -> Outcome:
    action = "spam" if spam else "not_spam"
    return _edit(engine, ids, action, policy.spam(spam), "Spam")


@operation("conversations.set_priority", label="priority", audited=True)
def set_priority(engine: Engine, ids: list[int], priority: int | None) -> Outcome:
    return _edit(
        engine,
        ids,
        "priority",
        policy.priority(priority),
        "Priority",
        rescore=True,
        priority=priority,
    )


@operation("conversations.set_vip", label="VIP", audited=True)
def set_vip(engine: Engine, ids: list[int], vip: bool = True) -> Outcome:
    """Mark the authors VIP (or not); every conversation of theirs is re-scored."""
    changed = engine.store.triage.set_vip(ids, me(engine), vip)
    return Outcome(changed, changed)


@operation("conversations.add_note", label="note", audited=True)
def add_note(engine: Engine, conversation_id: int, text: str) -> Outcome:
    """An internal note: stays in the store, never reaches the network or the outbox."""
    if engine.store.conversations.get(conversation_id) is None:
        raise NotFound(f"Conversation {conversation_id} no longer exists.")
    note_id = engine.store.triage.add_note(conversation_id, policy.note_text(text), me(engine))
    changed = Changed(conversations=frozenset({conversation_id}))
    undo = Op("conversations.restore", {"notes": [note_id], "label": "Note"})
    return Outcome(changed, changed, undo=undo)
