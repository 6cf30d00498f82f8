"""Pushes to service desks and knowledge bases, through the outbox.

Outbox kinds:
    push     create the conversation's ticket (once per conversation and connector)
    append   add one follow-up (message or internal note) to that ticket
    article  publish a knowledge-base article from the conversation

The ref (ticket id and URL) is stored before the outbox row is acknowledged;
a crash in between is healed by each connector's marker search before create.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any

import httpx

from inbox import secrets
from inbox.connectors import base
from inbox.core.clock import from_iso, to_iso
from inbox.core.errors import ConfigError, NetworkError
from inbox.core.events import Changed, Event
from inbox.core.handoff import Article, Entry, EntryKind, RefKind, followup_marker
from inbox.engine.outbox import deliver_due, handler
from inbox.networks.base import Sent
from inbox.store.outbox import OutboxItem

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine
    from inbox.store import Store

KINDS = ("push", "append", "article")  # the outbox kinds this module delivers


def _key(store: Store, name: str, field: str) -> str:
    return secrets.connector_key(store.connectors.profile_id(), name, field)


def _get_secret(store: Store, name: str, field: str) -> str | None:
    """This profile's secret; an entry from before secrets were per profile is copied
    into this profile's key the first time (the old shared one is left for the others)."""
    key = _key(store, name, field)
    value = secrets.get_secret(key)
    if value is None:
        value = secrets.get_secret(secrets.legacy_connector_key(name, field))
        if value is not None:
            secrets.set_secret(key, value)
    return value


# (profile id, connector name) -> the transport its HTTP goes through instead of the
# network: the demo's recorded help desk. Empty in normal use.
TRANSPORTS: dict[tuple[str, str], httpx.AsyncBaseTransport] = {}


def open_connector(store: Store, name: str) -> base.Connector:
    """The named connector, built from its stored config and its secrets in the keyring."""
    row = store.connectors.get(name)
    cls = base.kind_class(row.kind)
    found: dict[str, str] = {}
    for field in cls.schema:
        if field.secret:
            value = _get_secret(store, name, field.name)
            if value:
                found[field.name] = value
    transport = TRANSPORTS.get((store.connectors.profile_id(), name))
    return base.build(row.kind, row.config, found, transport=transport)


def save_connector(
    store: Store, name: str, kind: str, values: dict[str, Any], *, keep_secrets: bool = False
) -> None:
    """Add or replace a connector: config to the store, secret fields to the keyring.

    With keep_secrets, a secret field left empty keeps the value already in the keyring
    (the settings dialog never shows stored secrets).
    """
    if keep_secrets:
        values = dict(values)
        for field in base.kind_class(kind).schema:
            if field.secret and not values.get(field.name):
                values[field.name] = _get_secret(store, name, field.name)
    config, found = base.validate(kind, values)
    try:
        existing = store.connectors.get(name)
    except ConfigError:
        existing = None
    if existing is not None and existing.kind != kind:
        raise ConfigError(f"{name!r} is a {existing.kind} connector; remove it first.")
    for field_name, value in found.items():
        secrets.set_secret(_key(store, name, field_name), value)
    if existing is None:
        store.connectors.add(name, kind, config)
    else:
        store.connectors.update(name, config)


class PendingWork(ConfigError):
    """Removing a connector that still has pushes queued: the user must say what to do."""

    def __init__(self, name: str, items: list[OutboxItem]) -> None:
        self.items = items
        super().__init__(
            f"{name!r} has {len(items)} push(es), follow-up(s) or article(s) not delivered yet. "
            "Cancel them, or move them to another connector "
            "(`connectors remove NAME --cancel-pending` or `--move-pending-to OTHER`)."
        )


def remove_connector(
    store: Store, name: str, *, pending: str | None = None, move_to: str | None = None
) -> list[OutboxItem]:
    """Remove the connector, its secrets and what to do with its undelivered work.

    pending: None refuses when work is pending (PendingWork says how many), "cancel"
    cancels it, "move" queues it again on move_to (each conversation's ticket, each
    article; a follow-up is part of the new ticket's transcript) and cancels the old rows.
    Returns the rows queued on move_to.
    """
    row = store.connectors.get(name)
    waiting = store.outbox.pending_for_target(name)
    if waiting and pending not in ("cancel", "move"):
        raise PendingWork(name, waiting)
    moved: list[OutboxItem] = []
    with store.transaction():  # all of it or nothing; the secrets go once it is committed
        if waiting and pending == "move":
            if not move_to or move_to == name:
                raise ConfigError("Say which other connector takes the pending pushes.")
            target = base.kind_class(store.connectors.get(move_to).kind)
            for item in waiting:
                if item.conversation_id is None:
                    continue
                if item.kind == "article" and target.articles:
                    article = _article_from(item.payload["article"])
                    moved.append(queue_article(store, article, move_to))
                elif item.kind in ("push", "append") and target.tickets:
                    moved.append(queue_push(store, item.conversation_id, move_to))
        store.outbox.cancel([i.id for i in waiting], f"Connector {name!r} was removed")
        store.connectors.remove(name)
        store.audit(
            "user", "connector.remove", connector=name, cancelled=len(waiting),
            moved_to=move_to if moved else None, moved=len({m.id for m in moved}),
        )  # fmt: skip
    for field in base.kind_class(row.kind).schema:
        if field.secret:
            secrets.delete_secret(_key(store, name, field.name))
    return moved


