"""Posts and replies from the user's side, as named operations.

The publishing workflow (who may approve, what a missed post becomes, what the network's
own scheduler must be told) is engine/publishing.py's, over core.posts' approval rules;
these operations give each decision a name and plain-data arguments, so the approval
queue, the calendar and the composer run the same ones as `social-inbox schedule …`
and `reply`. The workflow functions write their own audit rows (post.approved …) and
publish what changed, so most operations here are `audited` and return an empty Changed.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from inbox.core.clock import from_iso
from inbox.core.errors import ConfigError
from inbox.core.events import Changed
from inbox.core.posts import Post, PostState, post_from_data
from inbox.engine import replies
from inbox.engine.ops import Op, Outcome, operation

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine


def _publishing() -> ModuleType:
    """inbox.engine.publishing on first use (kept out of the window's start-up imports)."""
    from inbox.engine import publishing

    return publishing


DONE = Changed()  # the workflow function published what changed


def _cancel(post: Post, member_id: int | None) -> Op | None:
    """Undo of a submit or a queue add: take the post off again (it stays a draft)."""
    if post.state not in (PostState.AWAITING_APPROVAL, PostState.SCHEDULED):
        return None
    return Op("posts.cancel", {"post_id": post.id, "member_id": member_id})


# A post travels as core.posts.post_to_data; key is the client's key for a new post (the
# composer makes one per window, `post` one per run), so the offline journal's replay,
# or the same click twice, finds the post the first run made instead of making another.


@operation("posts.save_draft", label="save draft", audited=True)
def save_draft(engine: Engine, post: dict[str, Any], key: str = "") -> Outcome:
    """Store a draft, or an edit of any editable post, without changing its state."""
    return Outcome(DONE, _publishing().save_draft(engine, post_from_data(post), key))


@operation("posts.submit", label="submit post", audited=True)
def submit(
    engine: Engine, post: dict[str, Any], member_id: int | None = None, key: str = ""
) -> Outcome:
    """To the approval queue or the schedule, by the team's policy; undo cancels it."""
    saved = _publishing().submit(engine, post_from_data(post), member_id, key)
    return Outcome(DONE, saved, undo=_cancel(saved, member_id))


@operation("posts.add_to_queue", label="add post to queue", audited=True)
def add_to_queue(
    engine: Engine, post: dict[str, Any], member_id: int | None = None, key: str = ""
) -> Outcome:
    """The next free slot of the first account's posting schedule; undo cancels it."""
    saved = _publishing().add_to_queue(engine, post_from_data(post), member_id, key)
    return Outcome(DONE, saved, undo=_cancel(saved, member_id))


@operation("posts.import", label="import posts", audited=True)
def import_posts(
    engine: Engine,
    posts: list[dict[str, Any]],
    member_id: int | None = None,
    team_id: int | None = None,
    key: str = "",
) -> Outcome:
    """Previewed bulk posts (engine.publishing.import_data), all or nothing."""
    if not isinstance(posts, list):
        raise ConfigError("posts must be a list of posts.")
    made = [post_from_data(p) for p in posts]
    return Outcome(DONE, _publishing().import_posts(engine, made, member_id, team_id, key))


@operation("posts.approve", label="approve post", audited=True)
def approve(
    engine: Engine, post_id: int, member_id: int | None, edited_text: str | None = None
) -> Outcome:
    return Outcome(DONE, _publishing().approve(engine, post_id, member_id, edited_text=edited_text))


@operation("posts.reject", label="reject post", audited=True)
def reject(engine: Engine, post_id: int, member_id: int | None, comment: str) -> Outcome:
    return Outcome(DONE, _publishing().reject(engine, post_id, member_id, comment))


@operation("posts.cancel", label="cancel post", audited=True)
def cancel(engine: Engine, post_id: int, member_id: int | None = None) -> Outcome:
    return Outcome(DONE, _publishing().cancel(engine, post_id, member_id))


@operation("posts.reschedule", label="move post", audited=True)
def reschedule(engine: Engine, post_id: int, when: str, member_id: int | None = None) -> Outcome:
    """Move a post to `when` (ISO-8601 with its zone)."""
    return Outcome(DONE, _publishing().reschedule(engine, post_id, from_iso(when), member_id))


@operation("posts.retry", label="retry post")
def retry(engine: Engine, post_id: int) -> Outcome:
    _publishing().retry(engine, post_id)
    return Outcome(DONE)


@operation("posts.resolve_missed", label="decide on a missed post")
def resolve_missed(engine: Engine, post_id: int, action: str, when: str | None = None) -> Outcome:
    """publish now, reschedule to `when` (ISO), or skip a post whose time passed."""
    at = from_iso(when) if when else None
    return Outcome(DONE, _publishing().resolve_missed(engine, post_id, action, at))


@operation("replies.queue", label="send reply", audited=True)
def queue_reply(
    engine: Engine,
    conversation_id: int,
    text: str,
    key: str,
    visibility: str = "",
    spoiler_text: str = "",
    actor: str = "",
    seen: dict[str, int | str] | None = None,
    force: bool = False,
) -> Outcome:
    """Queue a reply (refuses empty text and leftover {placeholders}, and one answered
    meanwhile unless forced: the collision guard); one row per key."""
    item = replies.check_and_queue(
        engine, conversation_id, text, key,
        visibility=visibility, spoiler_text=spoiler_text, actor=actor, seen=seen, force=force,
    )  # fmt: skip
    return Outcome(DONE, item)


@operation("replies.retry", label="retry reply", audited=True)
def retry_reply(engine: Engine, outbox_id: int) -> Outcome:
    return Outcome(DONE, replies.retry_reply(engine, outbox_id))
