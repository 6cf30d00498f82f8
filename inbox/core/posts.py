"""Scheduled posts: states, approval rules and per-account checks before a post may go out.

A post moves draft -> awaiting_approval -> scheduled -> sending -> published,
or failed (with the network's message, retryable). A rejected post goes back
to draft with the approver's comment. A post whose time passed while the app
was closed becomes missed under the "ask" policy, or skipped under "skip".
Only an approved (scheduled) post is ever published.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from inbox.core.clock import from_iso, to_iso
from inbox.core.errors import ConfigError, NotAllowed
from inbox.core.schedule import MissedPolicy
from inbox.core.text import Count, graphemes


class PostState(StrEnum):
    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PUBLISHED = "published"
    FAILED = "failed"
    MISSED = "missed"  # its time passed while closed; waiting for a decision
    SKIPPED = "skipped"


EDITABLE = frozenset(
    {
        PostState.DRAFT,
        PostState.AWAITING_APPROVAL,
        PostState.SCHEDULED,
        PostState.MISSED,
        PostState.FAILED,
    }
)


class Role(StrEnum):
    ADMIN = "admin"
    APPROVER = "approver"
    CONTRIBUTOR = "contributor"


class ApprovalPolicy(StrEnum):
    """Per team: whose posts need an approver before they are scheduled."""

    CONTRIBUTORS = "contributors"
    EVERYONE = "everyone"
    NOBODY = "nobody"


def acting_role(stored: Role | None) -> Role:
    """The role a person acts with: their member's role; with no member (a one-person
    install, nobody chosen as "I am") they act as admin: nobody else could approve."""
    return Role.ADMIN if stored is None else Role(stored)


@dataclass(frozen=True, slots=True)
class TeamPolicy:
    """A team's publishing settings: whose posts need approval, what a missed post becomes."""

    approval: ApprovalPolicy = ApprovalPolicy.CONTRIBUTORS
    missed: MissedPolicy = MissedPolicy.ASK
    grace_minutes: int = 15

    def to_data(self) -> dict[str, Any]:
        return {
            "approval": str(self.approval),
            "missed": str(self.missed),
            "grace_minutes": self.grace_minutes,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None, team_id: int | None = None) -> TeamPolicy:
        """The stored settings (teams.settings_json "publishing", or the no-team setting);
        a missing key takes its default.

        Raises:
            ConfigError: a value is not one the policy knows (named with the team).
        """
        data = data or {}
        try:
            return cls(
                approval=ApprovalPolicy(data.get("approval", ApprovalPolicy.CONTRIBUTORS)),
                missed=MissedPolicy(data.get("missed", MissedPolicy.ASK)),
                grace_minutes=int(data.get("grace_minutes", 15)),
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"Bad publishing settings for team {team_id}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class PostMedia:
    """A local file to attach, with its alt text."""

    path: str
    alt: str = ""


@dataclass(frozen=True, slots=True)
class Target:
    """One account a post goes to; network decides how its length is counted."""

    account_id: int
    network: str
    handle: str = ""
    max_chars: int | None = None  # the instance's limit (Mastodon), else the network's


@dataclass(frozen=True, slots=True)
class Post:
    """A post for one or more accounts. scheduled_at is UTC; zone is the IANA zone it was
    planned in. variants override text per network ("mastodon", "bluesky", "x")."""

    text: str
    account_ids: tuple[int, ...] = ()
    id: int = 0
    team_id: int | None = None
    author_id: int | None = None
    state: PostState = PostState.DRAFT
    scheduled_at: datetime | None = None
    zone: str = "UTC"
    variants: Mapping[str, str] = field(default_factory=dict)
    media: tuple[PostMedia, ...] = ()
    link: str = ""
    review_comment: str = ""
    approved_by: int | None = None
    use_network_scheduler: bool = False
    error: str = ""
    note: str = ""  # what happened that the user should know (published late, handed over)

    def text_for(self, network: str) -> str:
        """The text sent to network: its variant, else the shared text; the link appended."""
        body = self.variants.get(network) or self.text
        if self.link and self.link not in body:
            body = f"{body}\n{self.link}" if body else self.link
        return body


def post_to_data(post: Post) -> dict[str, Any]:
    """The post as plain JSON data: what an operation (posts.submit …) carries, so the
    offline journal can store and replay it exactly. post_from_data reads it back."""
    return {
        "text": post.text,
        "account_ids": list(post.account_ids),
        "id": post.id,
        "team_id": post.team_id,
        "author_id": post.author_id,
        "state": str(post.state),
        "scheduled_at": to_iso(post.scheduled_at) if post.scheduled_at else None,
        "zone": post.zone,
        "variants": dict(post.variants),
        "media": [{"path": m.path, "alt": m.alt} for m in post.media],
        "link": post.link,
        "review_comment": post.review_comment,
        "approved_by": post.approved_by,
        "use_network_scheduler": post.use_network_scheduler,
        "error": post.error,
        "note": post.note,
    }


def _optional_int(data: Mapping[str, Any], name: str) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"A post's {name} must be a number, not {value!r}.")
    return value