async def test_connector(store: Store, name: str) -> str:
    """Test connection: the system's answer in plain words, or an InboxError."""
    connector = open_connector(store, name)
    try:
        return await connector.test()
    finally:
        await connector.aclose()


async def deliver_now(engine: Engine) -> int:
    """Deliver due connector work at once (a button press should not wait for the next tick)."""
    return await deliver_due(engine, kinds=KINDS)


# -- queueing ----------------------------------------------------------------------


def queue_push(store: Store, conversation_id: int, connector: str) -> OutboxItem:
    """Queue the ticket; queueing the same conversation and connector again changes nothing.

    A failed push is re-queued instead (the user asked again).
    """
    row = store.connectors.get(connector)
    if not base.kind_class(row.kind).tickets:
        raise ConfigError(f"{connector!r} is a knowledge base; it cannot take tickets.")
    store.connectors.transcript(conversation_id)  # fail now on a missing conversation
    item = store.outbox.enqueue(
        "push",
        f"push:{connector}:{conversation_id}",
        {"connector": connector},
        conversation_id=conversation_id,
        target=connector,
    )
    if item.status == "failed":  # asked again after a failure: that is a retry
        store.outbox.retry(item.id)
        item = store.outbox.get(item.id) or item
    return item


def pending(store: Store) -> list[OutboxItem]:
    """Connector work still queued, being sent, or failed (with the system's error)."""
    return [item for item in store.outbox.pending() if item.kind in KINDS]


def queue_followups(store: Store, conversation_ids: frozenset[int]) -> int:
    """Queue every message newer than each ticket's transcript, and every internal note
    (as an internal comment; notes are never in the transcript); returns how many were new.
    """
    queued = 0
    for conversation_id, ref, synced in store.connectors.tickets_for(conversation_ids):
        entries = [
            *store.connectors.entries(conversation_id, synced),
            *store.connectors.notes(conversation_id),
        ]
        for entry in entries:
            key = f"append:{ref.connector}:{conversation_id}:{entry.key}"
            before = store.connectors.has_outbox_key(key)
            _queue_append(store, conversation_id, ref.connector, entry, key)
            queued += not before
    return queued


def queue_note(
    store: Store, conversation_id: int, note_id: str, text: str, author: str
) -> list[OutboxItem]:
    """An internal note to every ticket of the conversation, as an internal comment."""
    entry = Entry(EntryKind.NOTE, author, text, store.clock.now(), key=f"note-{note_id}")
    return [
        _queue_append(
            store,
            conversation_id,
            ref.connector,
            entry,
            f"append:{ref.connector}:{conversation_id}:{entry.key}",
        )
        for _, ref, _ in store.connectors.tickets_for(frozenset({conversation_id}))
    ]


def queue_article(store: Store, article: Article, connector: str) -> OutboxItem:
    """Queue the article; a failed earlier attempt is re-queued with this text."""
    row = store.connectors.get(connector)
    if not base.kind_class(row.kind).articles:
        raise ConfigError(f"{connector!r} is a service desk; it cannot publish articles.")
    if article.created_at is None:
        article = replace(article, created_at=store.clock.now())
    payload = {"connector": connector, "article": _article_json(article)}
    key = f"article:{connector}:{article.conversation_id}"
    item = store.outbox.enqueue(
        "article", key, payload, conversation_id=article.conversation_id, target=connector
    )
    if item.status == "failed":
        store.connectors.requeue(item.id, payload)
        item = store.outbox.get(item.id) or item
    return item


def _queue_append(
    store: Store, conversation_id: int, connector: str, entry: Entry, key: str
) -> OutboxItem:
    marker = followup_marker(store.connectors.marker(conversation_id), entry.key)
    entry = replace(entry, marker=marker)
    return store.outbox.enqueue(
        "append",
        key,
        {"connector": connector, "entry": _entry_json(entry)},
        conversation_id=conversation_id,
        target=connector,
    )


