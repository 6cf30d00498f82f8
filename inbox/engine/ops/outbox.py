"""The outbox from the user's side: retry a failed row, send a waiting one now, cancel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inbox.core.errors import ConfigError
from inbox.core.events import Changed
from inbox.engine.ops import Outcome, operation

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine


@operation("outbox.retry", label="retry")
def retry(engine: Engine, item_id: int) -> Outcome:
    """Queue a failed row again; the delivery loop is woken by the Changed."""
    engine.store.outbox.retry(item_id)
    return Outcome(Changed(outbox=True))


@operation("outbox.send_now", label="send now")
def send_now(engine: Engine, item_id: int) -> Outcome:
    """A failed or waiting row goes at the next delivery round (`outbox retry`).

    Raises:
        ConfigError: the row is not waiting or failed (sent, being sent, cancelled, unknown).
    """
    if not engine.store.outbox.retry_now(item_id):
        raise ConfigError(f"Outbox row {item_id} is not waiting or failed; see `outbox list`.")
    return Outcome(Changed(outbox=True))


@operation("outbox.cancel", label="cancel sending")
def cancel(engine: Engine, item_id: int, reason: str = "Cancelled by the user") -> Outcome:
    """Never send a queued or failed row (`outbox cancel`; a row being sent is left alone).

    Raises:
        ConfigError: the row was sent, is being sent, or is unknown.
    """
    if not engine.store.outbox.cancel([item_id], reason):
        raise ConfigError(
            f"Outbox row {item_id} cannot be cancelled (already sent, being sent, "
            "or unknown); see `outbox list --all`."
        )
    return Outcome(Changed(outbox=True))
