"""Replies: queue one (one outbox row per draft key, so a double click sends once), and
file what the network made of it in the conversation once it is sent.

The loop a reply closes: queue_reply → the outbox's "reply" handler sends it →
record_sent stores it as an outbound message of the conversation (ingest clears
the customer's wait, records the first response, stops the SLA clock and moves
the conversation to "pending", waiting on the customer) → the Changed it
publishes lets connectors append it to the conversation's ticket. A reply made
in another client comes back through sync's OWN stream and takes the same path.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from inbox.core import guidelines, templates
from inbox.core.errors import ConfigError
from inbox.core.events import Changed
from inbox.core.models import Contact, Direction, Kind, Message
from inbox.engine import team
from inbox.networks.base import Sent
from inbox.store.outbox import OutboxItem

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine
    from inbox.store import Store
    from inbox.store.guidelines import HeldReply


def actor_name(engine: Engine) -> str:
    """Who acts: the profile's current member, or "You" on a one-person install."""
    member = engine.store.teams.current()
    return member.name if member is not None else "You"


def queue_reply(
    engine: Engine,
    conversation_id: int,
    text: str,
    key: str,
    *,
    visibility: str = "",
    spoiler_text: str = "",
    actor: str = "",
    seen: dict[str, int | str] | None = None,
    force: bool = False,
    initiator: str = "user",
) -> OutboxItem | HeldReply:
    """The replies.queue operation (engine/ops/publishing.py): the reply box, `reply` and
    the demo queue a reply the same way."""
    from inbox.engine import ops  # ops imports the engine's modules; this one is among them

    item: OutboxItem | HeldReply = ops.run(
        engine, "replies.queue", initiator=initiator, conversation_id=conversation_id,
        text=text, key=key, visibility=visibility, spoiler_text=spoiler_text, actor=actor,
        seen=seen, force=force,
    )  # fmt: skip
    return item


def check_and_queue(
    engine: Engine,
    conversation_id: int,
    text: str,
    key: str,
    *,
    visibility: str = "",
    spoiler_text: str = "",
    actor: str = "",
    seen: dict[str, int | str] | None = None,
    force: bool = False,
) -> OutboxItem | HeldReply:
    """Queue text as a reply; key is the draft's idempotency key (same key, same row).

    visibility "" keeps the visibility of the message replied to (a DM stays direct).
    actor "" is the current member. A reply that breaks one of the team's guidelines
    of severity "approval" is held for an approver instead (the HeldReply is returned;
    engine.moderation.approve_held queues it later with the same key). seen turns on
    the collision guard (engine.team.guard): the mark the window took when it opened
    the conversation, or {} for "since the customer's last message" (the CLI); force
    sends anyway (audited).

    Raises:
        ConfigError: the reply is empty, still holds template placeholders, or the
            conversation is gone.
        AnsweredMeanwhile: someone else answered since seen (unless force).
    """
    text = text.strip()
    if not text:
        raise ConfigError("The reply is empty.")
    problem = templates.unfilled(text)
    if problem:
        raise ConfigError(problem)
    store = engine.store
    if store.conversations.get(conversation_id) is None:
        raise ConfigError(f"No conversation {conversation_id}.")
    actor = actor or actor_name(engine)
    answers = team.guard(engine, conversation_id, seen, force=force)
    breaches = guidelines.check(text, store.guidelines.for_conversation(conversation_id))
    if guidelines.holds(breaches):
        me = store.teams.current()
        options = {"visibility": visibility, "spoiler_text": spoiler_text.strip()}
        with store.transaction():
            held = store.held_replies.hold(
                conversation_id, key, text, options, author=actor,
                member_id=me.id if me is not None else None,
                reasons=guidelines.summary(breaches),
            )  # fmt: skip
            store.audit(
                actor, "reply.held", conversation_id, held_id=held.id,
                guidelines=[b.guideline.name for b in breaches if b.holds],
            )  # fmt: skip
        engine.publish(Changed(conversations=frozenset({conversation_id}), posts=True))
        return held
    item = enqueue_reply(
        engine, conversation_id, text, key, visibility=visibility,
        spoiler_text=spoiler_text, actor=actor,
    )  # fmt: skip
    if answers:  # sent although someone else had answered: say so in the history
        who = sorted({a.who for a in answers})
        store.audit(actor, "reply.despite_answer", conversation_id, outbox_id=item.id, by=who)
    return item