def post_from_data(data: Mapping[str, Any]) -> Post:
    """A Post from post_to_data's form; missing fields take the Post defaults.

    Raises:
        ConfigError: a field has the wrong type or an unknown value (nothing is guessed).
    """
    if not isinstance(data, Mapping):
        raise ConfigError("A post must be an object of fields.")
    unknown = set(data) - set(Post.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"A post has no field {', '.join(sorted(unknown))}.")
    text = data.get("text", "")
    if not isinstance(text, str):
        raise ConfigError("A post's text must be text.")
    ids = data.get("account_ids") or []
    if not isinstance(ids, list | tuple) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise ConfigError(f"A post's account_ids must be a list of numbers, not {ids!r}.")
    variants = data.get("variants") or {}
    if not isinstance(variants, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in variants.items()
    ):
        raise ConfigError("A post's variants must map a network to its text.")
    media = data.get("media") or []
    if not isinstance(media, list | tuple) or not all(
        isinstance(m, Mapping) and isinstance(m.get("path"), str) for m in media
    ):
        raise ConfigError("A post's media must be a list of {path, alt}.")
    strings = {}
    for name in ("zone", "link", "review_comment", "error", "note"):
        value = data.get(name, Post.__dataclass_fields__[name].default)
        if not isinstance(value, str):
            raise ConfigError(f"A post's {name} must be text, not {value!r}.")
        strings[name] = value
    try:
        state = PostState(data.get("state") or PostState.DRAFT)
    except ValueError:
        raise ConfigError(f"A post cannot be {data.get('state')!r}.") from None
    when = data.get("scheduled_at")
    try:
        scheduled_at = from_iso(when) if when else None
    except (TypeError, ValueError, AttributeError):
        raise ConfigError(f"A post's time must be ISO-8601, not {when!r}.") from None
    return Post(
        text=text,
        account_ids=tuple(ids),
        id=_optional_int(data, "id") or 0,
        team_id=_optional_int(data, "team_id"),
        author_id=_optional_int(data, "author_id"),
        state=state,
        scheduled_at=scheduled_at,
        variants=dict(variants),
        media=tuple(PostMedia(str(m["path"]), str(m.get("alt") or "")) for m in media),
        approved_by=_optional_int(data, "approved_by"),
        use_network_scheduler=bool(data.get("use_network_scheduler", False)),
        **strings,
    )


def needs_approval(role: Role, policy: ApprovalPolicy) -> bool:
    if policy is ApprovalPolicy.NOBODY:
        return False
    if policy is ApprovalPolicy.EVERYONE:
        return True
    return role is Role.CONTRIBUTOR


def can_approve(role: Role) -> bool:
    return role in (Role.ADMIN, Role.APPROVER)


def submit(post: Post, role: Role, policy: ApprovalPolicy) -> Post:
    """The author asks to publish: to the approval queue or straight to the schedule.

    Raises:
        NotAllowed: the post is not a draft (or a rejected, missed or failed one).
    """
    if post.state not in (PostState.DRAFT, PostState.MISSED, PostState.FAILED):
        raise NotAllowed(f"A {post.state} post cannot be submitted.")
    if needs_approval(role, policy):
        return replace(post, state=PostState.AWAITING_APPROVAL, approved_by=None)
    return replace(post, state=PostState.SCHEDULED, review_comment="")


