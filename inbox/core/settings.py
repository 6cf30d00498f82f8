"""Every setting the app stores, declared once: name, type, default, description, scope.

Reading or writing a name that is not declared here raises UnknownSetting, so a
typo cannot silently read a default forever. ``Store.setting(name)`` returns the
stored value or the declared default; ``Store.set_setting`` checks the type.
tests/unit/core/test_settings.py scans the code for setting names and checks
each is declared.

Scopes: "profile" (this profile's database), "member" (one team member's
preferences, members.settings_json), "team" (one team's), "laptop" (this computer's:
in a local profile's database like "profile", but on a team server each laptop keeps
its own in the profile folder, so two people on one database are never one another).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from inbox.core.errors import ConfigError

Scope = Literal["profile", "member", "team", "laptop"]


class UnknownSetting(ConfigError):
    """A setting name that is not declared in core.settings."""


@dataclass(frozen=True)
class Setting:
    name: str
    type: type | tuple[type, ...]
    default: Any
    description: str
    scope: Scope = "profile"
    internal: bool = False  # bookkeeping, not shown in preferences
    choices: tuple[Any, ...] = ()  # the only values allowed, when given


NONE = type(None)

_DECLARED = (
    Setting(
        "current_member",
        (int, NONE),
        None,
        "The team member working in this profile: named in the audit log, {agent_name} in "
        "replies, and who approves posts.",
        scope="laptop",
    ),
    Setting(
        "sync.poll_interval_s",
        (int, float, NONE),
        None,
        "Seconds between checks for new messages when a network does not stream (empty: "
        "each network's own pace: 30 to 60 s, X 15 min to stay inside the Basic plan's "
        "read cap).",
    ),
    Setting("sync.streaming", bool, True, "Use the network's streaming API where it has one."),
    Setting(
        "monitoring.poll_interval_s",
        (int, float),
        300.0,
        "Seconds between fetches of each search column (X is asked at most every 15 minutes).",
    ),
    Setting(
        "sync.backfill_days",
        (int, float, NONE),
        None,
        "How many days back the first sync of an account reaches (empty: the network's default).",
    ),
    Setting(
        "sync.backfill_items",
        (int, NONE),
        None,
        "How many items the first sync of an account fetches at most (empty: the network's "
        "default).",
    ),
    Setting(
        "publishing.require_alt_text", bool, True, "Refuse to publish images without alt text."
    ),
    Setting(
        "publishing.link_cards",
        bool,
        True,
        "Show a preview card (the page's title, description and picture) for the first link "
        "of a post without images, on networks where the app makes the card.",
    ),
    Setting(
        "publishing.default_policy",
        dict,
        {},
        "Approval and missed-post policy for posts of no team.",
    ),
    Setting(
        "publishing.display_zone",
        (str, NONE),
        None,
        "Time zone the calendar and schedule show (empty: the system's).",
    ),
    Setting(
        "deck.column_widths",
        dict,
        {},
        "Each deck column's width (narrow, medium, wide) by column id.",
    ),
    Setting("sla.default", (dict, str, NONE), None, "Response-time policy for no team."),
    Setting(
        "triage.rules_seeded",
        bool,
        False,
        "The default triage rules were added once.",
        internal=True,
    ),
    Setting(
        "connectors.profile_id",
        (str, NONE),
        None,
        "A random id of this profile that keeps ticket markers unique.",
        internal=True,
    ),
    Setting(
        "desktop.close_to_tray",
        (bool, NONE),
        None,
        "Closing the window keeps the app running in the tray (empty: ask the first time).",
    ),
    Setting(
        "desktop.start_minimised",
        bool,
        False,
        "Start in the tray (or minimised where there is no tray) instead of showing the window.",
    ),
    Setting(
        "ui.theme",
        str,
        "system",
        "Colour scheme: follow the system, or always light or dark.",
        choices=("system", "light", "dark"),
    ),
    Setting(
        "deck.column_widths",
        dict,
        {},
        "Width of each deck column by column id: narrow, medium or wide.",
        internal=True,
    ),
    Setting(
        "desktop.start_at_login",
        bool,
        False,
        "Start with the desktop session (an XDG autostart entry opens this profile).",
    ),
    Setting(
        "suggest.article_after",
        int,
        3,
        "Offer to write a knowledge-base article when this many solved conversations were "
        "answered alike within suggest.article_days and no article covers them (0: never).",
    ),
    Setting(
        "suggest.article_days",
        int,
        14,
        "The period, in days, in which alike answers are counted for suggest.article_after.",
    ),
)

SETTINGS: dict[str, Setting] = {s.name: s for s in _DECLARED}


def declared(name: str) -> Setting:
    """The declaration of name.

    Raises:
        UnknownSetting: name is not declared.
    """
    try:
        return SETTINGS[name]
    except KeyError:
        raise UnknownSetting(f"No setting named {name!r}.") from None


def check(name: str, value: Any) -> Any:
    """value, if it fits the declared type of name.

    Raises:
        UnknownSetting: name is not declared.
        ConfigError: value has the wrong type.
    """
    setting = declared(name)
    if isinstance(value, bool) and bool not in _types(setting.type):
        raise ConfigError(f"{name} takes {_names(setting.type)}, not {value!r}.")
    if not isinstance(value, setting.type):
        raise ConfigError(f"{name} takes {_names(setting.type)}, not {value!r}.")
    if setting.choices and value not in setting.choices:
        raise ConfigError(f"{name} takes one of {', '.join(map(str, setting.choices))}.")
    return value


def _types(t: type | tuple[type, ...]) -> tuple[type, ...]:
    return t if isinstance(t, tuple) else (t,)


def _names(t: type | tuple[type, ...]) -> str:
    return " or ".join("nothing" if x is NONE else x.__name__ for x in _types(t))
