"""Every network the app knows: its capabilities and its adapter factory, by name.

A network is one package, ``inbox/networks/<name>/``, whose ``__init__`` makes
one call::

    registry.register(Capabilities(name="mastodon", label="Mastodon", ...), create)

Code outside ``inbox/networks/`` never names a network: it asks this registry
(``capabilities(account.network).visibility``, ``label(network)``,
``count(network, text)``). ``capabilities()`` imports the package on first use,
so a package registers itself when it is first needed; ``known()`` imports every
package listed in ``PACKAGES`` (and any registered by tests) for lists such as
the composer's variant tabs.

Networks whose package is not written yet are registered from ``stubs.py``
(capabilities only, replayed by the demo); a package of the same name replaces
its stub.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from inbox.core.errors import NotSupported
from inbox.core.text import Count, Span

if TYPE_CHECKING:
    from inbox.core.clock import Clock
    from inbox.core.models import AccountInfo
    from inbox.networks.base import Limits, NetworkAdapter

# The network packages shipped with the app, in the order lists show them.
PACKAGES = ("mastodon", "bluesky", "x")

# factory(account info, secret token, **options) -> adapter
AdapterFactory = Callable[..., "NetworkAdapter"]
# length(text, spoiler, limit) -> Count, the network's own way of counting
LengthRule = Callable[[str, str, int], Count]
SpanRule = Callable[[str], list[Span]]
# sign_in(http, instance, open_browser, *, apps, ask_code=None, token=None) -> (info, token)
SignIn = Callable[..., Awaitable[tuple["AccountInfo", str]]]
# password_sign_in(http, identifier, password, service) -> (info, session token JSON)
PasswordSignIn = Callable[..., Awaitable[tuple["AccountInfo", str]]]
DemoReplay = Callable[[dict[str, Any], "Clock"], tuple["AccountInfo", "NetworkAdapter"]]


@dataclass(frozen=True)
class Capabilities:
    """What one network is and offers; the UI, engine and CLI read these, never a name."""

    name: str  # the id stored in accounts.network
    label: str  # shown to people ("Mastodon")
    colour: str  # the network's mark on a light background
    colour_dark: str  # … on a dark background
    max_chars: int  # default post length limit
    length: LengthRule  # counts a text the network's way
    spans: SpanRule  # mentions, hashtags, links to highlight
    limits_per_instance: bool = False  # each server reports its own limit (Limits.max_chars)
    visibilities: tuple[str, ...] = ()  # post visibilities it supports (empty: public only)
    content_warning: bool = False  # spoiler text on a post
    direct_messages: bool = True
    # How long the network remembers an idempotency key; None: it does not dedupe retries.
    idempotency_window: timedelta | None = None
    # First sync back-fill: adapter options (window_days, window_items); empty: not used.
    backfill: dict[str, float] = field(default_factory=dict)
    # The server can hold a post and publish it at scheduled_at itself.
    server_scheduling: bool = False
    # The posting app builds a link's preview card (the network does not): the engine
    # passes the adapter link_cards=<setting publishing.link_cards>.
    link_cards: bool = False
    # Seconds between polls when nothing streams; settings sync.poll_interval_s overrides.
    poll_interval: float = 60.0
    # How to sign in from the accounts dialog and `accounts add`; None: not from the app.
    sign_in: SignIn | None = None
    sign_in_example: str = ""  # placeholder for where to sign in ("mastodon.social")
    # Rich text saying where users register their own app: non-empty means the sign-in asks
    # for that app's Client ID (and a confidential client's secret, kept in the keyring).
    own_app_help: str = ""
    # The loopback port of the callback registered with that app (X compares it exactly).
    callback_port: int = 0
    token_hint: str = "Access token"  # what the "use a token" field takes
    # Sign-in with a handle and an (app) password instead of a browser; None: not offered.
    password_sign_in: PasswordSignIn | None = None
    sign_in_help: str = ""  # rich text the password sign-in page shows (where to get one)
    # demo(recording JSON, clock) -> (info, adapter) replaying a demo recording in the
    # network's own payload shape; None: the demo replays the normalized recording.
    demo: DemoReplay | None = None
    stub: bool = False  # registered from stubs.py: no adapter of its own yet
    # The token is a bundle whose refresh token rotates: the engine hands the adapter
    # save_token(bundle) (the keyring) and the app's client_secret, if it has one.
    rotates_tokens: bool = False
    # Moderation actions (core.moderation names) the adapter's moderate() carries out, and
    # for actions it does not, the words saying why (the window and the CLI show them).
    moderation: frozenset[str] = frozenset()
    moderation_unavailable: Mapping[str, str] = field(default_factory=dict)

    def moderation_refusal(self, action: str) -> str:
        """Why action cannot be done on this network ("" when it can)."""
        if action in self.moderation:
            return ""
        return self.moderation_unavailable.get(action) or (
            f"{self.label} does not offer this through its API."
        )

    # What a monitoring search covers on this network (shown in the search column
    # dialog); empty: the adapter cannot search.
    search: str = ""
    # Post ids are the same on every server of the network (not per instance), so
    # a post found through one account is the same item under another.
    global_ids: bool = True

    # Compile the length rule ahead of the first key press (a background thread calls it).
    warm_up: Callable[[], None] | None = None

    def count(self, text: str, *, spoiler: str = "", limit: int | None = None) -> Count:
        return self.length(text, spoiler if self.content_warning else "", limit or self.max_chars)

    def default_limits(self) -> Limits:
        from inbox.networks.base import Limits

        return Limits(max_chars=self.max_chars)


_CAPABILITIES: dict[str, Capabilities] = {}
_FACTORIES: dict[str, AdapterFactory] = {}
_TRIED: set[str] = set()  # names whose package import was attempted


def register(capabilities: Capabilities, factory: AdapterFactory | None = None) -> None:
    """Make a network known: its capabilities and (unless a stub) how to build its adapter."""
    _CAPABILITIES[capabilities.name] = capabilities
    if factory is not None:
        _FACTORIES[capabilities.name] = factory


def unregister(name: str) -> None:
    """Forget a network (tests that register one of their own)."""
    _CAPABILITIES.pop(name, None)
    _FACTORIES.pop(name, None)
    _TRIED.discard(name)


def _load(name: str) -> None:
    if name in _TRIED or not name.isidentifier():
        return
    _TRIED.add(name)
    try:
        importlib.import_module(f"inbox.networks.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"inbox.networks.{name}":
            raise
    if name not in _CAPABILITIES:
        from inbox.networks import stubs

        stubs.register_stub(name)


def capabilities(name: str) -> Capabilities:
    """The capabilities of network name.

    Raises:
        NotSupported: no package or stub declares it.
    """
    if name not in _FACTORIES:
        _load(name)
    try:
        return _CAPABILITIES[name]
    except KeyError:
        raise NotSupported(f"This app does not know the network {name!r}") from None


def find(name: str) -> Capabilities | None:
    """capabilities(name), or None for a network this build does not know."""
    with contextlib.suppress(NotSupported):
        return capabilities(name)
    return None


def known() -> tuple[Capabilities, ...]:
    """Every known network: the shipped packages first, then any registered later."""
    for name in PACKAGES:
        find(name)
    order = {name: i for i, name in enumerate(PACKAGES)}
    return tuple(sorted(_CAPABILITIES.values(), key=lambda c: (order.get(c.name, 99), c.name)))


def adapter_factory(name: str) -> AdapterFactory:
    """How to build an adapter for network name.

    Raises:
        NotSupported: the network has no adapter (unknown, or only a stub).
    """
    capabilities(name)
    try:
        return _FACTORIES[name]
    except KeyError:
        raise NotSupported(f"No adapter for network {name!r}") from None


def signing_in() -> tuple[Capabilities, ...]:
    """The networks the app can sign in to itself (browser/token or password)."""
    return tuple(c for c in known() if c.sign_in is not None or c.password_sign_in is not None)


def label(name: str) -> str:
    """The network's name as people write it; an unknown id is title-cased."""
    caps = find(name)
    return caps.label if caps is not None else name.title()


