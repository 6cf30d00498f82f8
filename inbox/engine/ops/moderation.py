"""Moderation actions and the team's guidelines as operations (window and CLI alike)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from inbox.core import moderation
from inbox.core.clock import to_iso
from inbox.core.errors import ConfigError, NotSupported
from inbox.core.events import Changed
from inbox.core.guidelines import Guideline, Severity
from inbox.engine import moderation as held_replies
from inbox.engine.moderation import KIND
from inbox.engine.ops import Op, Outcome, operation
from inbox.engine.replies import actor_name
from inbox.networks import registry

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine


@operation("moderation.act", label="moderation action", audited=True)
def act(
    engine: Engine,
    action: str,
    conversation_id: int,
    reason: str = "",
    guideline_id: int | None = None,
    category: str = "spam",
    key: str = "",
) -> Outcome:
    """Queue one moderation action on the author of a conversation's newest inbound
    message (or on that message: hide a reply, report). key: the caller's idempotency
    key (one confirm dialog, one row); "" makes a new one.

    Raises:
        NotSupported: the network (or this account's plan) does not offer the action.
        ConfigError: no such conversation, nobody to act on, an unknown category.
        NotFound: the guideline is gone.
    """
    moderation.check_action(action)
    if category not in moderation.CATEGORIES:
        raise ConfigError(f"Category must be one of {', '.join(moderation.CATEGORIES)}.")
    store = engine.store
    summary = store.conversations.get(conversation_id)
    if summary is None:
        raise ConfigError(f"No conversation {conversation_id}.")
    caps = registry.capabilities(summary.network)
    refusal = caps.moderation_refusal(action)
    if refusal:
        raise NotSupported(refusal)
    target = store.conversations.reply_target(conversation_id)
    if target is None or not target.author.remote_id:
        raise ConfigError("Nobody has written in this conversation yet: nothing to act on.")
    guideline = store.guidelines.get(guideline_id) if guideline_id else None
    actor = actor_name(engine)
    who = target.author.handle
    payload: dict[str, Any] = {
        "action": action,
        "user_id": target.author.remote_id,
        "handle": who,
        "post_id": target.remote_id,
        "post_key": target.conversation_key,
        "post_kind": target.kind.value,
        "post_at": to_iso(target.created_at),
        "post_raw": target.raw,
        "reason": reason.strip(),
        "category": category,
        "actor": actor,
        "guideline_id": guideline.id if guideline else None,
        "guideline": guideline.name if guideline else "",
    }
    row_key = f"{KIND}:{key or uuid.uuid4().hex}"
    known = [
        r for r in store.outbox.for_conversation(conversation_id) if r.idempotency_key == row_key
    ]
    if known:  # the same dialog confirmed twice: one row, one audit entry, one undo
        return Outcome(result=known[0].id, conversation_id=conversation_id)
    with store.transaction():
        item = store.outbox.enqueue(
            KIND,
            row_key,
            payload,
            account_id=summary.account_id,
            conversation_id=conversation_id,
            target=f"user:{target.author.remote_id}",
        )
        me = store.teams.current()
        store.audit(
            actor,
            f"moderation.{action}",
            conversation_id,
            outbox_id=item.id,
            handle=who,
            network=summary.network,
            reason=reason.strip(),
            guideline_id=guideline.id if guideline else None,
            guideline=guideline.name if guideline else "",
            member_id=me.id if me is not None else None,
        )
    back = moderation.UNDO.get(action)
    undo = None
    if back is not None and not caps.moderation_refusal(back):
        undo = Op(
            "moderation.act",
            {"action": back, "conversation_id": conversation_id, "reason": f"undo {action}"},
        )
    return Outcome(
        Changed(conversations=frozenset({conversation_id}), outbox=True),
        result=item.id,
        undo=undo,
        conversation_id=conversation_id,
    )


# -- guidelines ---------------------------------------------------------------------------

GUIDELINES = Changed(teams=True)  # guidelines are the teams' own


def guideline_args(g: Guideline) -> dict[str, Any]:
    data = asdict(g)
    data["words"] = list(g.words)
    data["triggers"] = list(g.triggers)
    data["severity"] = g.severity.value
    return data


def guideline_from(data: dict[str, Any]) -> Guideline:
    data = dict(data)
    data["words"] = tuple(data.get("words") or ())
    data["triggers"] = tuple(data.get("triggers") or ())
    try:
        data["severity"] = Severity(data.get("severity") or "warn")
    except ValueError:
        raise ConfigError(
            f"Severity must be warn or approval, not {data.get('severity')!r}."
        ) from None
    try:
        return Guideline(**data)
    except TypeError as exc:
        raise ConfigError(f"Not a guideline: {exc}") from None


@operation("guidelines.save", label="save guideline")
def save(engine: Engine, guideline: dict[str, Any]) -> Outcome:
    """Add (id 0) or change a guideline; undo restores the previous version (or removes it)."""
    g = guideline_from(guideline)
    before = engine.store.guidelines.get(g.id) if g.id else None
    saved = engine.store.guidelines.save(g)
    undo = (
        Op("guidelines.save", {"guideline": guideline_args(before)})
        if before is not None
        else Op("guidelines.delete", {"guideline_id": saved.id})
    )
    return Outcome(GUIDELINES, guideline_args(saved), undo=undo)


@operation("guidelines.delete", label="delete guideline")
def delete(engine: Engine, guideline_id: int) -> Outcome:
    gone = engine.store.guidelines.delete(guideline_id)
    again = guideline_args(gone) | {"id": 0}
    return Outcome(GUIDELINES, undo=Op("guidelines.save", {"guideline": again}))


# -- replies held by the guidelines (engine/moderation.py's workflow) --------------------


@operation("replies.approve_held", label="approve held reply", audited=True)
def approve_held(
    engine: Engine, held_id: int, member_id: int | None = None, edited_text: str | None = None
) -> Outcome:
    """An approver lets a held reply go (queued once, with its draft's key); the approval
    queue and `guidelines approve` alike. The workflow audits reply.approved by name."""
    item = held_replies.approve_held(engine, held_id, member_id, edited_text)
    return Outcome(result=item, conversation_id=item.conversation_id)


@operation("replies.reject_held", label="reject held reply", audited=True)
def reject_held(engine: Engine, held_id: int, member_id: int | None, comment: str) -> Outcome:
    """An approver sends a held reply back with a reason; it is never sent."""
    held = held_replies.reject_held(engine, held_id, member_id, comment)
    return Outcome(result=held, conversation_id=held.conversation_id)
