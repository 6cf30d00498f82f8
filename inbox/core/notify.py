"""Desktop notifications: which alerts a member sees, grouped, outside do-not-disturb hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from inbox.core.errors import ConfigError


class AlertKind(StrEnum):
    NEW = "new"  # a new high-priority conversation
    BREACH = "breach"  # an SLA was just missed


@dataclass(frozen=True, slots=True)
class Alert:
    kind: AlertKind
    conversation_id: int
    priority: int
    title: str  # who wrote, or the snippet: what the notification names
    assignee_id: int | None = None
    due: str = ""  # the missed due time (a breach is alerted once per due time)


@dataclass(frozen=True, slots=True)
class NotifyPrefs:
    """One member's notification settings (members.settings_json["notify"])."""

    enabled: bool = True
    min_priority: int = 40
    breaches: bool = True
    only_mine: bool = False  # only what is assigned to me or to nobody
    dnd_start: time | None = None  # do not disturb from ...
    dnd_end: time | None = None  # ... until (may wrap past midnight)
    tz: str = "UTC"

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "min_priority": self.min_priority,
            "breaches": self.breaches,
            "only_mine": self.only_mine,
            "dnd_start": self.dnd_start.strftime("%H:%M") if self.dnd_start else None,
            "dnd_end": self.dnd_end.strftime("%H:%M") if self.dnd_end else None,
            "tz": self.tz,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> NotifyPrefs:
        if not data:
            return cls()
        try:
            start, end = data.get("dnd_start"), data.get("dnd_end")
            prefs = cls(
                enabled=bool(data.get("enabled", True)),
                min_priority=int(data.get("min_priority", 40)),
                breaches=bool(data.get("breaches", True)),
                only_mine=bool(data.get("only_mine", False)),
                dnd_start=time.fromisoformat(start) if start else None,
                dnd_end=time.fromisoformat(end) if end else None,
                tz=str(data.get("tz", "UTC")),
            )
            ZoneInfo(prefs.tz)
        except (TypeError, ValueError, ZoneInfoNotFoundError) as exc:
            raise ConfigError(f"Notification settings are not valid: {exc}") from exc
        return prefs


@dataclass(frozen=True, slots=True)
class Notification:
    """One desktop notification; clicking it opens conversation_ids[0]."""

    title: str
    body: str
    conversation_ids: tuple[int, ...]
    kind: AlertKind


def quiet(now: datetime, prefs: NotifyPrefs) -> bool:
    """Inside the member's do-not-disturb hours (local time; 22:00-07:00 wraps midnight)."""
    if prefs.dnd_start is None or prefs.dnd_end is None or prefs.dnd_start == prefs.dnd_end:
        return False
    local = now.astimezone(ZoneInfo(prefs.tz)).time().replace(tzinfo=None)
    if prefs.dnd_start < prefs.dnd_end:
        return prefs.dnd_start <= local < prefs.dnd_end
    return local >= prefs.dnd_start or local < prefs.dnd_end


def plan(
    alerts: list[Alert], prefs: NotifyPrefs, now: datetime, me: int | None = None
) -> list[Notification]:
    """What to show: filtered by the member's settings, one notification per kind.

    A single alert names its conversation; several become one grouped
    notification whose click opens the highest-priority one.
    """
    if not prefs.enabled or quiet(now, prefs):
        return []
    out: list[Notification] = []
    for kind in (AlertKind.BREACH, AlertKind.NEW):
        chosen = [
            a
            for a in alerts
            if a.kind is kind
            and (kind is AlertKind.BREACH or a.priority >= prefs.min_priority)
            and (kind is not AlertKind.BREACH or prefs.breaches)
            and (not prefs.only_mine or a.assignee_id in (None, me))
        ]
        chosen = list({a.conversation_id: a for a in chosen}.values())  # once per conversation
        if not chosen:
            continue
        chosen.sort(key=lambda a: (-a.priority, a.conversation_id))
        ids = tuple(a.conversation_id for a in chosen)
        if len(chosen) == 1:
            title = "SLA breached" if kind is AlertKind.BREACH else "New high-priority conversation"
            body = chosen[0].title
        else:
            noun = "SLA breaches" if kind is AlertKind.BREACH else "new high-priority conversations"
            title = f"{len(chosen)} {noun}"
            body = ", ".join(a.title for a in chosen[:3]) + (" …" if len(chosen) > 3 else "")
        out.append(Notification(title, body, ids, kind))
    return out
