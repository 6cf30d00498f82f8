"""Moderation through the outbox, and replies held by the team's guidelines.

An action (block, mute, report, hide a reply and their undos, core.moderation) is an
outbox row of kind "moderate" first (engine/ops/moderation.py queues it and writes the
audit row with who, why and which guideline); the handler below carries it out through
the account's adapter (networks/<net>: ModeratingAdapter.moderate) with the row's
remote key, so a retry after a crash leaves the network in the same state: blocks and
mutes are states (Bluesky's block record has an rkey made from the key, and getRecord
decides after an unknown outcome), hiding is a state.

A report is the exception: neither Mastodon nor atproto takes a key for it, and neither
lets the reporter list the reports they filed, so a retry cannot ask whether the first
try arrived. It is recorded instead: the row is marked "unsure" (outbox.unsure_since,
committed) before the request leaves, and cleared when the answer says what happened
(filed; or refused before anything was done: no connection, 429, 401, a 4xx). A try that
ends any other way (the answer lost, a timeout, a 5xx, a crash) leaves the mark, and a
row claimed with the mark is not sent by itself: it fails with words saying the report
may have been filed, and Retry (the user checked) clears the mark and files it again.
So no retry ever files a report twice behind the user's back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inbox.core import moderation
from inbox.core.clock import from_iso
from inbox.core.errors import (
    AuthExpired,
    ConfigError,
    InboxError,
    NetworkError,
    NotAllowed,
    RateLimited,
    RemoteRejected,
    Unreachable,
)
from inbox.core.events import Changed
from inbox.core.models import Contact, Direction, Kind, Message
from inbox.core.posts import acting_role, can_approve
from inbox.engine.outbox import handler
from inbox.networks import registry
from inbox.networks.base import ModeratingAdapter, Moderation, Sent
from inbox.store.outbox import OutboxItem

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine
    from inbox.store.guidelines import HeldReply

KIND = "moderate"


def post_of(payload: dict[str, Any], network: str) -> Message | None:
    """The message the action is about, as the payload kept it when it was queued."""
    remote_id = str(payload.get("post_id") or "")
    if not remote_id:
        return None
    return Message(
        remote_id=remote_id,
        conversation_key=str(payload.get("post_key") or ""),
        kind=Kind(str(payload.get("post_kind") or Kind.MENTION.value)),
        author=Contact(network, str(payload["user_id"]), str(payload.get("handle", ""))),
        text="",
        created_at=from_iso(str(payload.get("post_at") or "2000-01-01T00:00:00+00:00")),
        direction=Direction.IN,
        raw=str(payload.get("post_raw") or ""),
    )


@handler(KIND)
async def _moderate(engine: Engine, item: OutboxItem) -> Sent:
    """Payload: action, user_id, handle, post_* (the message), reason, category."""
    if item.account_id is None or item.account_id not in engine.adapters:
        raise NetworkError("The account is not connected yet.")
    adapter = engine.adapters[item.account_id]
    payload = item.payload
    action = str(payload["action"])
    caps = registry.find(adapter.network)
    refusal = caps.moderation_refusal(action) if caps is not None else "Unknown network."
    if refusal or not isinstance(adapter, ModeratingAdapter):
        raise InboxError(refusal or f"{adapter.network} cannot moderate from this app.")
    request = Moderation(
        action=action,
        user_id=str(payload["user_id"]),
        handle=str(payload.get("handle", "")),
        idempotency_key=item.remote_key,
        post=post_of(payload, adapter.network),
        reason=str(payload.get("reason", "")),
        category=str(payload.get("category", "spam")),
        attempt=item.attempts,
    )
    store = engine.store
    if action == moderation.REPORT:
        sent = await _report_once(engine, adapter, item, request)
    else:
        sent = await adapter.moderate(request)
    with store.transaction():
        # The person's cards on this account say "Blocked" / "Muted" from now on (or no
        # longer): recorded with the audit row, before the row is marked done (a retry
        # after a crash in between records the same state again).
        cards = store.moderation.record(
            item.account_id, adapter.network, str(payload["user_id"]), action
        )
        store.audit(
            "engine",  # the history reads "Block of @x went through", without a subject
            f"moderation.{action}.done",
            item.conversation_id,
            outbox_id=item.id,
            handle=payload.get("handle", ""),
            remote_id=sent.remote_id,
        )
    if cards:
        engine.publish(Changed(conversations=cards))
    return sent


MAYBE_FILED = (
    "The report may have been filed: {why}. Reports carry no key the server could "
    "recognise, so it is not sent again by itself. Check with the server's moderators "
    "(or that nothing arrived), then retry it to file it again."
)


async def _report_once(
    engine: Engine, adapter: ModeratingAdapter, item: OutboxItem, request: Moderation
) -> Sent:
    """File a report at most once without the user's say: see the module's docstring."""
    outbox = engine.store.outbox
    if outbox.unsure_since(item.id):
        raise InboxError(MAYBE_FILED.format(why="an earlier try ended without the server's answer"))
    outbox.mark_unsure(item.id)  # committed: a crash from here on leaves the mark
    try:
        sent = await adapter.moderate(request)
    except (Unreachable, RateLimited, AuthExpired):
        outbox.clear_unsure(item.id)  # never reached the server, or refused at the door
        raise
    except NetworkError as exc:  # the answer lost, too slow, a 5xx: it may have been filed
        raise InboxError(MAYBE_FILED.format(why=str(exc).rstrip("."))) from exc
    except RemoteRejected as exc:
        if exc.status is not None and 400 <= exc.status < 500:
            outbox.clear_unsure(item.id)  # the server said no: nothing was filed
        raise
    # Filed: the mark stays until the row is marked done (a crash in between must not
    # file it again on the next start; the row then fails with the words above).
    return sent


# -- replies held by the guidelines -----------------------------------------------------


def approve_held(
    engine: Engine, held_id: int, member_id: int | None, edited_text: str | None = None
) -> OutboxItem:
    """An approver lets a held reply go: it is queued with its draft's key (once)."""
    from inbox.engine.replies import enqueue_reply

    store = engine.store
    held = store.held_replies.get(held_id)
    _may_review(engine, member_id, held)
    text = held.text if edited_text is None else edited_text.strip()
    if not text:
        raise ConfigError("The reply is empty.")
    approver = _name(engine, member_id)
    with store.transaction():
        item = enqueue_reply(
            engine,
            held.conversation_id,
            text,
            held.draft_key,
            visibility=str(held.options.get("visibility", "")),
            spoiler_text=str(held.options.get("spoiler_text", "")),
            actor=held.author,
        )
        store.held_replies.decide(
            held_id, "approved", outbox_id=item.id, text=text if edited_text is not None else None
        )
        store.audit(
            approver, "reply.approved", held.conversation_id, held_id=held_id, outbox_id=item.id
        )
    engine.publish(
        Changed(conversations=frozenset({held.conversation_id}), outbox=True, posts=True)
    )
    return item


