"""Reading state of a conversation (the deck marks one read when it is opened)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inbox.engine.ops import Op, Outcome, operation
from inbox.store.reading import set_unread

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine


@operation("conversations.mark_read", label="mark read")
def mark_read(engine: Engine, conversation_id: int, unread: bool = False) -> Outcome:
    changed = set_unread(engine.store, conversation_id, unread)
    undo = Op("conversations.mark_read", {"conversation_id": conversation_id, "unread": not unread})
    return Outcome(changed, conversation_id=conversation_id, undo=undo if changed else None)