def enqueue_reply(
    engine: Engine,
    conversation_id: int,
    text: str,
    key: str,
    *,
    visibility: str = "",
    spoiler_text: str = "",
    actor: str,
) -> OutboxItem:
    """The outbox row of a reply that may go out (checked, or approved), with its audit."""
    store = engine.store
    conversation = store.conversations.get(conversation_id)
    if conversation is None:
        raise ConfigError(f"No conversation {conversation_id}.")
    payload: dict[str, Any] = {"text": text, "spoiler_text": spoiler_text.strip(), "actor": actor}
    if visibility:  # else the reply keeps the visibility of the message it answers
        payload["visibility"] = visibility
    item = store.outbox.enqueue(
        "reply",
        key,
        payload,
        account_id=conversation.account_id,
        conversation_id=conversation_id,
        queued_by=str(getattr(engine, "holder", "")),
    )
    store.audit(actor, "reply.queue", conversation_id, outbox_id=item.id)
    engine.publish(Changed(conversations=frozenset({conversation_id}), outbox=True))
    return item


def record_sent(engine: Engine, item: OutboxItem, sent: Sent, target: Message | None) -> Changed:
    """File a sent reply as an outbound message of its conversation; publish the change.

    Idempotent: the message is keyed by its remote id, so a retry (or the next sync
    finding the same status) stores nothing twice. The Changed carries no outbox
    flag, so the follow-up listener appends the reply to the conversation's ticket.
    """
    store = engine.store
    conversation_id = item.conversation_id
    if conversation_id is None or item.account_id is None or sent.scheduled:
        return Changed()
    key = (
        target.conversation_key if target is not None else store.conversations.key(conversation_id)
    )
    if key is None:
        return Changed()  # the conversation was removed meanwhile
    payload = item.payload
    message = sent.message
    if message is None:  # the adapter did not say: what we asked for, at our clock's now
        account = store.account(item.account_id)
        message = Message(
            remote_id=sent.remote_id,
            conversation_key=key,
            kind=target.kind if target is not None else Kind.REPLY,
            author=Contact(
                account.network, account.remote_id, account.handle, account.display_name
            ),
            text=str(payload.get("text", "")),
            created_at=engine.clock.now(),
            url=sent.url,
            direction=Direction.OUT,
            in_reply_to=target.remote_id if target is not None else None,
            visibility=str(payload.get("visibility") or "public"),
            spoiler_text=str(payload.get("spoiler_text", "")),
        )
    else:
        message = replace(
            message, conversation_key=key, direction=Direction.OUT, url=message.url or sent.url
        )
    with store.transaction():
        changed = store.ingest.messages(item.account_id, [message], engine.decide)
        if changed:
            actor = str(payload.get("actor") or "You")
            store.audit(actor, "reply.sent", conversation_id, outbox_id=item.id, url=sent.url)
    if changed:
        engine.publish(changed)
    return changed


def retry_reply(engine: Engine, outbox_id: int) -> Changed:
    """The user pressed retry on a failed reply: queue it again, due now, same key."""
    store = engine.store
    item = store.outbox.get(outbox_id)
    if item is None or item.kind != "reply":
        raise ConfigError(f"No reply {outbox_id} to retry.")
    from inbox.engine import ops  # ops imports the engine's modules; this one is among them

    ops.run(engine, "outbox.retry", item_id=outbox_id)  # audited, wakes the delivery loop
    conversations = frozenset({item.conversation_id}) if item.conversation_id else frozenset()
    changed = Changed(conversations=conversations, outbox=True)
    engine.publish(changed)
    return changed


def crowd_note(store: Store, conversation_id: int, visibility: str = "") -> str:
    """What to tell the user when a reply cannot mention everyone: a DM with more
    participants than a reply mentions (spoof.MAX_REPLY_MENTIONS). "" otherwise."""
    from inbox.core.spoof import MAX_REPLY_MENTIONS

    target = store.conversations.reply_target(conversation_id)
    if target is None or (visibility or target.visibility) != "direct":
        return ""
    people = {target.author.handle.lower(), *(h.lower() for h in target.mentions)}
    if len(people) <= MAX_REPLY_MENTIONS:
        return ""
    return (
        f"This direct message has {len(people):,} participants; the reply mentions only "
        f"{MAX_REPLY_MENTIONS} of them (the author first), so the others will not see it."
    )
