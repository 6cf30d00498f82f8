"""The triage workflow as pure decisions: given a conversation's current values, what changes.

Each function takes the conversation's triage columns as a mapping (the store's
`SNAPSHOT`: status, assignee_id, team_id, tags (JSON), hidden, snoozed_until,
priority_override, sla_due_at, waiting_since, rule_state) and returns the columns to
write, or {} when the action changes nothing. The store applies them in one transaction
(`store.triage.TriageRepo.edit`); the operations in `engine/ops/triage.py` choose which
function runs. Nothing here reads a clock, a database or a network.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from inbox.core.errors import ConfigError
from inbox.core.models import Status
from inbox.core.rules import SPAM_TAG, person_decided
from inbox.core.sla import NO_DUE

Row = Mapping[str, Any]
Values = dict[str, Any]
Edit = Callable[[Row], Values]


def status(new: Status, at: str | None = None) -> Edit:
    """new -> open -> pending -> resolved; resolving stops the SLA clock and ends a snooze,
    and notes when (at, stored time) for the reports' time to resolution."""
    new = Status(new)

    def edit(row: Row) -> Values:
        if row["status"] == new.value:
            return {}
        values: Values = {"status": new.value}
        if new is Status.RESOLVED:
            values.update(sla_due_at=NO_DUE, waiting_since=None, snoozed_until=None)
            if at is not None:
                values["resolved_at"] = at
        return values

    return edit


def assign(member_id: int | None) -> Edit:
    """Give to a member (None: unassign); assigning a new conversation opens it."""

    def edit(row: Row) -> Values:
        state = person_decided(row["rule_state"], assignee=True)
        if row["assignee_id"] == member_id:
            return {} if state == row["rule_state"] else {"rule_state": state}
        values: Values = {"assignee_id": member_id, "rule_state": state}
        if row["status"] == Status.NEW.value and member_id is not None:
            values["status"] = Status.OPEN.value  # someone is on it
        return values

    return edit


def route(team_id: int | None) -> Edit:
    """Route to a team; choosing the team a rule chose confirms it (the rules keep off)."""

    def edit(row: Row) -> Values:
        state = person_decided(row["rule_state"], team=True)
        if row["team_id"] == team_id and state == row["rule_state"]:
            return {}
        return {"team_id": team_id, "rule_state": state}

    return edit


def snooze(until: datetime, now: datetime, until_iso: str) -> Edit:
    """Hidden from every column until `until` (which must be in the future).

    Raises:
        ConfigError: `until` is not after `now`.
    """
    if until <= now:
        raise ConfigError("Snooze until a time in the future")
    return lambda row: {"snoozed_until": until_iso}


def unsnooze() -> Edit:
    return lambda row: {"snoozed_until": None} if row["snoozed_until"] else {}


def clean_tags(tags: Iterable[str]) -> list[str]:
    return [t.strip() for t in tags if t.strip()]


def tag(add: Iterable[str] = (), remove: Iterable[str] = ()) -> Edit:
    """Add and remove tags; a removed tag is vetoed for the rules, an added one is the person's."""
    added = clean_tags(add)
    drop = {t.strip() for t in remove}

    def edit(row: Row) -> Values:
        old = json.loads(row["tags"])
        new = [t for t in old if t not in drop] + [t for t in added if t not in old]
        state = person_decided(row["rule_state"], tags_added=added, tags_removed=drop)
        if new == old and state == row["rule_state"]:
            return {}
        return {"tags": json.dumps(new), "rule_state": state}

    return edit


def spam(is_spam: bool = True) -> Edit:
    """Spam is hidden from every column and tagged; "not spam" shows it again for good."""

    def edit(row: Row) -> Values:
        tags = [t for t in json.loads(row["tags"]) if t != SPAM_TAG]
        if is_spam:
            tags.append(SPAM_TAG)
        values = {
            "hidden": int(is_spam),
            "tags": json.dumps(tags),
            "rule_state": person_decided(row["rule_state"], spam=is_spam),
        }
        return {} if all(row[k] == v for k, v in values.items()) else values

    return edit


def priority(value: int | None) -> Edit:
    """Override the rules' score by hand (None: back to the rules)."""
    return lambda row: {} if row["priority_override"] == value else {"priority_override": value}


def note_text(text: str) -> str:
    """An internal note's text, trimmed.

    Raises:
        ConfigError: the note is empty.
    """
    if not text.strip():
        raise ConfigError("A note needs some text")
    return text.strip()
