"""Operations: every change a user or the engine makes, as one named call with plain data.

An operation is registered once with @operation("columns.remove") and run with

    ops.run(engine, "columns.remove", column_id=3)            # on the engine thread
    bridge.op("columns.remove", column_id=3)                   # from the window
    session.call(args, lambda e: ops.run(e, "columns.remove", column_id=3))   # the CLI

run() checks the arguments are plain data (JSON: so a later journal can store and
replay an Op exactly), calls the function on the engine thread, writes one audit row
naming the acting member (the profile's current member) unless the function audits
itself, keeps the undo Op the function returned (undo() runs the newest), and
publishes the Changed it returned, stamped with the initiator ("user", "cli",
"engine"). The function enforces its invariants and raises from core.errors.

Modules in this package register their operations on import; this module imports
them all at the bottom.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from inbox.core.errors import NotFound, ServerUnreachable
from inbox.core.events import Changed

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine

UNDO_DEPTH = 50


@dataclass(frozen=True)
class Op:
    """One operation to run: its name and its plain-data (JSON) arguments."""

    name: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"op": self.name, "args": dict(self.args)}, sort_keys=True)

    @staticmethod
    def from_json(text: str) -> Op:
        data = json.loads(text)
        return Op(str(data["op"]), dict(data.get("args") or {}))


@dataclass(frozen=True)
class Outcome:
    """What an operation function returns: what changed, its result, how to undo it."""

    changed: Changed = field(default_factory=Changed)
    result: Any = None
    undo: Op | None = None
    conversation_id: int | None = None  # the audit row's subject, when there is one


Function = Callable[..., Outcome]


@dataclass(frozen=True)
class Registered:
    name: str
    fn: Function
    audited: bool  # the function writes its own audit rows (engine.triage does)
    label: str  # what undo says: "Undo remove column"


OPERATIONS: dict[str, Registered] = {}


def operation(
    name: str, *, label: str = "", audited: bool = False
) -> Callable[[Function], Function]:
    """Register fn(engine, **args) -> Outcome as the operation name."""

    def register(fn: Function) -> Function:
        OPERATIONS[name] = Registered(name, fn, audited, label or name)
        return fn

    return register


def actor(engine: Engine) -> str:
    """Who the audit log names: the profile's current member, else this install."""
    me = engine.store.teams.current()
    return f"member:{me.id}" if me is not None else "local"


def plain(args: Mapping[str, Any]) -> dict[str, Any]:
    """args as JSON data; a model object or set is refused (an Op must replay exactly).

    Raises:
        TypeError: an argument is not plain data.
    """
    try:
        data: dict[str, Any] = json.loads(json.dumps(dict(args)))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"Operation arguments must be plain data: {exc}") from None
    return data


def run(engine: Engine, name: str, /, *, initiator: str = "user", **args: Any) -> Any:
    """Run operation name with args on the engine thread; returns its result.

    Raises:
        NotFound: no operation of that name.
        InboxError: whatever the operation refuses, in the user's words.
    """
    return run_op(engine, Op(name, plain(args)), initiator=initiator)


def run_op(engine: Engine, op: Op, *, initiator: str = "user", undoing: bool = False) -> Any:
    """Run op. A team profile working offline journals it and applies it to the replica;
    a team server that stops answering during it switches the engine offline first
    (engine/offline.py)."""
    registered = OPERATIONS.get(op.name)
    if registered is None:
        raise NotFound(f"No operation named {op.name!r}.")

    def apply() -> Any:
        return _apply(engine, registered, op, initiator=initiator, undoing=undoing)

    if getattr(engine, "journal", None) is None or getattr(engine, "replaying", False):
        return apply()
    from inbox.engine import offline

    if not engine.team_offline:
        try:
            return apply()
        except ServerUnreachable as exc:
            if not offline.go_offline(engine, exc):
                raise
    return offline.run(engine, registered, op, apply, initiator=initiator, undoing=undoing)


def _apply(
    engine: Engine, registered: Registered, op: Op, *, initiator: str, undoing: bool
) -> Any:
    outcome = registered.fn(engine, **op.args)
    if not registered.audited:
        detail = dict(op.args)
        subject = outcome.conversation_id or detail.pop("conversation_id", None)
        detail.pop("conversation_id", None)
        engine.store.audit(actor(engine), op.name, subject, **detail)
    if outcome.undo is not None and not undoing:
        stack = undo_stack(engine)
        stack.append((registered.label, outcome.undo))
        del stack[:-UNDO_DEPTH]
    changed = replace(outcome.changed, initiator=initiator)
    if changed:
        engine.publish(changed)
    return outcome.result


def undo_stack(engine: Engine) -> list[tuple[str, Op]]:
    stack: list[tuple[str, Op]] | None = getattr(engine, "_undo", None)
    if stack is None:
        stack = []
        engine._undo = stack  # type: ignore[attr-defined]
    return stack


def undo_label(engine: Engine) -> str:
    """What undo() would undo ("" when nothing)."""
    stack = undo_stack(engine)
    return f"Undo {stack[-1][0]}" if stack else ""


def undo(engine: Engine, *, initiator: str = "user") -> str:
    """Undo the newest undoable operation; returns its label ("" when there was none)."""
    stack = undo_stack(engine)
    if not stack:
        return ""
    label, op = stack.pop()
    run_op(engine, op, initiator=initiator, undoing=True)
    return label


# Register every operation (each module calls @operation at import).
from inbox.engine.ops import (  # noqa: E402,F401
    accounts,
    columns,
    connectors,
    conversations,
    moderation,
    monitoring,
    outbox,
    publishing,
    rules,
    settings,
    sla,
    suggest,
    teams,
    templates,
    triage,
)
