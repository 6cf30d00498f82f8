"""Echo: the smallest whole network, and the skeleton a new one starts from.

A network is this one package plus one registration call. To add a real one, copy
this folder to inbox/networks/<name>/, rename NAME, fill in the capabilities, and make
the adapter speak the network's API (keep JSON -> models in a mapping module and HTTP
in an api module, as networks/mastodon does). Add <name> to registry.PACKAGES so the
app lists it; nothing outside the package changes.

Echo lives only in tests (tests/networks/echo/test_echo.py registers it): its
"server" is an in-memory inbox a test fills and a list of what was sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from inbox.core.errors import ConfigError
from inbox.core.models import AccountInfo, Contact, Direction, Kind, Message
from inbox.core.text import Count, Span
from inbox.networks import registry
from inbox.networks.base import DMS, MENTIONS, Limits, Outgoing, Page, Sent

NAME = "echo"
MAX_CHARS = 42


@dataclass
class EchoServer:
    """The network's state: messages waiting to be fetched, and what was sent."""

    inbox: list[Message] = field(default_factory=list)
    sent: list[Outgoing] = field(default_factory=list)

    def mention(self, remote_id: str, text: str, author: str = "alice") -> Message:
        message = Message(
            remote_id=remote_id,
            conversation_key=f"echo:{remote_id}",
            kind=Kind.MENTION,
            direction=Direction.IN,
            author=Contact(NAME, author, author, author.title()),
            text=text,
            html=text,
            created_at=datetime.now(UTC),
        )
        self.inbox.append(message)
        return message


SERVER = EchoServer()


class EchoAdapter:
    """One signed-in Echo account (NetworkAdapter)."""

    network = NAME

    def __init__(self, info: AccountInfo, token: str, **options: Any) -> None:
        self.info = info
        self.token = token

    async def verify(self) -> AccountInfo:
        return self.info

    async def fetch(self, stream: str, cursor: str | None) -> Page[Message]:
        if stream == DMS:
            return Page((), cursor)
        start = int(cursor or 0)
        items = tuple(SERVER.inbox[start:])
        return Page(items, str(start + len(items)))

    async def send(self, outgoing: Outgoing) -> Sent:
        SERVER.sent.append(outgoing)
        return Sent(remote_id=f"sent-{len(SERVER.sent)}")

    async def limits(self) -> Limits:
        return Limits(max_chars=MAX_CHARS)

    async def aclose(self) -> None:
        pass


def _length(text: str, spoiler: str, limit: int) -> Count:
    return Count(NAME, len(text), limit)


def _spans(text: str) -> list[Span]:
    return []


async def _sign_in(
    http: Any, instance: str, open_browser: Any, *, apps: Any, ask_code: Any = None, token=None
) -> tuple[AccountInfo, str]:
    if not token:
        raise ConfigError("Echo signs in with a token only.")
    return AccountInfo(NAME, instance, "1", f"me@{instance}", "Me"), token


CAPABILITIES = registry.Capabilities(
    name=NAME,
    label="Echo",
    colour="#00a000",
    colour_dark="#60e060",
    max_chars=MAX_CHARS,
    length=_length,
    spans=_spans,
    direct_messages=False,
    sign_in=_sign_in,
    sign_in_example="echo.test",
)


def register() -> None:
    """The one call that makes Echo known (a real network makes it in its __init__)."""
    registry.register(CAPABILITIES, lambda info, token, **options: EchoAdapter(info, token))


__all__ = ["CAPABILITIES", "MENTIONS", "SERVER", "EchoAdapter", "register"]
