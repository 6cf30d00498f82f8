"""Suggested answers: using one is recorded, so "reused N times" and the report are true."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inbox.core.events import Changed
from inbox.engine.ops import Outcome, actor, operation
from inbox.store import suggest

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine


@operation("suggestions.use", label="use suggestion")
def use(
    engine: Engine, conversation_id: int, source: str, source_id: int, rank: int = 1
) -> Outcome:
    """A suggestion was put into the reply box of conversation_id; returns its use count.

    Raises:
        ConfigError: an unknown source or conversation.
    """
    count = suggest.record_use(
        engine.store, conversation_id, source, source_id, rank, actor(engine)
    )
    # No conversation data changed: the pane shows the new count from the result.
    return Outcome(Changed(), count, None, conversation_id)
