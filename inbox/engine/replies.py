"""Queueing a reply to a conversation: one outbox row, keyed so a double click sends once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inbox.core import templates
from inbox.core.errors import ConfigError
from inbox.core.events import Changed
from inbox.store.outbox import OutboxItem

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine


def queue_reply(
    engine: Engine,
    conversation_id: int,
    text: str,
    key: str,
    *,
    visibility: str = "",
    spoiler_text: str = "",
    actor: str = "local",
) -> OutboxItem:
    """Queue text as a reply; key is the draft's idempotency key (same key, same row).

    visibility "" keeps the visibility of the message replied to (a DM stays direct).

    Raises:
        ConfigError: the reply is empty, still holds template placeholders, or the
            conversation is gone.
    """
    text = text.strip()
    if not text:
        raise ConfigError("The reply is empty.")
    problem = templates.unfilled(text)
    if problem:
        raise ConfigError(problem)
    store = engine.store
    conversation = store.conversations.get(conversation_id)
    if conversation is None:
        raise ConfigError(f"No conversation {conversation_id}.")
    payload: dict[str, Any] = {"text": text, "spoiler_text": spoiler_text.strip()}
    if visibility:  # else the reply keeps the visibility of the message it answers
        payload["visibility"] = visibility
    item = store.outbox.enqueue(
        "reply", key, payload, account_id=conversation.account_id, conversation_id=conversation_id
    )
    store.audit(actor, "reply.queue", conversation_id, outbox_id=item.id)
    engine.publish(Changed(conversations=frozenset({conversation_id}), outbox=True))
    return item
