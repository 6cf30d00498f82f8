"""Domain models shared by every layer: what a network yields and what the store keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from inbox.core.sla import SlaPolicy


class Kind(StrEnum):
    """What an inbound item is to us."""

    MENTION = "mention"
    DM = "dm"
    REPLY = "reply"
    QUOTE = "quote"
    KEYWORD = "keyword"  # never produced; kept so old saved filters still load
    # Found by one of our searches (a monitoring column): nobody asked us.
    MONITORING = "monitoring"


class Direction(StrEnum):
    IN = "in"  # from a customer
    OUT = "out"  # from one of our accounts


class Status(StrEnum):
    """A conversation's place in the work queue."""

    NEW = "new"
    OPEN = "open"
    PENDING = "pending"  # waiting on the customer
    RESOLVED = "resolved"


# Priority bands, highest first: (lowest score, name). Below the last one: "low".
# Here rather than in rules.py: every card shows its band, and the deck paints before
# the rules (and VADER with them) are loaded.
BANDS: tuple[tuple[int, str], ...] = ((50, "urgent"), (30, "high"), (10, "normal"))


def band(priority: int) -> str:
    """ "urgent", "high", "normal" or "low": what the priority badge says."""
    return next((name for floor, name in BANDS if priority >= floor), "low")


@dataclass(frozen=True, slots=True)
class Contact:
    """A person on a network, keyed by (network, remote_id)."""

    network: str
    remote_id: str
    handle: str
    display_name: str = ""
    avatar_url: str = ""
    profile_url: str = ""
    followers_count: int | None = None


@dataclass(frozen=True, slots=True)
class Media:
    """An attachment; remote URLs are never loaded unless the user allows media."""

    kind: str  # image, video, gifv, audio, unknown
    url: str
    preview_url: str = ""
    description: str = ""  # alt text, always shown


@dataclass(frozen=True, slots=True)
class Message:
    """One normalized inbound or outbound item, as every network adapter yields it.

    conversation_key groups messages into one conversation per account (a thread
    root id, a DM conversation id). html is already sanitized by the adapter.
    """

    remote_id: str
    conversation_key: str
    kind: Kind
    author: Contact
    text: str
    created_at: datetime
    html: str = ""
    url: str = ""
    direction: Direction = Direction.IN
    in_reply_to: str | None = None
    visibility: str = "public"
    spoiler_text: str = ""
    language: str = ""
    media: tuple[Media, ...] = ()
    mentions: tuple[str, ...] = ()  # handles mentioned, without the leading @
    raw: str = ""  # the original JSON, kept for re-parsing


# conversation_key of a message known only by what it answers (our own reply picked up
# from the network): "the conversation of message <remote id>", resolved at ingest.
REPLY_KEY = "reply-to:"


def reply_key(in_reply_to: str) -> str:
    return REPLY_KEY + in_reply_to


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """Who an account is on its network, as verify/sign-in reports it."""

    network: str
    instance: str
    remote_id: str
    handle: str
    display_name: str = ""
    avatar_url: str = ""


@dataclass(frozen=True, slots=True)
class Account(AccountInfo):
    """An account stored in the profile."""

    id: int = 0
    status: str = "ok"
    status_detail: str = ""


@dataclass(frozen=True, slots=True)
class ColumnFilter:
    """A saved filter; empty tuples and None mean "any"."""

    accounts: tuple[int, ...] = ()
    kinds: tuple[Kind, ...] = ()
    statuses: tuple[Status, ...] = (Status.NEW, Status.OPEN, Status.PENDING)
    team_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    min_priority: int | None = None
    query: str = ""  # full-text, FTS5 syntax escaped by the store
    include_hidden: bool = False
    sort: str = "priority"  # priority (then SLA due, then newest) or newest
    # A monitoring column: the conversations its search (store.monitoring) found.
    search_id: int | None = None


@dataclass(frozen=True, slots=True)
class Column:
    id: int
    name: str
    position: int
    filter: ColumnFilter = field(default_factory=ColumnFilter)
    team_id: int | None = None


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """One row of a column: what the deck paints."""

    id: int
    account_id: int
    account_handle: str
    network: str
    kind: Kind
    status: Status
    priority: int
    contact_handle: str
    contact_name: str
    snippet: str
    last_message_at: datetime
    unread: bool
    message_count: int
    assignee_name: str = ""
    team_name: str = ""
    sla_due_at: datetime | None = None
    tags: tuple[str, ...] = ()
    # Our account blocked / muted the contact (confirmed by the server; store/moderation.py).
    blocked: bool = False
    muted: bool = False


class Role(StrEnum):
    ADMIN = "admin"
    APPROVER = "approver"
    CONTRIBUTOR = "contributor"


@dataclass(frozen=True, slots=True)
class Team:
    id: int
    name: str
    sla: SlaPolicy = field(default_factory=SlaPolicy)


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    name: str
    role: Role = Role.CONTRIBUTOR
    email: str = ""
    team_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Note:
    """An internal note on a conversation: never sent, never in the outbox."""

    id: int
    conversation_id: int
    author_id: int | None
    author_name: str
    at: datetime
    text: str
