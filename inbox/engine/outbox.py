"""Outbox worker: delivers queued replies, posts and pushes exactly once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from inbox.core.clock import from_iso
from inbox.core.errors import AuthExpired, InboxError, NetworkError, RateLimited, Unreachable
from inbox.core.events import Changed
from inbox.core.models import Media
from inbox.engine.replies import record_sent
from inbox.networks import registry
from inbox.networks.base import Outgoing, Sent
from inbox.store.outbox import OutboxItem

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine

Handler = Callable[["Engine", OutboxItem], Awaitable[Sent]]
# outbox kind -> handler; connectors and publishing register theirs.
HANDLERS: dict[str, Handler] = {}

MAX_BACKOFF = timedelta(hours=1)


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … capped at an hour."""
    return min(timedelta(seconds=5 * 2 ** max(0, attempts - 1)), MAX_BACKOFF)


async def deliver_due(engine: Engine, limit: int = 20, kinds: tuple[str, ...] = ()) -> int:
    """Deliver every due row (of kinds, when given) once; returns how many were delivered."""
    import inbox.engine.connectors  # noqa: F401  (registers its handlers; loaded on first use)

    store = engine.store
    delivered = 0
    # Accounts found offline in this run wait for their server: their rows are not claimed.
    offline = frozenset(getattr(engine, "offline", ()))
    # Several engines (laptops) may share the database: each row is leased to one of
    # them (store.outbox.claim_due); rows of one of this host's dead processes go back.
    holder = str(getattr(engine, "holder", ""))
    store.outbox.recover(holder)
    for item in store.outbox.claim_due(limit, kinds, skip_accounts=offline, holder=holder):
        if not store.outbox.renew(item.id, holder):
            continue  # the lease ran out while earlier rows were sent: another engine has it
        fn = HANDLERS.get(item.kind)
        if fn is None:
            store.outbox.fail(item.id, f"Nothing can deliver a {item.kind!r} item.")
            continue
        window = _key_window(engine, item)
        try:
            if window is not None and engine.clock.now() - store.outbox.first_try(item.id) > window:
                raise InboxError(HELD)
            sent = await fn(engine, item)
        except RateLimited as exc:
            if window is not None:  # refused before anything was done: not a real try
                store.outbox.forget_first_try(item.id)
            when = engine.clock.now() + timedelta(seconds=max(exc.retry_after, 1))
            store.outbox.retry_later(item.id, str(exc), when)
        except NetworkError as exc:
            if window is not None and isinstance(exc, Unreachable):
                # Nothing reached the network (offline): the window starts on a real try.
                store.outbox.forget_first_try(item.id)
            store.outbox.retry_later(item.id, str(exc), engine.clock.now() + backoff(item.attempts))
        except AuthExpired as exc:
            store.outbox.fail(item.id, f"Sign in again: {exc}")
        except InboxError as exc:
            store.outbox.fail(item.id, str(exc))
        else:
            store.outbox.complete(item.id, sent.remote_id, sent.url)
            delivered += 1
        ids = frozenset({item.conversation_id}) if item.conversation_id else frozenset()
        engine.publish(Changed(conversations=ids, outbox=True))
    return delivered


HELD = (
    "Not sent again: the first try was too long ago for the network to recognise the retry, "
    "so it may already be published. Check the account, then press Retry to send it anyway."
)


def _key_window(engine: Engine, item: OutboxItem) -> timedelta | None:
    """How long the row's network remembers an idempotency key (None: not network-bound,
    or the network has no such key and checks by other means)."""
    adapters = getattr(engine, "adapters", {})  # connector work runs without any
    adapter = adapters.get(item.account_id) if item.account_id is not None else None
    caps = registry.find(adapter.network) if adapter is not None else None
    return caps.idempotency_window if caps is not None else None


def _queued_at(item: OutboxItem) -> datetime | None:
    try:
        return from_iso(item.created_at) if item.created_at else None
    except ValueError:
        return None


@handler("reply")
async def _reply(engine: Engine, item: OutboxItem) -> Sent:
    """Payload: text, visibility, spoiler_text; replies to the conversation's last inbound."""
    if item.account_id is None or item.account_id not in engine.adapters:
        raise NetworkError("The account is not connected yet.")
    adapter = engine.adapters[item.account_id]
    target = None
    if item.conversation_id is not None:
        target = engine.store.conversations.reply_target(item.conversation_id)
    payload = item.payload
    sent = await adapter.send(
        Outgoing(
            text=str(payload["text"]),
            idempotency_key=item.remote_key,
            in_reply_to=target,
            visibility=str(
                payload.get("visibility") or (target.visibility if target else "public")
            ),
            spoiler_text=str(payload.get("spoiler_text", "")),
            # A network without idempotency keys (X) looks for a lost send before a retry.
            extra={"attempt": str(item.attempts)},
            queued_at=_queued_at(item),
        )
    )
    # Into the conversation before the row is acknowledged: a crash in between
    # resends with the same key, gets the same status, and stores it once.
    record_sent(engine, item, sent, target)
    return sent


@handler("post")
async def _post(engine: Engine, item: OutboxItem) -> Sent:
    """Payload: text, visibility, spoiler_text, media_files, media_alt, scheduled_at."""
    if item.account_id is None or item.account_id not in engine.adapters:
        raise NetworkError("The account is not connected yet.")
    payload = item.payload
    adapter = engine.adapters[item.account_id]
    files = tuple(str(f) for f in payload.get("media_files", ()))
    alts = list(payload.get("media_alt", ())) + [""] * len(files)
    scheduled = payload.get("scheduled_at")
    outgoing = Outgoing(
        text=str(payload["text"]),
        idempotency_key=item.remote_key,
        visibility=str(payload.get("visibility", "public")),
        spoiler_text=str(payload.get("spoiler_text", "")),
        media=tuple(
            Media(kind="image", url=path, description=str(alt))
            for path, alt in zip(files, alts, strict=False)
        ),
        media_files=files,
        scheduled_at=from_iso(str(scheduled)) if scheduled else None,
        extra={"attempt": str(item.attempts)},
        queued_at=_queued_at(item),
    )
    return await adapter.send(outgoing)
