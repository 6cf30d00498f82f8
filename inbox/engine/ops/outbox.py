"""The outbox from the user's side: retry a failed row."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inbox.core.events import Changed
from inbox.engine.ops import Outcome, operation

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine


@operation("outbox.retry", label="retry")
def retry(engine: Engine, item_id: int) -> Outcome:
    """Queue a failed row again; the delivery loop is woken by the Changed."""
    engine.store.outbox.retry(item_id)
    return Outcome(Changed(outbox=True))
