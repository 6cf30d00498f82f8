"""Publishing on the engine thread: post commands, due posts into the outbox, missed posts.

Every function here runs on the engine thread (through engine.call/submit) and
publishes Changed(posts=True) when it changed something. Nothing here needs
the network: promoting a post only writes outbox rows, which the outbox
worker delivers when the account is reachable.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from inbox.core import guidelines
from inbox.core import posts as core
from inbox.core.bulk import Row
from inbox.core.clock import from_iso, to_iso
from inbox.core.errors import ConfigError, InboxError, NetworkError, NotAllowed, RemoteRejected
from inbox.core.events import Changed
from inbox.core.posts import Post, PostState, Role, TeamPolicy
from inbox.core.schedule import MissedPolicy, is_missed, next_free_slot, utc_to_local
from inbox.engine import ops
from inbox.engine.outbox import deliver_due, handler
from inbox.networks import registry
from inbox.networks.base import Sent
from inbox.store.outbox import OutboxItem

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine
    from inbox.store import Store

# Servers that schedule want scheduled_at minutes ahead; keep a margin for slow sends.
HAND_OVER_LEAD = timedelta(minutes=10)
# A time picked "now" in a dialog is a little in the past by the time it is submitted.
PAST_TOLERANCE = timedelta(minutes=2)


def _server_schedules(network: str) -> bool:
    caps = registry.find(network)
    return caps is not None and caps.server_scheduling


def role_of(store: Store, member_id: int | None) -> Role:
    """The role member_id acts with (core.posts.acting_role: no member acts as admin)."""
    return core.acting_role(store.posts.role(member_id))


def team_policy(store: Store, team_id: int | None) -> TeamPolicy:
    """A team's publishing policy: its stored settings with core.posts' defaults."""
    return TeamPolicy.from_data(store.posts.team_policy_data(team_id), team_id)


def _changed(engine: Engine) -> None:
    engine.publish(Changed(posts=True))


def check(engine: Engine, post: Post) -> list[str]:
    """What stops post from going out (length per account, alt text, no account)."""
    store = engine.store
    return core.problems(
        post,
        store.posts.send_targets(post.account_ids),
        require_alt=store.posts.require_alt(),
        counter=registry.counter,
    )


def guideline_breaches(engine: Engine, post: Post) -> list[guidelines.Breach]:
    """The team's guidelines the post's text (and each network's variant) breaks."""
    rules = engine.store.guidelines.all(post.team_id)
    texts = dict.fromkeys([post.text, *post.variants.values()])
    found: dict[int, guidelines.Breach] = {}
    for text in texts:
        for breach in guidelines.check(text, rules):
            found.setdefault(breach.guideline.id, breach)
    return list(found.values())


# A post a client key already names is past these: the operation that made it ran (a
# replay, or the same click twice) and running it again would submit or queue it twice.
SUBMITTED = frozenset(
    {PostState.AWAITING_APPROVAL, PostState.SCHEDULED, PostState.SENDING, PostState.PUBLISHED}
)


def _keyed(engine: Engine, post: Post, key: str) -> tuple[Post, Post | None]:
    """post with the id of the post its client key made earlier (and that post), if any."""
    existing = engine.store.posts.by_key(key) if key else None
    if existing is None:
        return post, None
    return replace(post, id=existing.id), existing


def save_draft(engine: Engine, post: Post, key: str = "") -> Post:
    """Store a draft (or autosave an edit of any editable post) without changing its state.

    key: the client's key for a new post; saving again with it changes that post, until
    it is submitted: an autosave replayed after the submit (the offline journal run twice)
    returns the submitted post unchanged instead of putting older text back.
    """
    post, existing = _keyed(engine, post, key)
    if existing is not None and existing.state in SUBMITTED:
        return existing
    store = engine.store
    if post.id:
        current = store.posts.get(post.id)
        if current.state not in core.EDITABLE:
            raise NotAllowed(f"A {current.state} post cannot be changed.")
        post = replace(post, state=current.state)
    with store.transaction():
        saved = store.posts.save(post, key)
        store.audit(ops.actor(engine), "post.saved", post_id=saved.id, state=str(saved.state))
    _changed(engine)
    return saved


def submit(engine: Engine, post: Post, member_id: int | None = None, key: str = "") -> Post:
    """Save and submit: to the approval queue or the schedule, by the team's policy.

    A post with no time is published as soon as it is approved. key: the client's key
    for a new post; a post it already submitted is returned as it is (a replay).

    Raises:
        ConfigError: the post has problems (too long, no alt text, no account).
    """
    post, existing = _keyed(engine, post, key)
    if existing is not None and existing.state in SUBMITTED:
        return existing
    store = engine.store
    found = check(engine, post)
    now = engine.clock.now()
    if post.scheduled_at is not None and post.scheduled_at < now - PAST_TOLERANCE:
        when = utc_to_local(post.scheduled_at, post.zone).strftime("%Y-%m-%d %H:%M %Z")
        found.append(f"{when} has passed; choose a later time.")
    if found:
        raise ConfigError(" ".join(found))
    role = role_of(store, member_id)
    policy = team_policy(store, post.team_id).approval
    if post.author_id is None:
        post = replace(post, author_id=member_id)
    state = store.posts.get(post.id).state if post.id else post.state
    if state in (PostState.AWAITING_APPROVAL, PostState.SCHEDULED):
        state = PostState.DRAFT  # an edited post is submitted again
    submitted = core.submit(replace(post, state=state), role, policy)
    held = guideline_breaches(engine, post)
    if guidelines.holds(held) and submitted.state is PostState.SCHEDULED:
        # A team rule of severity "approval" is broken: an approver decides, whatever
        # the team's approval policy says for this author.
        submitted = replace(
            submitted,
            state=PostState.AWAITING_APPROVAL,
            approved_by=None,
            note="Held by the team's guidelines:\n" + guidelines.summary(held),
        )
    if submitted.scheduled_at is None and submitted.state is PostState.SCHEDULED:
        submitted = replace(submitted, scheduled_at=engine.clock.now())
    with store.transaction():
        saved = store.posts.save(replace(submitted, error=""), key)
        store.audit(_actor(member_id), f"post.{saved.state}", post_id=saved.id)
    _changed(engine)
    return saved


def approve(
    engine: Engine, post_id: int, member_id: int | None, edited_text: str | None = None
) -> Post:
    store = engine.store
    post = store.posts.get(post_id)
    approved = core.approve(
        post, member_id or 0, role_of(store, member_id), edited_text=edited_text
    )
    if edited_text is not None:
        found = check(engine, approved)
        if found:
            raise ConfigError(" ".join(found))
    if approved.scheduled_at is None:
        approved = replace(approved, scheduled_at=engine.clock.now())
    saved = store.posts.save(replace(approved, approved_by=member_id))
    store.audit(_actor(member_id), "post.approved", post_id=post_id, edited=edited_text is not None)
    _changed(engine)
    return saved


def reject(engine: Engine, post_id: int, member_id: int | None, comment: str) -> Post:
    store = engine.store
    rejected = core.reject(store.posts.get(post_id), role_of(store, member_id), comment)
    saved = store.posts.save(rejected)
    store.audit(_actor(member_id), "post.rejected", post_id=post_id, comment=comment)
    _changed(engine)
    return saved


# Outbox kinds that change a post the network's own scheduler already holds.
MOVE_SCHEDULED, CANCEL_SCHEDULED = "scheduled.move", "scheduled.cancel"


def _held_by_network(engine: Engine, post: Post) -> list[tuple[int, str]]:
    """The accounts whose network scheduler holds the post (its time not come yet)."""
    if post.scheduled_at is None or post.scheduled_at <= engine.clock.now():
        return []
    return engine.store.posts.handed_over(post.id)


def reschedule(engine: Engine, post_id: int, when: datetime, member_id: int | None = None) -> Post:
    """Move a post (calendar drag); a contributor's move of an approved post needs approval.

    A post a network's own scheduler holds is moved there too, through the outbox (the
    same exactly-once path as sending): the move is durable before anything is sent.
    """
    store = engine.store
    post = store.posts.get(post_id)
    role = role_of(store, member_id)
    held = _held_by_network(engine, post)
    if held:
        if when < engine.clock.now() + HAND_OVER_LEAD:
            raise ConfigError(
                "The network's scheduler holds this post; move it to a time at least "
                f"{HAND_OVER_LEAD.seconds // 60} minutes ahead, or cancel it."
            )
        if core.needs_approval(role, team_policy(store, post.team_id).approval):
            raise NotAllowed("Moving a post the network already holds needs an approver.")
        with store.transaction():
            saved = store.posts.save(replace(post, scheduled_at=when))
            for account_id, scheduled_id in held:
                store.outbox.enqueue(
                    MOVE_SCHEDULED,
                    f"{MOVE_SCHEDULED}:{post_id}:{account_id}:{to_iso(when)}",
                    {"scheduled_id": scheduled_id, "scheduled_at": to_iso(when)},
                    account_id=account_id,
                    target=f"post:{post_id}",
                )
            store.posts.move_queued(post_id, when)
            store.audit(_actor(member_id), "post.moved", post_id=post_id, to=to_iso(when))
        engine.publish(Changed(posts=True, outbox=True))
        return saved
    moved = core.edit(post, role, team_policy(store, post.team_id).approval, scheduled_at=when)
    if moved.state is PostState.MISSED:
        moved = replace(moved, state=PostState.SCHEDULED, error="")
    with store.transaction():
        saved = store.posts.save(moved)
        store.audit(
            _actor(member_id), "post.moved", post_id=post_id, to=to_iso(when),
            state=str(saved.state),
        )  # fmt: skip
    _changed(engine)
    return saved


def add_to_queue(
    engine: Engine, post: Post, member_id: int | None = None, key: str = ""
) -> Post:
    """Give post the next free slot of its first account's posting schedule, then submit.

    key: as for submit; a post it already queued keeps its slot (a replay takes no second).

    Raises:
        ConfigError: no account, or the account has no posting schedule.
    """
    post, existing = _keyed(engine, post, key)
    if existing is not None and existing.state in SUBMITTED:
        return existing
    store = engine.store
    if not post.account_ids:
        raise ConfigError("Choose an account first.")
    schedule = store.posts.posting_schedule(post.account_ids[0])
    if schedule is None:
        raise ConfigError("This account has no posting schedule; set one in its settings.")
    taken = [t for a in post.account_ids for t in store.posts.taken_slots(a)]
    slot = next_free_slot(schedule, engine.clock.now(), taken)
    return submit(engine, replace(post, scheduled_at=slot, zone=schedule.zone), member_id, key)


def resolve_missed(engine: Engine, post_id: int, action: str, when: datetime | None = None) -> Post:
    """The user's answer for a missed post: "publish" now, "reschedule" to when, or "skip"."""
    store = engine.store
    post = store.posts.get(post_id)
    if post.state is not PostState.MISSED:
        raise NotAllowed(f"Post {post_id} is not waiting for a decision (it is {post.state}).")
    now = engine.clock.now()
    if action == "publish":
        post = replace(post, state=PostState.SCHEDULED, scheduled_at=now, note="Published late.")
    elif action == "reschedule" and when is not None:
        post = replace(post, state=PostState.SCHEDULED, scheduled_at=when, note="")
    elif action == "skip":
        post = replace(post, state=PostState.SKIPPED, note="Skipped after its time passed.")
    else:
        raise ConfigError(f"Unknown decision {action!r}: publish, reschedule or skip.")
    saved = store.posts.save(replace(post, error=""))
    _changed(engine)
    return saved


def cancel(engine: Engine, post_id: int, member_id: int | None = None) -> Post:
    """Take a post off the schedule (or out of the approval queue): it stays as a draft.

    A post the network's own scheduler holds is withdrawn there through the outbox.

    Raises:
        NotAllowed: it is being sent or was published.
    """
    store = engine.store
    post = store.posts.get(post_id)
    held = _held_by_network(engine, post)
    if held:
        with store.transaction():
            for account_id, scheduled_id in held:
                store.outbox.enqueue(
                    CANCEL_SCHEDULED,
                    f"{CANCEL_SCHEDULED}:{post_id}:{account_id}:{scheduled_id}",
                    {"scheduled_id": scheduled_id},
                    account_id=account_id,
                    target=f"post:{post_id}",
                )
            store.posts.withdraw(post_id)
            saved = store.posts.save(
                replace(
                    post,
                    state=PostState.DRAFT,
                    error="",
                    note="Cancelled; withdrawn from the network's scheduler; kept as a draft.",
                )
            )
            store.audit(_actor(member_id), "post.cancelled", post_id=post_id)
        engine.publish(Changed(posts=True, outbox=True))
        return saved
    if post.state in (PostState.SENDING, PostState.PUBLISHED):
        raise NotAllowed(f"Post {post_id} is {post.state}: it can no longer be cancelled.")
    handed = [t.handle for t in store.posts.targets(post_id) if t.status in ("sending", "done")]
    if handed:
        raise NotAllowed(
            f"Post {post_id} is already with the network for {', '.join(handed)}; cancel it there."
        )
    saved = store.posts.save(
        replace(post, state=PostState.DRAFT, error="", note="Cancelled; kept as a draft.")
    )
    store.audit(_actor(member_id), "post.cancelled", post_id=post_id)
    _changed(engine)
    return saved


def retry(engine: Engine, post_id: int) -> None:
    """Retry a failed post's failed accounts (delivered accounts are not sent again)."""
    engine.store.posts.retry(post_id)
    _changed(engine)


def import_posts(
    engine: Engine,
    posts: list[Post],
    member_id: int | None = None,
    team_id: int | None = None,
    key: str = "",
) -> list[int]:
    """Import previewed bulk posts, all or nothing, as approved or awaiting approval.

    key: the client's key for this import; importing again with it stores nothing new
    and returns the first import's ids (a replay, or the button pressed twice).

    Raises:
        ConfigError: a post has problems or no time (nothing is stored).
    """
    store = engine.store
    if key and store.posts.by_key(f"{key}:0") is not None:
        found = [store.posts.by_key(f"{key}:{n}") for n in range(len(posts))]
        return [p.id for p in found if p is not None]
    for n, post in enumerate(posts, 1):
        problems = check(engine, post)
        if post.scheduled_at is None:
            problems.append("it has no date and time.")
        if problems:
            words = " ".join(problems)
            raise ConfigError(f"Post {n} of {len(posts)}: {words} Nothing was imported.")
    role = role_of(store, member_id)
    needs = core.needs_approval(role, team_policy(store, team_id).approval)
    state = PostState.AWAITING_APPROVAL if needs else PostState.SCHEDULED
    made = [replace(p, id=0, state=state, author_id=member_id, team_id=team_id) for p in posts]
    with store.transaction():
        ids = store.posts.save_all(made, key)
        store.audit(_actor(member_id), "posts.imported", count=len(ids))
    _changed(engine)
    return ids


def import_data(rows: list[Row], zone_name: str) -> list[dict[str, Any]]:
    """Previewed bulk rows as the plain data posts.import takes.

    Raises:
        ConfigError: a row still has problems (nothing may be imported).
    """
    bad = [r for r in rows if r.problems]
    if bad:
        raise ConfigError(
            f"{len(bad)} row(s) have problems (first: line {bad[0].line}: "
            f"{bad[0].problems[0]}); nothing was imported."
        )
    return [core.post_to_data(r.post(zone_name)) for r in rows]


# -- the delivery side ----------------------------------------------------------


def promote_due(engine: Engine) -> int:
    """Turn due, approved posts into outbox rows (one per account); apply the missed policy.

    Returns how many posts changed state.
    """
    store = engine.store
    now = engine.clock.now()
    require_alt = store.posts.require_alt()
    changed = 0
    for post in store.posts.due(now, hand_over_after=now + HAND_OVER_LEAD):
        assert post.scheduled_at is not None
        changed += 1
        note = post.note
        if post.scheduled_at <= now:
            policy = team_policy(store, post.team_id)
            if is_missed(post.scheduled_at, now, timedelta(minutes=policy.grace_minutes)):
                when = utc_to_local(post.scheduled_at, post.zone).strftime("%Y-%m-%d %H:%M %Z")
                if policy.missed is MissedPolicy.ASK:
                    store.posts.set_state(
                        post.id,
                        PostState.MISSED,
                        note=f"Its time ({when}) passed while the app was closed: publish, "
                        "reschedule or skip?",
                    )
                    continue
                if policy.missed is MissedPolicy.SKIP:
                    store.posts.set_state(
                        post.id,
                        PostState.SKIPPED,
                        note=f"Skipped: its time ({when}) passed while the app was closed.",
                    )
                    continue
                note = f"Published late: it was due {when} while the app was closed."
        targets = store.posts.send_targets(post.account_ids)
        found = core.problems(post, targets, require_alt=require_alt, counter=registry.counter)
        if found:
            store.posts.set_state(post.id, PostState.FAILED, error=" ".join(found))
            continue
        deliveries: dict[int, tuple[dict[str, Any], datetime]] = {}
        for target in targets:
            ahead = post.scheduled_at > now
            hand_over = ahead and _server_schedules(target.network)
            payload: dict[str, Any] = {
                "text": post.text_for(target.network),
                "post_id": post.id,
                "media_files": [m.path for m in post.media],
                "media_alt": [m.alt for m in post.media],
            }
            if hand_over:
                payload["scheduled_at"] = to_iso(post.scheduled_at)
                note = note or "Handed to the network's own scheduler."
            due_at = post.scheduled_at if ahead and not hand_over else now
            deliveries[target.account_id] = (payload, due_at)
        store.posts.promote(post, deliveries)
        if note != post.note:
            store.posts.set_note(post.id, note)
    if changed:
        _changed(engine)
    return changed


async def refresh_limits(engine: Engine) -> int:
    """Remember each server's own post length limit (admins change it); offline is fine.

    Returns how many accounts were updated.
    """
    updated = 0
    for account_id, adapter in list(engine.adapters.items()):
        caps = registry.find(adapter.network)
        if caps is None or not caps.limits_per_instance:
            continue
        try:
            limits = await adapter.limits()
        except InboxError:
            continue  # keep the last known limit
        engine.store.posts.set_max_chars(account_id, limits.max_chars)
        updated += 1
    return updated


async def tick(engine: Engine, limit: int = 20) -> int:
    """One round: promote due posts, deliver due outbox rows, update post states."""
    promote_due(engine)
    delivered = await deliver_due(engine, limit)
    if engine.store.posts.refresh_states():
        _changed(engine)
    return delivered


async def run(engine: Engine, interval: float = 15.0) -> None:
    """The publisher loop on the engine thread (the window and `schedule run`)."""
    await refresh_limits(engine)
    while True:
        while await tick(engine):
            pass
        await asyncio.sleep(interval)


def _actor(member_id: int | None) -> str:
    return f"member:{member_id}" if member_id is not None else "local"


@handler(MOVE_SCHEDULED)
async def _move_scheduled(engine: Engine, item: OutboxItem) -> Sent:
    """PUT the new time: the same request twice leaves the same state (safe to retry)."""
    adapter = _scheduler(engine, item)
    scheduled_id = str(item.payload["scheduled_id"])
    await adapter.reschedule(scheduled_id, from_iso(str(item.payload["scheduled_at"])))
    return Sent(scheduled_id, "")


@handler(CANCEL_SCHEDULED)
async def _cancel_scheduled(engine: Engine, item: OutboxItem) -> Sent:
    """DELETE it; a retry after a lost answer finds it gone (404), which is the goal."""
    adapter = _scheduler(engine, item)
    scheduled_id = str(item.payload["scheduled_id"])
    try:
        await adapter.cancel_scheduled(scheduled_id)
    except RemoteRejected as exc:
        if exc.status != 404:
            raise
    return Sent(scheduled_id, "")


def _scheduler(engine: Engine, item: OutboxItem) -> Any:
    if item.account_id is None or item.account_id not in engine.adapters:
        raise NetworkError("The account is not connected yet.")
    adapter = engine.adapters[item.account_id]
    if not hasattr(adapter, "reschedule") or not hasattr(adapter, "cancel_scheduled"):
        raise InboxError(f"{adapter.network} has no scheduler to change.")
    return adapter