def approve(post: Post, approver_id: int, role: Role, *, edited_text: str | None = None) -> Post:
    """An approver accepts, optionally editing the text first.

    Raises:
        NotAllowed: role cannot approve, or the post is not awaiting approval.
    """
    if not can_approve(role):
        raise NotAllowed("Only an approver or admin can approve posts.")
    if post.state is not PostState.AWAITING_APPROVAL:
        raise NotAllowed(
            f"Only posts awaiting approval can be approved (this one is {post.state})."
        )
    text = post.text if edited_text is None else edited_text
    return replace(
        post, text=text, state=PostState.SCHEDULED, approved_by=approver_id, review_comment=""
    )


def reject(post: Post, role: Role, comment: str) -> Post:
    """An approver sends the post back to its author as a draft, with a comment.

    Raises:
        NotAllowed: role cannot approve, the post is not awaiting approval, or no comment.
    """
    if not can_approve(role):
        raise NotAllowed("Only an approver or admin can reject posts.")
    if post.state is not PostState.AWAITING_APPROVAL:
        raise NotAllowed(
            f"Only posts awaiting approval can be rejected (this one is {post.state})."
        )
    if not comment.strip():
        raise NotAllowed("Say why the post is rejected, so its author can fix it.")
    return replace(post, state=PostState.DRAFT, review_comment=comment.strip(), approved_by=None)


def edit(post: Post, role: Role, policy: ApprovalPolicy, **changes: object) -> Post:
    """Change a post; a change to a scheduled post that needs approval sends it back for review.

    Raises:
        NotAllowed: the post is sending or already published.
    """
    if post.state not in EDITABLE:
        raise NotAllowed(f"A {post.state} post cannot be changed.")
    changed = replace(post, **changes)  # type: ignore[arg-type]
    if post.state is PostState.SCHEDULED and needs_approval(role, policy):
        changed = replace(changed, state=PostState.AWAITING_APPROVAL, approved_by=None)
    return changed


# counter(network, text, limit) -> the network's Count, or None when it has no length rule;
# callers pass networks.registry.counter (core cannot look networks up).
Counter = Callable[[str, str, "int | None"], "Count | None"]


def _text_count(network: str, text: str, limit: int | None) -> Count | None:
    """Without the networks' counter (core knows no network): graphemes, no limit unless
    given, so an empty post is still found."""
    return Count(network, graphemes(text), limit if limit is not None else sys.maxsize)


def problems(
    post: Post,
    targets: Sequence[Target],
    *,
    require_alt: bool = True,
    counter: Counter | None = None,
) -> list[str]:
    """Everything that stops the post from going out, in words the user can act on."""
    found: list[str] = []
    counter = counter or _text_count
    if not targets:
        found.append("Choose at least one account.")
    for target in targets:
        c = counter(target.network, post.text_for(target.network), target.max_chars)
        if c is None:
            continue
        who = target.handle or f"account {target.account_id}"
        if c.length == 0 and not post.media:
            found.append(f"{who}: the post is empty.")
        elif c.length > c.limit:
            found.append(
                f"{who}: {c.length - c.limit} over the {c.limit} limit of {target.network}."
            )
        elif c.bytes_over:
            found.append(
                f"{who}: {c.byte_length - c.byte_limit} bytes over the {c.byte_limit}-byte "
                f"limit of {target.network}."
            )
        if c.invalid_chars:
            found.append(f"{who}: contains characters {target.network} refuses.")
    if require_alt:
        for m in post.media:
            if not m.alt.strip():
                found.append(f"Add alt text to {m.path.rsplit('/', 1)[-1]}.")
    return found


def aggregate(target_states: Sequence[str]) -> PostState:
    """A post's state from its accounts' delivery states (queued, sending, done, failed)."""
    if not target_states:
        return PostState.SCHEDULED
    if all(s == "done" for s in target_states):
        return PostState.PUBLISHED
    if any(s == "failed" for s in target_states):
        return PostState.FAILED
    return PostState.SENDING


def idempotency_key(post_id: int, account_id: int, generation: int = 0) -> str:
    """Stable per post and account, so promoting a post twice never queues it twice.

    generation grows only when a user re-publishes a post that already went out.
    """
    suffix = f"-{generation}" if generation else ""
    return f"post-{post_id}-{account_id}{suffix}"
