"""Priority and routing: what ingest decides for a conversation from its messages.

The foundation ships a small fixed policy; the triage rules engine replaces
`default_decide` with user-editable ordered rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from inbox.core.models import Kind, Message, Status


@dataclass(frozen=True)
class Decision:
    """What the rules decided for one inbound message's conversation."""

    priority: int = 0
    explain: tuple[tuple[str, int], ...] = ()  # (rule name, points) that fired
    team_id: int | None = None
    assignee_id: int | None = None
    tags: tuple[str, ...] = ()
    status: Status | None = None
    hidden: bool = False


Decide = Callable[[Message], Decision]


def default_decide(message: Message) -> Decision:
    """A fixed starting policy: DMs and questions first."""
    fired: list[tuple[str, int]] = []
    if message.kind is Kind.DM:
        fired.append(("Direct message", 30))
    if "?" in message.text:
        fired.append(("Asks a question", 10))
    return Decision(priority=sum(points for _, points in fired), explain=tuple(fired))
