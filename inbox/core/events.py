"""Events the engine publishes: what changed, progress of long work, errors."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Changed:
    """What an operation changed; each view takes what concerns it."""

    conversations: frozenset[int] = frozenset()
    columns: bool = False
    accounts: bool = False
    outbox: bool = False
    posts: bool = False
    rules: bool = False  # the triage rules were edited
    teams: bool = False  # teams, members or the current member changed
    templates: bool = False  # saved replies
    settings: bool = False  # a declared setting (core.settings)
    # Who started it: "user" (the window), "cli", "engine" (loops, rules); "" unknown.
    initiator: str = ""

    def __or__(self, other: Changed) -> Changed:
        return Changed(
            conversations=self.conversations | other.conversations,
            columns=self.columns or other.columns,
            accounts=self.accounts or other.accounts,
            outbox=self.outbox or other.outbox,
            posts=self.posts or other.posts,
            rules=self.rules or other.rules,
            teams=self.teams or other.teams,
            templates=self.templates or other.templates,
            settings=self.settings or other.settings,
            initiator=self.initiator or other.initiator,
        )

    def __bool__(self) -> bool:
        return bool(self.conversations) or any(
            (
                self.columns,
                self.accounts,
                self.outbox,
                self.posts,
                self.rules,
                self.teams,
                self.templates,
                self.settings,
            )
        )


@dataclass(frozen=True)
class Progress:
    """Long work advancing; total 0 means unknown."""

    task: str
    done: int
    total: int = 0
    label: str = ""


@dataclass(frozen=True)
class ErrorEvent:
    """A failure to show the user; message is already user-facing."""

    message: str
    account_id: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class AccountStatus:
    """An account's sync state changed (ok, syncing, needs_signin, rate_limited, offline)."""

    account_id: int
    status: str
    detail: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchStatus:
    """A monitoring search's fetch state changed (new, fetching, ok, error); its column
    header shows it. detail: what the networks said, in words."""

    search_id: int
    state: str
    detail: str = ""
    fetched_at: str | None = None


Event = Changed | Progress | ErrorEvent | AccountStatus | SearchStatus
