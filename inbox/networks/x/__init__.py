"""X (API v2): api (calls, tokens, errors), mapping (JSON -> models), adapter, oauth."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inbox.core.clock import Clock
from inbox.core.models import AccountInfo
from inbox.networks import registry
from inbox.networks.x import length
from inbox.networks.x.help import DEFAULT_PORT, OWN_APP_HELP, POLL_INTERVAL

if TYPE_CHECKING:
    from inbox.networks.x.adapter import XAdapter

NAME = "x"


def create(info: AccountInfo, token: str, **options: Any) -> XAdapter:
    """Registry factory (loads the adapter: httpx, ~1 s of imports the first paint skips)."""
    from inbox.networks.x import adapter

    return adapter.create(info, token, **options)


async def _sign_in(*args: Any, **kwargs: Any) -> tuple[AccountInfo, str]:
    from inbox.networks.x import oauth

    return await oauth.sign_in_account(*args, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "XAdapter":
        from inbox.networks.x.adapter import XAdapter

        return XAdapter
    raise AttributeError(name)


def _demo(data: Any, clock: Clock) -> tuple[AccountInfo, XAdapter]:
    from inbox.networks.x import demo

    return demo.adapter(data, clock)


CAPABILITIES = registry.Capabilities(
    name=NAME,
    label="X",
    colour="#525252",
    colour_dark="#c4c4c4",
    max_chars=length.MAX_CHARS,
    length=lambda text, spoiler, limit: length.count(text, limit),
    spans=length.spans,
    warm_up=length.warm_up,
    direct_messages=True,
    idempotency_window=None,  # no idempotency key: the adapter looks before it re-sends
    sign_in=_sign_in,
    sign_in_example="api.x.com",
    own_app_help=OWN_APP_HELP,
    callback_port=DEFAULT_PORT,
    token_hint='JSON bundle {"access_token": …, "refresh_token": …}',
    rotates_tokens=True,
    # Polling only: every 15 min keeps a Basic-tier account inside its monthly read cap.
    poll_interval=POLL_INTERVAL,
    # The adapter also refuses to call X more often than this (the loop backs off, a
    # "sync now" asks again): the user's sync.poll_interval_s reaches it through here.
    backfill={"poll_interval": POLL_INTERVAL},
    demo=_demo,
    # Muting and hiding replies are in every paid tier (scopes mute.write and
    # tweet.moderate.write); blocking is Enterprise-only, reports are not in the API.
    moderation=frozenset({"mute", "unmute", "hide_reply", "unhide_reply"}),
    moderation_unavailable={
        "block": "X offers blocking through its API only on the Enterprise plan: block on "
        "x.com, or mute here.",
        "unblock": "X offers unblocking through its API only on the Enterprise plan: "
        "unblock on x.com.",
        "report": "X has no API for reports: report the post on x.com.",
    },
    search="recent posts (the last 7 days), where the X plan includes search",
)

registry.register(CAPABILITIES, create)

__all__ = ["CAPABILITIES", "XAdapter", "create"]