def follow_ups(engine: Engine) -> Any:
    """An event listener: new messages in a conversation with a ticket become follow-ups."""

    def on_event(event: Event) -> None:
        if (
            isinstance(event, Changed)
            and event.conversations
            and not event.outbox
            and queue_followups(engine.store, event.conversations)
        ):
            engine.publish(Changed(outbox=True))

    return on_event


# -- handlers -----------------------------------------------------------------------


@handler("push")
async def _push(engine: Engine, item: OutboxItem) -> Sent:
    store = engine.store
    name = str(item.payload["connector"])
    conversation_id = _conversation(item)
    done = store.connectors.ref(conversation_id, name, RefKind.TICKET)
    if done is not None:  # a retry after the ref was stored: nothing left to do
        return Sent(done.remote_id, done.url)
    upto = store.connectors.last_message_id(conversation_id)
    transcript = store.connectors.transcript(conversation_id)
    transcript = replace(
        transcript, entries=tuple(e for e in transcript.entries if int(e.key[1:]) <= upto)
    )
    connector = open_connector(store, name)
    try:
        ref = replace(await connector.push(transcript), connector=name)
    finally:
        await connector.aclose()
    # Stored before the row is acknowledged: the next attempt sees it and stops.
    store.connectors.save_ref(conversation_id, ref, upto)
    store.audit(
        "engine", "ticket.created", conversation_id, connector=name, remote_id=ref.remote_id
    )
    queue_followups(store, frozenset({conversation_id}))  # arrived while we were pushing
    return Sent(ref.remote_id, ref.url)


@handler("append")
async def _append(engine: Engine, item: OutboxItem) -> Sent:
    store = engine.store
    name = str(item.payload["connector"])
    ref = store.connectors.ref(_conversation(item), name, RefKind.TICKET)
    if ref is None:
        raise NetworkError("Waiting for the ticket to be created first.")
    entry = _entry_from(item.payload["entry"])
    connector = open_connector(store, name)
    try:
        # attempts counts this one: above 1, an earlier attempt may have reached the desk
        # before we could record it (a crash, a timeout), so look for its marker first.
        if not (
            entry.marker and item.attempts > 1 and await connector.has_followup(ref, entry.marker)
        ):
            await connector.append(ref, entry)
    finally:
        await connector.aclose()
    return Sent(ref.remote_id, ref.url)


@handler("article")
async def _article(engine: Engine, item: OutboxItem) -> Sent:
    store = engine.store
    name = str(item.payload["connector"])
    conversation_id = _conversation(item)
    done = store.connectors.ref(conversation_id, name, RefKind.ARTICLE)
    if done is not None:
        return Sent(done.remote_id, done.url)
    connector = open_connector(store, name)
    try:
        article = _article_from(item.payload["article"])
        ref = replace(await connector.publish_article(article), connector=name)
    finally:
        await connector.aclose()
    store.connectors.save_ref(conversation_id, ref)
    store.audit("engine", "article.published", conversation_id, connector=name, url=ref.url)
    return Sent(ref.remote_id, ref.url)


def _conversation(item: OutboxItem) -> int:
    if item.conversation_id is None:
        raise ConfigError("The conversation of this push was deleted.")
    return item.conversation_id


def _entry_json(entry: Entry) -> dict[str, Any]:
    data = asdict(entry)
    data["kind"] = entry.kind.value
    data["at"] = to_iso(entry.at)
    return data


def _entry_from(data: dict[str, Any]) -> Entry:
    return Entry(
        kind=EntryKind(data["kind"]),
        author=str(data["author"]),
        text=str(data["text"]),
        at=from_iso(str(data["at"])),
        url=str(data.get("url", "")),
        key=str(data.get("key", "")),
        marker=str(data.get("marker", "")),
    )


def _article_json(article: Article) -> dict[str, Any]:
    data = json.loads(json.dumps(asdict(article), default=str))
    data["created_at"] = to_iso(article.created_at) if article.created_at else None
    return dict(data)


def _article_from(data: dict[str, Any]) -> Article:
    created = data.get("created_at")
    return Article(
        marker=str(data["marker"]),
        conversation_id=int(data["conversation_id"]),
        title=str(data["title"]),
        question=str(data["question"]),
        answer=str(data["answer"]),
        labels=tuple(data.get("labels", ())),
        target=str(data.get("target", "")),
        source=str(data.get("source", "")),
        created_at=from_iso(created) if created else None,
        removed=tuple(data.get("removed", ())),
    )


def article_args(article: Article) -> dict[str, Any]:
    """An article as plain data: the connectors.article operation's argument."""
    return _article_json(article)


def article_from(data: dict[str, Any]) -> Article:
    return _article_from(data)
