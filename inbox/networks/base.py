"""The network-adapter protocol every network implements (networks.registry finds them).

An adapter speaks core models only and never touches the store. The engine
owns cursors: it hands an adapter the cursor it stored and persists the one
the adapter returns, only after the page's items are stored, so a failure
mid-pagination never leaves a gap.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, runtime_checkable

from inbox.core.models import AccountInfo, Media, Message

if TYPE_CHECKING:
    from inbox.core.monitoring import SearchSpec
    from inbox.networks.registry import AdapterFactory

T = TypeVar("T")

# Streams an adapter can be asked to fetch.
MENTIONS = "mentions"
DMS = "dms"
# Our own replies, from any client on the same account (the network's web app too):
# items carry conversation_key = core.models.reply_key(in_reply_to) and the engine files each
# under the conversation of the message it answers. An adapter without it raises
# NotSupported, and sync skips the stream.
OWN = "own"
# A monitoring search's cursor is kept like a stream's: sync_cursors(account, "search:<id>").
SEARCH_STREAM = "search:"


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of items; next_cursor is what to store once the items are safe.

    more is True when another page is available right away (keep fetching).
    """

    items: tuple[T, ...]
    next_cursor: str | None
    more: bool = False
    rejected: tuple[tuple[str, str], ...] = ()  # (reason, raw) of items that failed to parse
    note: str = ""  # something the user should know about this fetch (a search's limits)


@dataclass(frozen=True)
class Limits:
    """What the network allows for one post."""

    max_chars: int = 500
    url_weight: int = 23  # characters a link counts as; 0 means "counts as written"
    max_media: int = 4
    max_media_bytes: int = 16 * 1024 * 1024
    alt_text_max: int = 1500


@dataclass(frozen=True)
class Outgoing:
    """A reply or post to send. idempotency_key is stable across retries."""

    text: str
    idempotency_key: str
    in_reply_to: Message | None = None
    visibility: str = "public"
    spoiler_text: str = ""
    language: str = ""
    media: tuple[Media, ...] = ()
    media_files: tuple[str, ...] = ()  # local paths to upload
    scheduled_at: datetime | None = None  # hand over to the network's own scheduler
    extra: dict[str, str] = field(default_factory=dict)
    queued_at: datetime | None = None  # when the user sent it (the same on every retry)


@dataclass(frozen=True)
class AppCredentials:
    """An app registered on one server (OAuth client); client_secret belongs in the keyring."""

    instance: str
    client_id: str
    client_secret: str
    scopes: str = ""
    app_id: str = ""


class AppKeeper(Protocol):
    """Where a network's sign-in keeps the app it registered per server (the engine's store)."""

    def load(self, instance: str) -> AppCredentials | None: ...

    def save(self, app: AppCredentials) -> None: ...


@dataclass(frozen=True)
class Sent:
    """What the network answered for a send."""

    remote_id: str
    url: str = ""
    scheduled: bool = False
    # The message as the network stored it (text with the mentions it added, time,
    # link), when the adapter can tell; the reply handler files it in the conversation.
    message: Message | None = None


@dataclass(frozen=True)
class Moderation:
    """One moderation action (core.moderation names) on a person or one of their posts.

    idempotency_key is the outbox row's remote key, stable across retries; attempt is
    the outbox's try number (2+ after a crash or a lost answer).
    """

    action: str
    user_id: str  # the person's id on the network (account id, DID, user id)
    handle: str
    idempotency_key: str
    post: Message | None = None  # the post reported or hidden
    reason: str = ""  # the comment a report carries
    category: str = "spam"  # core.moderation.CATEGORIES
    attempt: int = 1


@runtime_checkable
class ModeratingAdapter(Protocol):
    """An adapter that can carry out the moderation actions its Capabilities list."""

    async def moderate(self, request: Moderation) -> Sent:
        """Do request.action once; repeating the same request leaves the same state.

        Raises:
            NotSupported: the network does not offer the action.
            RemoteRejected: the server refused (with its words).
        """
        ...


class NetworkAdapter(Protocol):
    """One signed-in account on one network."""

    network: str

    async def verify(self) -> AccountInfo:
        """Who this token belongs to. Raises AuthExpired when it is no longer valid."""
        ...

    async def fetch(self, stream: str, cursor: str | None) -> Page[Message]:
        """Items of stream (MENTIONS, DMS) newer than cursor; None means first sync."""
        ...

    async def send(self, outgoing: Outgoing) -> Sent:
        """Reply or publish once. Retrying with the same idempotency_key never doubles."""
        ...

    async def limits(self) -> Limits:
        """The network's current limits for one post."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


@runtime_checkable
class LiveAdapter(Protocol):
    """An adapter that can push wake-up events (a streaming API) instead of being polled."""

    def live(self) -> AsyncIterator[str]:
        """Yield "open" once connected, then an event name whenever something new may wait.

        Raises NetworkError when the stream drops; the caller falls back to polling.
        """
        ...


@runtime_checkable
class SearchAdapter(Protocol):
    """An adapter that can search the network (a monitoring column); see Capabilities.search."""

    async def search(self, spec: SearchSpec, cursor: str | None) -> Page[Message]:
        """Posts matching spec newer than cursor (None: the newest page only), as
        Kind.MONITORING messages; our own posts are left out. more=True: call again.

        Raises:
            RemoteRejected: the network refuses (X's TierRequired: the plan has no search);
                its words are shown on the column.
        """
        ...


def register(network: str, factory: AdapterFactory) -> None:
    """Register an adapter factory for a network whose capabilities are already known.

    A new network registers both at once: ``registry.register(Capabilities(...), factory)``.
    """
    from inbox.networks import registry

    registry.register(registry.capabilities(network), factory)


def adapter_for(network: str) -> AdapterFactory:
    """The factory for network (see networks.registry)."""
    from inbox.networks import registry

    return registry.adapter_factory(network)


def cursor_state(cursor: str | None) -> dict[str, Any]:
    """A JSON cursor as a dict; an empty, unreadable or non-object cursor starts afresh."""
    if not cursor:
        return {}
    try:
        state = json.loads(cursor)
    except ValueError:
        return {}
    return state if isinstance(state, dict) else {}
