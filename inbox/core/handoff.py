"""What a conversation becomes when it leaves for a service desk or a knowledge base.

Pure values: the store builds them from a conversation, connectors turn them
into tickets, comments and articles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from inbox.core.models import Contact


class RefKind(StrEnum):
    TICKET = "ticket"
    ARTICLE = "article"


class EntryKind(StrEnum):
    IN = "in"  # the customer wrote
    OUT = "out"  # one of our accounts answered
    NOTE = "note"  # an internal note: becomes an internal comment, never public


@dataclass(frozen=True, slots=True)
class ExternalRef:
    """Where a conversation lives in another system."""

    connector: str
    remote_id: str
    url: str = ""
    kind: RefKind = RefKind.TICKET


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of a transcript: a message or an internal note."""

    kind: EntryKind
    author: str  # "@handle (Name)" or the note's author
    text: str
    at: datetime
    url: str = ""  # the original post, when there is one
    key: str = ""  # stable id of the entry (message id or note id): threads follow-ups
    # Written into a follow-up so that a retry whose first attempt may have reached the desk
    # can look the ticket up for it first (no desk offers idempotent comments).
    marker: str = ""

    @property
    def internal(self) -> bool:
        return self.kind is EntryKind.NOTE


def followup_marker(conversation_marker: str, entry_key: str) -> str:
    """The marker of one follow-up: the conversation's marker (unique per profile) and entry."""
    return f"{conversation_marker}.{entry_key}"


def carries_marker(text: str, marker: str) -> bool:
    """Whether a comment's text carries this follow-up's reference line (not a longer one)."""
    return re.search(rf"Reference: {re.escape(marker)}(?![\w.-])", text) is not None


@dataclass(frozen=True, slots=True)
class Transcript:
    """A whole conversation, ready to become a ticket.

    marker is stable for (profile, conversation): connectors search by it before
    creating, so a retried push after a crash finds the ticket it already made.
    """

    marker: str
    conversation_id: int
    network: str
    account: str  # our account's handle
    contact: Contact
    subject: str
    priority: int
    entries: tuple[Entry, ...]
    team: str = ""
    tags: tuple[str, ...] = ()

    @property
    def level(self) -> Priority:
        return priority_level(self.priority)

    @property
    def labels(self) -> tuple[str, ...]:
        """Tags for the desk: network, account, team and the conversation's own tags."""
        found = ["social-inbox", _tag(self.network), _tag(f"account-{self.account}")]
        if self.team:
            found.append(_tag(f"team-{self.team}"))
        found.extend(_tag(t) for t in self.tags)
        return tuple(dict.fromkeys(t for t in found if t))

    @property
    def requester(self) -> str:
        """The contact as a desk shows a requester: name, handle and profile link."""
        name = self.contact.display_name or self.contact.handle
        text = f"{name} (@{self.contact.handle.lstrip('@')} on {self.network})"
        return f"{text} {self.contact.profile_url}" if self.contact.profile_url else text


@dataclass(frozen=True, slots=True)
class Article:
    """A knowledge-base article drafted from a resolved conversation."""

    marker: str
    conversation_id: int
    title: str
    question: str
    answer: str
    labels: tuple[str, ...] = ()
    target: str = ""  # space, section or category; the connector's default when empty
    source: str = ""  # link back to the original thread (only kept when not redacted)
    created_at: datetime | None = None
    removed: tuple[str, ...] = field(default=())  # what redaction took out, for the toggle


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


def priority_level(points: int) -> Priority:
    """Our open-ended priority points as the four levels every desk knows."""
    if points >= 60:
        return Priority.URGENT
    if points >= 30:
        return Priority.HIGH
    if points >= 10:
        return Priority.NORMAL
    return Priority.LOW


def _tag(text: str) -> str:
    """A tag every desk accepts: lower case, no spaces or punctuation but - and _."""
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in text.lower().lstrip("@"))
    return "-".join(part for part in cleaned.split("-") if part)


def render_text(transcript: Transcript) -> str:
    """The transcript as plain text, one block per entry with time and link."""
    lines = [
        f"Conversation on {transcript.network} with {transcript.requester}",
        f"Account: @{transcript.account.lstrip('@')}",
        f"Priority: {transcript.level.value} · Tags: {', '.join(transcript.labels)}",
        "",
    ]
    for entry in transcript.entries:
        lines.append(_entry_header(entry))
        lines.append(entry.text)
        if entry.url:
            lines.append(f"Original: {entry.url}")
        lines.append("")
    lines.append(f"Reference: {transcript.marker}")
    return "\n".join(lines)


def render_entry(entry: Entry) -> str:
    """One follow-up as plain text, ending with its reference when it has one."""
    text = f"{_entry_header(entry)}\n{entry.text}"
    if entry.url:
        text = f"{text}\nOriginal: {entry.url}"
    return f"{text}\nReference: {entry.marker}" if entry.marker else text


def render_html(transcript: Transcript) -> str:
    """The transcript as simple, well-formed HTML (also valid Confluence storage XHTML)."""
    parts = [
        f"<p>Conversation on {_esc(transcript.network)} with "
        f"{_contact_html(transcript)}<br/>Account: @{_esc(transcript.account.lstrip('@'))}</p>"
    ]
    parts.extend(_entry_html(entry) for entry in transcript.entries)
    parts.append(f"<p><small>Reference: {_esc(transcript.marker)}</small></p>")
    return "\n".join(parts)


def render_entry_html(entry: Entry) -> str:
    html = _entry_html(entry)
    if not entry.marker:
        return html
    return f"{html}\n<p><small>Reference: {_esc(entry.marker)}</small></p>"


def _contact_html(transcript: Transcript) -> str:
    c = transcript.contact
    name = _esc(c.display_name or c.handle)
    handle = _esc("@" + c.handle.lstrip("@"))
    if c.profile_url:
        return f'{name} (<a href="{_esc(c.profile_url)}">{handle}</a>)'
    return f"{name} ({handle})"


def _entry_header(entry: Entry) -> str:
    who = {"in": "Customer", "out": "We replied", "note": "Internal note"}[entry.kind.value]
    return f"[{entry.at:%Y-%m-%d %H:%M} UTC] {who} — {entry.author}:"


def _entry_html(entry: Entry) -> str:
    body = _esc(entry.text).replace("\n", "<br/>")
    link = f' <a href="{_esc(entry.url)}">original</a>' if entry.url else ""
    return f"<p><strong>{_esc(_entry_header(entry))}</strong>{link}<br/>{body}</p>"


def _esc(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def ticket_subject(transcript: Transcript) -> str:
    """'Mastodon @bob@host: where is my order? [si-…]': clear, and the marker finds it again."""
    head = transcript.subject.strip().splitlines()[0] if transcript.subject.strip() else ""
    if len(head) > 80:
        head = head[:80].rsplit(" ", 1)[0] + "…"
    handle = "@" + transcript.contact.handle.lstrip("@")
    return f"{transcript.network.capitalize()} {handle}: {head} [{transcript.marker}]"


def article_html(article: Article) -> str:
    """Question and answer as simple, well-formed HTML (also Confluence storage XHTML)."""

    def paras(text: str) -> str:
        blocks = [b for b in text.split("\n\n") if b.strip()]
        return "".join(f"<p>{_esc(b).replace(chr(10), '<br/>')}</p>" for b in blocks)

    source = f'<p>Source: <a href="{_esc(article.source)}">thread</a></p>' if article.source else ""
    return (
        f"<h2>Question</h2>{paras(article.question)}<h2>Answer</h2>{paras(article.answer)}{source}"
    )