def reject_held(engine: Engine, held_id: int, member_id: int | None, comment: str) -> HeldReply:
    """An approver sends a held reply back with a reason; it is never sent."""
    store = engine.store
    held = store.held_replies.get(held_id)
    _may_review(engine, member_id, held)
    if not comment.strip():
        raise NotAllowed("Say why the reply is rejected, so its author can fix it.")
    with store.transaction():
        store.held_replies.decide(held_id, "rejected", comment=comment.strip())
        store.audit(
            _name(engine, member_id), "reply.rejected", held.conversation_id,
            held_id=held_id, comment=comment.strip(),
        )  # fmt: skip
    engine.publish(Changed(conversations=frozenset({held.conversation_id}), posts=True))
    return store.held_replies.get(held_id)


def _may_review(engine: Engine, member_id: int | None, held: HeldReply) -> None:
    if held.state != "awaiting":
        raise NotAllowed(f"This reply is no longer waiting for approval (it is {held.state}).")
    if member_id is None:
        return  # a one-person install approves its own
    if not can_approve(acting_role(engine.store.posts.role(member_id))):
        raise NotAllowed("Only an approver or admin can approve or reject replies.")


def _name(engine: Engine, member_id: int | None) -> str:
    if member_id is None:
        return "You"
    try:
        return engine.store.teams.member(member_id).name
    except KeyError:
        return f"member {member_id}"
