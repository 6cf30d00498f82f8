"""Reading state of a conversation (the deck marks one read when it is opened)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inbox.engine.ops import Outcome, operation
from inbox.store.reading import set_unread

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine


@operation("conversations.mark_read", label="mark read")
def mark_read(engine: Engine, conversation_id: int, unread: bool = False) -> Outcome:
    """Opening a conversation reads it: not a deliberate change, so no undo (Ctrl+Z after
    resolving, which opens the next conversation, must undo the resolve)."""
    changed = set_unread(engine.store, conversation_id, unread)
    return Outcome(changed, conversation_id=conversation_id)