def colour(name: str, dark: bool = False) -> str:
    caps = find(name)
    if caps is None:
        return "#adb5bd" if dark else "#868e96"
    return caps.colour_dark if dark else caps.colour


def count(name: str, text: str, *, spoiler: str = "", limit: int | None = None) -> Count | None:
    """Count text the network's way, or None for a network without a length rule."""
    caps = find(name)
    return None if caps is None else caps.count(text, spoiler=spoiler, limit=limit)


def counter(name: str, text: str, limit: int | None) -> Count | None:
    """core.posts.Counter: count(name, text, limit=limit)."""
    return count(name, text, limit=limit)


def spans(name: str, text: str) -> list[Span]:
    caps = find(name)
    return [] if caps is None else caps.spans(text)


_warming: list[threading.Timer] = []


def warm_up(delay: float = 3.0) -> None:
    """Compile every network's length rule on a background thread after delay seconds.

    The first count otherwise pays for it (0.3-2 s of regex compilation for X's and
    Mastodon's URL rules, more on a busy machine) on whichever thread counts first: the
    GUI's, at the first key typed in a reply box. Starts once per process; a daemon.
    """
    if _warming:
        return
    hooks = [c.warm_up for c in known() if c.warm_up is not None]
    timer = threading.Timer(delay, lambda: [hook() for hook in hooks])
    timer.daemon = True
    timer.name = "text-warm-up"
    _warming.append(timer)
    timer.start()


def searching() -> tuple[Capabilities, ...]:
    """The networks a monitoring column can search."""
    return tuple(c for c in known() if c.search)


def option_defaults(name: str) -> dict[str, Any]:
    """Adapter options the network declares (the first sync's back-fill window)."""
    caps = find(name)
    return dict(caps.backfill) if caps is not None else {}
