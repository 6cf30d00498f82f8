"""Mastodon: api (calls, error translation), mapping (JSON -> models), adapter, oauth, streaming."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from inbox.core.clock import Clock
from inbox.core.models import AccountInfo
from inbox.networks import registry
from inbox.networks.mastodon import length

if TYPE_CHECKING:
    from inbox.networks.mastodon.adapter import MastodonAdapter

NAME = "mastodon"

# The adapter and sign-in (httpx, websockets: ~1 s of imports) load on first use: the
# deck's first paint needs only the capabilities (label, colour).


def create(info: AccountInfo, token: str, **options: Any) -> MastodonAdapter:
    """Registry factory (loads the adapter)."""
    from inbox.networks.mastodon import adapter

    return adapter.create(info, token, **options)


async def _sign_in(*args: Any, **kwargs: Any) -> tuple[AccountInfo, str]:
    from inbox.networks.mastodon import oauth

    return await oauth.sign_in_account(*args, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "MastodonAdapter":
        from inbox.networks.mastodon.adapter import MastodonAdapter

        return MastodonAdapter
    raise AttributeError(name)


def _demo(data: Any, clock: Clock) -> tuple[AccountInfo, MastodonAdapter]:
    from inbox.networks.mastodon import demo

    return demo.adapter(data, clock)


CAPABILITIES = registry.Capabilities(
    name=NAME,
    label="Mastodon",
    colour="#6364ff",
    colour_dark="#9a9bff",
    max_chars=500,  # the default; each server reports its own max_characters
    length=lambda text, spoiler, limit: length.count(text, spoiler, limit),
    spans=length.spans,
    warm_up=length.warm_up,
    limits_per_instance=True,
    visibilities=("public", "unlisted", "private", "direct"),
    content_warning=True,
    direct_messages=True,
    # The server remembers an Idempotency-Key for one hour; keep a margin.
    idempotency_window=timedelta(minutes=55),
    backfill={"window_days": 7.0, "window_items": 800.0},
    server_scheduling=True,  # scheduled_at, at least 5 minutes ahead
    sign_in=_sign_in,
    demo=_demo,
    sign_in_example="mastodon.social",
    moderation=frozenset({"block", "unblock", "mute", "unmute", "report"}),
    moderation_unavailable={
        "hide_reply": "Mastodon cannot hide a reply to your post; block, mute or report "
        "the account instead.",
        "unhide_reply": "Mastodon cannot hide replies, so there is none to show again.",
    },
    token_hint="Access token from Preferences → Development",
    search="#hashtags on every server; words and names only where the server offers "
    "full-text search (and only posts whose authors allow it)",
    global_ids=False,  # status ids are per server
)

registry.register(CAPABILITIES, create)

__all__ = ["CAPABILITIES", "MastodonAdapter", "create"]
