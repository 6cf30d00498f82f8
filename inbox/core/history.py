"""A conversation's history in words: "Alex replied", "Sam tagged refund, vip".

The audit log stores who (a member's name, an account handle, or a word for the
program itself) and an action name with its details; people read sentences.
Every action any operation audits has a sentence here; an unknown one still
reads as words ("post scheduled"), never as an internal name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from inbox.core import moderation
from inbox.core.clock import from_iso

# Actors that are not a person's name: the one-person install, the CLI, old rows.
YOU = frozenset({"", "someone", "local", "user", "cli", "You"})
# The program acting on its own (outbox handlers, sweeps): the sentence has no subject.
PROGRAM = frozenset({"engine", "system", "sync"})

Detail = Mapping[str, Any]
# Audited, but not history a person reads (opening a conversation marks it read).
QUIET = frozenset({"conversations.mark_read"})


def _when(value: Any) -> str:
    try:
        return f"{from_iso(str(value)).astimezone():%a %d %b %H:%M}"
    except ValueError:
        return str(value)


def _names(values: Any) -> str:
    return ", ".join(str(v) for v in values) if isinstance(values, list | tuple) else ""


def _tag(d: Detail) -> str:
    added, removed = _names(d.get("add", [])), _names(d.get("remove", []))
    if added and removed:
        return f"tagged {added} and removed {removed}"
    return f"tagged {added}" if added else f"removed the tag {removed}"


_STATUS = {
    "resolved": "resolved it",
    "open": "reopened it",
    "pending": "marked it waiting on the customer",
    "new": "marked it new",
}


def _sentences(
    members: Mapping[int, str], teams: Mapping[int, str]
) -> dict[str, Callable[[Detail], str]]:
    def who(member_id: Any) -> str:
        return members.get(member_id, "a team member") if isinstance(member_id, int) else ""

    return {
        "status": lambda d: _STATUS.get(str(d.get("status")), f"marked it {d.get('status')}"),
        "assign": lambda d: (
            f"assigned it to {who(d['assignee_id'])}" if d.get("assignee_id") else "unassigned it"
        ),
        "team": lambda d: (
            f"routed it to {teams.get(d['team_id'], 'a team')}"
            if d.get("team_id")
            else "removed the team"
        ),
        "snooze": lambda d: f"snoozed it until {_when(d.get('until', ''))}",
        "unsnooze": lambda d: "woke it up",
        "tag": _tag,
        "spam": lambda d: "marked it spam",
        "not_spam": lambda d: "marked it not spam",
        "vip": lambda d: "marked the author VIP" if d.get("vip") else "unmarked the author VIP",
        "priority": lambda d: f"set its priority to {d.get('priority')}",
        "note": lambda d: "added an internal note",
        "undo": lambda d: f"undid “{d.get('undid', 'the last change')}”",
        "reply.queue": lambda d: "wrote a reply",
        "outbox.retry": lambda d: "sent it again",
        "reply.sent": lambda d: "replied",
        "reply.elsewhere": lambda d: "replied from another app",
        "reply.despite_answer": lambda d: (
            "replied although "
            + " and ".join(map(str, d.get("by") or ["someone"]))
            + " had answered meanwhile"
        ),
        "ticket.created": lambda d: (
            f"Ticket {d.get('remote_id', '')} opened in {d.get('connector', 'the desk')}"
        ),
        "article.published": lambda d: f"Article published in {d.get('connector', '')}".strip(),
        "reply.held": lambda d: (
            "wrote a reply held for approval ("
            + ", ".join(str(g) for g in d.get("guidelines", []))
            + ")"
        ),
        "reply.approved": lambda d: "approved a held reply",
        # Operations audited by ops.run under their own name, with the conversation as subject.
        "connectors.push": lambda d: f"pushed it to {d.get('connector') or 'the desk'}",
        "connectors.article": lambda d: (
            f"wrote the article “{(d.get('article') or {}).get('title', '')}”"
            f" for {d.get('connector') or 'the knowledge base'}"
        ),
        "suggestions.use": lambda d: "answered with a suggested answer",
        "outbox.cancel": lambda d: "cancelled a reply before it was sent",
        "outbox.send_now": lambda d: "sent a waiting reply at once",
        "sla.breached": lambda d: f"Missed its response time (due {_when(d.get('due_at', ''))})",
        "reply.rejected": lambda d: f"sent a held reply back: {d.get('comment', '')}",
        **{f"moderation.{a}": _moderated(a) for a in moderation.ACTIONS},
        **{f"moderation.{a}.done": _moderation_done(a) for a in moderation.ACTIONS},
    }


def _moderated(action: str) -> Callable[[Detail], str]:
    def sentence(d: Detail) -> str:
        why = str(d.get("guideline") or "")
        reason = str(d.get("reason") or "")
        if why and reason:
            why = f"{why}: {reason}"
        tail = f" ({why or reason})" if why or reason else ""
        return f"{moderation.DONE[action].lower()} @{str(d.get('handle', '')).lstrip('@')}{tail}"

    return sentence


def _moderation_done(action: str) -> Callable[[Detail], str]:
    noun = {"hide_reply": "hiding the reply", "unhide_reply": "showing the reply"}.get(
        action, action
    )
    return lambda d: f"{noun} of @{str(d.get('handle', '')).lstrip('@')} went through"


def describe(
    actor: str,
    action: str,
    detail: Detail,
    members: Mapping[int, str] | None = None,
    teams: Mapping[int, str] | None = None,
) -> str:
    """One history line without its time, e.g. "Alex replied" or "You resolved it"."""
    words = _sentences(members or {}, teams or {}).get(action)
    what = words(detail) if words else action.replace("_", " ").replace(".", " ")
    if actor.startswith("member:"):  # ops.actor: the member's id, named here
        number = actor.removeprefix("member:")
        actor = (members or {}).get(int(number), "A team member") if number.isdigit() else ""
    if actor in PROGRAM or action in ("ticket.created", "article.published"):
        return what[:1].upper() + what[1:]
    return f"{'You' if actor in YOU else actor} {what}"


def lines(
    entries: Sequence[tuple[datetime, str, str, Detail]],
    members: Mapping[int, str] | None = None,
    teams: Mapping[int, str] | None = None,
) -> list[tuple[datetime, str]]:
    """(time, sentence) per entry; "wrote a reply" is left out once that reply was sent."""
    sent = {d.get("outbox_id") for _, _, a, d in entries if a == "reply.sent"}
    out = []
    for at, actor, action, detail in entries:
        if action == "reply.queue" and detail.get("outbox_id") in sent:
            continue
        if action in QUIET:
            continue
        out.append((at, describe(actor, action, detail, members, teams)))
    return out
