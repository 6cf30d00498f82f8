"""X (API v2): api (calls, tokens, errors), mapping (JSON -> models), adapter, oauth."""

from typing import Any

from inbox.core import text as core_text
from inbox.core.clock import Clock
from inbox.core.models import AccountInfo
from inbox.networks import registry
from inbox.networks.x import oauth
from inbox.networks.x.adapter import XAdapter, create

NAME = "x"


def _demo(data: Any, clock: Clock) -> tuple[AccountInfo, XAdapter]:
    from inbox.networks.x import demo

    return demo.adapter(data, clock)


CAPABILITIES = registry.Capabilities(
    name=NAME,
    label="X",
    colour="#525252",
    colour_dark="#c4c4c4",
    max_chars=280,
    length=lambda text, spoiler, limit: core_text.count(NAME, text, limit=limit),
    spans=lambda text: core_text.spans(NAME, text),
    direct_messages=True,
    idempotency_window=None,  # no idempotency key: the adapter looks before it re-sends
    sign_in=oauth.sign_in_account,
    sign_in_example="api.x.com",
    own_app_help=oauth.OWN_APP_HELP,
    token_hint='JSON bundle {"access_token": …, "refresh_token": …}',
    rotates_tokens=True,
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
