"""Connectors from the user's side: save, remove, push a ticket, publish an article.

The window (connector dialogs, "Push to desk", "Publish as article") and the CLI
(`connectors add|remove`, `push`, `article`) run these same operations. Secret fields
travel in connectors.save's `values` to the keyring only: the operation audits itself,
naming the connector and its kind, never a value (and must never be journaled as is).
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from inbox.core.events import Changed
from inbox.engine.ops import Outcome, actor, operation

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine


def _connectors() -> ModuleType:
    """inbox.engine.connectors on first use: it pulls httpx and the desks (start-up cost)."""
    from inbox.engine import connectors

    return connectors


@operation("connectors.save", label="save connector", audited=True)
def save(
    engine: Engine, name: str, kind: str, values: dict[str, Any], keep_secrets: bool = False
) -> Outcome:
    """Add or replace a connector (config to the store, secret fields to the keyring)."""
    _connectors().save_connector(engine.store, name, kind, values, keep_secrets=keep_secrets)
    engine.store.audit(actor(engine), "connectors.save", connector=name, kind=kind)
    return Outcome(Changed(settings=True))


@operation("connectors.remove", label="remove connector", audited=True)
def remove(
    engine: Engine, name: str, pending: str | None = None, move_to: str | None = None
) -> Outcome:
    """Remove a connector; its undelivered work is cancelled or moved (PendingWork asks).
    Audited by remove_connector (connector.remove, with what happened to the work)."""
    moved = _connectors().remove_connector(engine.store, name, pending=pending, move_to=move_to)
    # Moved work waits for the next delivery round, as before: no outbox wake-up here.
    return Outcome(Changed(settings=True), moved)


@operation("connectors.push", label="push to desk")
def push(engine: Engine, conversation_id: int, connector: str) -> Outcome:
    """Queue the conversation as a ticket on the desk (once per conversation and desk)."""
    item = _connectors().queue_push(engine.store, conversation_id, connector)
    return Outcome(Changed(outbox=True), item, conversation_id=conversation_id)


@operation("connectors.article", label="publish article")
def article(engine: Engine, article: dict[str, Any], connector: str) -> Outcome:
    """Queue an article (connectors.article_args of a core.article.Article)."""
    connectors = _connectors()
    item = connectors.queue_article(engine.store, connectors.article_from(article), connector)
    return Outcome(Changed(outbox=True), item, conversation_id=item.conversation_id)
