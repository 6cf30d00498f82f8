"""Bluesky (AT Protocol): xrpc (calls, session, errors), identity (sign-in, PDS discovery),
mapping (JSON -> models), richtext (facets), records (rkeys, images), adapter, demo.

Plain httpx, not the `atproto` SDK: importing the SDK takes seconds (pydantic models
of every lexicon, cryptography, dnspython), and the adapter needs a dozen endpoints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inbox.core.clock import Clock
from inbox.core.models import AccountInfo
from inbox.networks import registry
from inbox.networks.bluesky import length

if TYPE_CHECKING:
    from inbox.networks.bluesky.adapter import BlueskyAdapter

NAME = "bluesky"


def create(info: AccountInfo, token: str, **options: Any) -> BlueskyAdapter:
    """Registry factory (loads the adapter: httpx, ~1 s of imports the first paint skips)."""
    from inbox.networks.bluesky import adapter

    return adapter.create(info, token, **options)


def __getattr__(name: str) -> Any:
    if name == "BlueskyAdapter":
        from inbox.networks.bluesky.adapter import BlueskyAdapter

        return BlueskyAdapter
    raise AttributeError(name)


SIGN_IN_HELP = (
    "<p>Use an <b>app password</b>, never your account password. Make one in Bluesky: "
    "<i>Settings → Privacy and security → App passwords → Add App Password</i>.</p>"
    "<p>To see <b>direct messages</b> here, tick <i>“Allow access to your direct "
    "messages”</i> when you make it; without it, mentions and replies still work.</p>"
)


async def _sign_in(
    http: Any, identifier: str, password: str, service: str | None = None, **resolve: str
) -> tuple[AccountInfo, str]:
    from inbox.networks.bluesky import identity

    return await identity.sign_in_account(http, identifier, password, service, **resolve)


def _demo(data: Any, clock: Clock) -> tuple[AccountInfo, BlueskyAdapter]:
    from inbox.networks.bluesky import demo

    return demo.adapter(data, clock)


CAPABILITIES = registry.Capabilities(
    name=NAME,
    label="Bluesky",
    colour="#1185fe",
    colour_dark="#5aa9ff",
    max_chars=300,  # graphemes; also at most 3000 UTF-8 bytes (Count.bytes_over)
    length=lambda text, spoiler, limit: length.count(text, limit),
    spans=length.spans,
    visibilities=(),  # every post is public
    content_warning=False,  # self-labels exist, but not as a spoiler text
    direct_messages=True,  # chat.bsky.convo through the PDS, with a privileged app password
    # No idempotency key, but the rkey (a TID made once per outbox row) and getRecord make
    # every retry safe for as long as the row lives: no window to expire.
    idempotency_window=None,
    backfill={"window_days": 7.0, "window_items": 800.0},
    server_scheduling=False,
    link_cards=True,  # the client builds app.bsky.embed.external (linkcard.py)
    poll_interval=30.0,  # notifications have no stream; listNotifications is cheap
    password_sign_in=_sign_in,
    sign_in_help=SIGN_IN_HELP,
    sign_in_example="alice.bsky.social",
    rotates_tokens=True,  # refreshSession rotates the refresh JWT
    demo=_demo,
    # Block = an app.bsky.graph.block record, mute = muteActor, report = createReport,
    # hide a reply = hiddenReplies in the root post's threadgate (only in our own threads).
    moderation=frozenset(
        {"block", "unblock", "mute", "unmute", "report", "hide_reply", "unhide_reply"}
    ),
    search="posts, words and #hashtags across the whole network (the AppView's search)",
)

registry.register(CAPABILITIES, create)

__all__ = ["CAPABILITIES", "BlueskyAdapter", "create"]
