"""Publishing on the engine: approval, due posts into the outbox once, missed policies, retry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inbox.core import bulk
from inbox.core.errors import ConfigError, NotAllowed, RemoteRejected
from inbox.core.models import AccountInfo
from inbox.core.posts import Post, PostMedia, PostState, TeamPolicy, post_to_data
from inbox.core.schedule import MissedPolicy, PostingSchedule
from inbox.engine import Engine, ops
from inbox.engine import publishing as pub
from inbox.networks.base import Limits, Outgoing, Sent
from inbox.networks.replay import ReplayAdapter


class FlakyAdapter(ReplayAdapter):
    """Refuses the first send with the network's message, then works."""

    def __init__(self, info: AccountInfo) -> None:
        super().__init__(info, {})
        self.refuse = 1

    async def send(self, outgoing: Outgoing) -> Sent:
        if self.refuse:
            self.refuse -= 1
            raise RemoteRejected("Validation failed: Text character limit of 500 exceeded", 422)
        return await super().send(outgoing)


@pytest.fixture
def engine(tmp_path: Path, clock):
    e = Engine(tmp_path / "inbox.db", clock=clock)
    e.start()
    yield e
    e.stop()


@pytest.fixture
def setup(engine):
    """Two accounts with replay adapters, a team, an approver and a contributor."""

    def make(e: Engine):
        masto = e.store.add_account(AccountInfo("mastodon", "m.test", "1", "shop"))
        bsky = e.store.add_account(AccountInfo("bluesky", "bsky.social", "2", "shop.bsky.social"))
        adapters = {
            masto.id: ReplayAdapter(masto, {}),
            bsky.id: ReplayAdapter(bsky, {}),
        }
        e.adapters.update(adapters)
        with e.store.transaction() as conn:
            conn.execute("INSERT INTO teams (id, name) VALUES (1, 'Social')")
            conn.execute("INSERT INTO members (id, name, role) VALUES (1, 'Ann', 'approver')")
            conn.execute("INSERT INTO members (id, name, role) VALUES (2, 'Cy', 'contributor')")
            conn.execute("INSERT INTO members (id, name, role) VALUES (3, 'Ad', 'admin')")
        return masto.id, bsky.id, adapters

    return engine.call(make)


def _tick(engine: Engine) -> int:
    return engine.call(pub.tick)


def test_contributor_post_waits_for_approval_then_goes_out_once(engine, setup, clock) -> None:
    masto, bsky, adapters = setup
    post = Post("Spring sale", (masto, bsky), team_id=1, scheduled_at=clock.now())
    saved = engine.call(lambda e: pub.submit(e, post, member_id=2))
    assert saved.state is PostState.AWAITING_APPROVAL
    _tick(engine)
    assert adapters[masto].sent == []  # not approved: never published

    with pytest.raises(NotAllowed):
        engine.call(lambda e: pub.approve(e, saved.id, member_id=2))
    engine.call(lambda e: pub.approve(e, saved.id, member_id=1, edited_text="Spring sale!"))
    assert _tick(engine) == 2
    assert [o.text for o in adapters[masto].sent] == ["Spring sale!"]
    # The network sees the row's random key, never one made of local ids.
    [row] = engine.call(lambda e: e.store.query(
        "SELECT remote_key FROM outbox WHERE idempotency_key = ?", (f"post-{saved.id}-{bsky}",)
    ))  # fmt: skip
    assert [o.idempotency_key for o in adapters[bsky].sent] == [row["remote_key"]]
    assert engine.call(lambda e: e.store.posts.get(saved.id)).state is PostState.PUBLISHED
    assert _tick(engine) == 0  # nothing twice
    assert len(adapters[masto].sent) == 1


def test_reject_with_comment_returns_a_draft(engine, setup, clock) -> None:
    masto, _, _ = setup
    post = engine.call(lambda e: pub.submit(e, Post("meh", (masto,), team_id=1), member_id=2))
    back = engine.call(lambda e: pub.reject(e, post.id, 1, "Needs a picture"))
    assert back.state is PostState.DRAFT and back.review_comment == "Needs a picture"


def test_policy_everyone_and_nobody(engine, setup) -> None:
    masto, _, _ = setup
    engine.call(lambda e: e.store.posts.set_team_policy(1, TeamPolicy(approval="everyone")))
    p = engine.call(lambda e: pub.submit(e, Post("a", (masto,), team_id=1), member_id=3))
    assert p.state is PostState.AWAITING_APPROVAL
    engine.call(lambda e: e.store.posts.set_team_policy(1, TeamPolicy(approval="nobody")))
    p = engine.call(lambda e: pub.submit(e, Post("b", (masto,), team_id=1), member_id=2))
    assert p.state is PostState.SCHEDULED


def test_too_long_or_missing_alt_is_refused_before_queueing(engine, setup) -> None:
    masto, bsky, _ = setup
    with pytest.raises(ConfigError, match="300 limit of bluesky"):
        engine.call(lambda e: pub.submit(e, Post("a" * 350, (masto, bsky)), member_id=1))
    pic = Post("pic", (masto,), media=(PostMedia("/tmp/cat.png"),))
    with pytest.raises(ConfigError, match="alt text"):
        engine.call(lambda e: pub.submit(e, pic, member_id=1))
    engine.call(lambda e: e.store.set_setting("publishing.require_alt_text", False))
    assert engine.call(lambda e: pub.submit(e, pic, member_id=1)).state is PostState.SCHEDULED


def test_future_post_waits_for_its_time(engine, setup, clock) -> None:
    masto, _, adapters = setup
    when = clock.now() + timedelta(hours=2)
    engine.call(lambda e: pub.submit(e, Post("later", (masto,), scheduled_at=when), member_id=1))
    _tick(engine)
    assert adapters[masto].sent == []
    clock.advance(hours=2)
    _tick(engine)
    assert [o.text for o in adapters[masto].sent] == ["later"]


def test_promoting_twice_never_queues_twice(engine, setup, clock) -> None:
    masto, _, _ = setup
    post = engine.call(lambda e: pub.submit(e, Post("once", (masto,)), member_id=1))

    def promote_twice(e: Engine) -> int:
        pub.promote_due(e)
        # a crash before the state change would leave it scheduled: promote again
        e.store.posts.set_state(post.id, PostState.SCHEDULED)
        pub.promote_due(e)
        return len(e.store.query("SELECT * FROM outbox WHERE kind = 'post'"))

    assert engine.call(promote_twice) == 1


@pytest.mark.parametrize(
    ("policy", "state", "sent"),
    [
        (MissedPolicy.PUBLISH, PostState.PUBLISHED, 1),
        (MissedPolicy.ASK, PostState.MISSED, 0),
        (MissedPolicy.SKIP, PostState.SKIPPED, 0),
    ],
)
def test_missed_posts_follow_the_team_policy_and_say_so(
    engine, setup, clock, policy, state, sent
) -> None:
    masto, _, adapters = setup
    engine.call(lambda e: e.store.posts.set_team_policy(1, TeamPolicy(missed=policy)))
    when = clock.now() + timedelta(hours=1)
    post = Post("x", (masto,), team_id=1, scheduled_at=when, zone="Europe/Berlin")
    saved = engine.call(lambda e: pub.submit(e, post, member_id=1))
    clock.advance(hours=5)  # the app was closed meanwhile
    _tick(engine)
    got = engine.call(lambda e: e.store.posts.get(saved.id))
    assert got.state is state
    assert len(adapters[masto].sent) == sent
    assert "11:00 CET" in got.note  # never silent: the note says what happened


def test_missed_ask_then_publish_now(engine, setup, clock) -> None:
    masto, _, adapters = setup
    when = clock.now() + timedelta(minutes=30)
    saved = engine.call(
        lambda e: pub.submit(e, Post("x", (masto,), scheduled_at=when), member_id=1)
    )
    clock.advance(hours=3)
    _tick(engine)
    engine.call(lambda e: pub.resolve_missed(e, saved.id, "publish"))
    _tick(engine)
    assert len(adapters[masto].sent) == 1


def test_a_short_delay_is_not_missed(engine, setup, clock) -> None:
    masto, _, adapters = setup
    engine.call(lambda e: pub.submit(e, Post("x", (masto,), scheduled_at=clock.now()), 1))
    clock.advance(minutes=5)
    _tick(engine)
    assert len(adapters[masto].sent) == 1


def test_failure_shows_the_networks_message_and_retry_sends_once(engine, setup, clock) -> None:
    masto, _, _ = setup

    def flaky(e: Engine) -> FlakyAdapter:
        adapter = FlakyAdapter(e.store.account(masto))
        e.adapters[masto] = adapter
        return adapter

    adapter = engine.call(flaky)
    post = engine.call(lambda e: pub.submit(e, Post("x", (masto,)), member_id=1))
    _tick(engine)
    failed = engine.call(lambda e: e.store.posts.get(post.id))
    assert failed.state is PostState.FAILED
    assert "character limit" in failed.error
    targets = engine.call(lambda e: e.store.posts.targets(post.id))
    assert targets[0].status == "failed" and "character limit" in targets[0].error
    engine.call(lambda e: pub.retry(e, post.id))
    _tick(engine)
    assert engine.call(lambda e: e.store.posts.get(post.id)).state is PostState.PUBLISHED
    assert len(adapter.sent) == 1


def test_offline_account_keeps_the_post_queued(engine, setup, clock) -> None:
    masto, _, _ = setup
    engine.call(lambda e: e.adapters.pop(masto))
    post = engine.call(lambda e: pub.submit(e, Post("x", (masto,)), member_id=1))
    _tick(engine)
    got = engine.call(lambda e: e.store.posts.get(post.id))
    assert got.state is PostState.SENDING
    assert engine.call(lambda e: e.store.posts.targets(post.id))[0].status == "queued"


def test_network_scheduler_hand_over(engine, setup, clock) -> None:
    masto, bsky, adapters = setup
    when = clock.now() + timedelta(days=1)
    post = Post("x", (masto, bsky), scheduled_at=when, use_network_scheduler=True)
    engine.call(lambda e: pub.submit(e, post, member_id=1))
    _tick(engine)
    assert [o.scheduled_at for o in adapters[masto].sent] == [when]
    assert adapters[bsky].sent == []  # Bluesky has no scheduler: we send it at its time
    clock.advance(days=1)
    _tick(engine)
    assert [o.scheduled_at for o in adapters[bsky].sent] == [None]


def test_add_to_queue_fills_the_next_free_slot(engine, setup, clock) -> None:
    masto, _, _ = setup
    sched = PostingSchedule.parse("Europe/Berlin", "mon-fri 09:30,15:00")
    engine.call(lambda e: e.store.posts.set_posting_schedule(masto, sched))
    first = engine.call(lambda e: pub.add_to_queue(e, Post("a", (masto,)), 1))
    second = engine.call(lambda e: pub.add_to_queue(e, Post("b", (masto,)), 1))
    # clock: Mon 2026-03-02 09:00 UTC = 10:00 Berlin
    assert first.scheduled_at == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    assert second.scheduled_at == datetime(2026, 3, 3, 8, 30, tzinfo=UTC)
    assert first.zone == "Europe/Berlin"


def test_bulk_import_is_all_or_nothing(engine, setup, clock) -> None:
    masto, _, _ = setup

    def preview(e: Engine, data: str) -> list[bulk.Row]:
        return bulk.preview(
            data,
            accounts=e.store.posts.send_targets([masto]),
            default_accounts=[masto],
            zone_name="UTC",
            now=e.clock.now(),
        )

    bad = engine.call(lambda e: preview(e, "10/03/2026 09:30,ok\n01/01/2020 09:30,old\n"))
    with pytest.raises(ConfigError, match="nothing was imported"):
        pub.import_data(bad, "UTC")
    # The operation refuses a post with problems itself too (a replayed or hand-made Op).
    too_long = [post_to_data(Post("a" * 600, (masto,), scheduled_at=clock.now()))]
    with pytest.raises(ConfigError, match=r"Post 1 of 1: .*over the 500 limit"):
        engine.call(lambda e: ops.run(e, "posts.import", posts=too_long, member_id=1))
    assert engine.call(lambda e: e.store.posts.find()) == []
    good = engine.call(lambda e: preview(e, "10/03/2026 09:30,ok\n11/03/2026 09:30,ok2\n"))
    data = pub.import_data(good, "UTC")

    def run(e: Engine) -> list[int]:
        ids: list[int] = ops.run(e, "posts.import", posts=data, member_id=1, key="csv-1")
        return ids

    ids = engine.call(run)
    assert len(ids) == 2
    assert engine.call(run) == ids  # the same import again (a replay): nothing new
    posts = engine.call(lambda e: e.store.posts.find())
    assert [p.state for p in posts] == [PostState.SCHEDULED] * 2
    entries = engine.call(lambda e: e.store.posts.entries())
    assert [x.account for x in entries] == ["shop", "shop"]


def test_reschedule_by_contributor_needs_approval_again(engine, setup, clock) -> None:
    masto, _, _ = setup
    post = engine.call(lambda e: pub.submit(e, Post("x", (masto,), team_id=1), member_id=1))
    when = clock.now() + timedelta(days=2)
    moved = engine.call(lambda e: pub.reschedule(e, post.id, when, member_id=2))
    assert moved.state is PostState.AWAITING_APPROVAL and moved.scheduled_at == when
    again = engine.call(lambda e: pub.reschedule(e, post.id, when, member_id=1))
    assert again.scheduled_at == when
    # Each move is audited with who moved it (the calendar drag and `schedule reschedule`).
    assert [(a, x, d["state"]) for a, x, d in _audit(engine, "post.moved")] == [
        ("member:2", "post.moved", "awaiting_approval"),
        ("member:1", "post.moved", "awaiting_approval"),
    ]


def test_drafts_save_and_survive_a_restart(tmp_path, clock) -> None:
    e1 = Engine(tmp_path / "p.db", clock=clock)
    e1.start()
    saved = e1.call(lambda e: pub.save_draft(e, Post("half-written", variants={"x": "short"})))
    e1.stop()
    e2 = Engine(tmp_path / "p.db", clock=clock)
    e2.start()
    got = e2.call(lambda e: e.store.posts.get(saved.id))
    e2.stop()
    assert got.text == "half-written" and got.variants == {"x": "short"}
    assert got.state is PostState.DRAFT


def test_a_time_in_the_past_is_refused(engine, setup, clock) -> None:
    masto, _, _ = setup
    past = Post("x", (masto,), scheduled_at=clock.now() - timedelta(hours=1))
    with pytest.raises(ConfigError, match="has passed"):
        engine.call(lambda e: pub.submit(e, past, member_id=1))


def test_sync_once_also_publishes_due_posts(engine, setup, clock) -> None:
    from inbox.engine import loops

    masto, _, adapters = setup
    engine.call(lambda e: pub.submit(e, Post("via sync", (masto,)), member_id=1))
    failed, delivered = engine.call(loops.run_once)
    assert (failed, delivered) == (0, 1)
    assert [o.text for o in adapters[masto].sent] == ["via sync"]


def test_instance_limit_is_remembered_and_used(engine, setup) -> None:
    masto, _, _ = setup

    class BigInstance(ReplayAdapter):
        network = "mastodon"

        async def limits(self) -> Limits:
            return Limits(max_chars=1000)

    def swap(e: Engine) -> None:
        e.adapters[masto] = BigInstance(e.store.account(masto), {})

    engine.call(swap)
    assert engine.call(pub.refresh_limits) == 1
    post = engine.call(lambda e: pub.submit(e, Post("a" * 800, (masto,)), member_id=1))
    assert post.state is PostState.SCHEDULED


def test_a_retry_after_the_key_expired_is_held_for_the_user(engine, setup, clock) -> None:
    from inbox.core.errors import NetworkError

    masto, _, _ = setup

    class TimesOut(ReplayAdapter):
        """Mastodon-like: the first send reaches the server but the answer is lost."""

        network = "mastodon"
        lost = 1

        async def send(self, outgoing: Outgoing) -> Sent:
            sent = await super().send(outgoing)
            if self.lost:
                self.lost -= 1
                raise NetworkError("timed out")
            return sent

    def swap(e: Engine) -> TimesOut:
        adapter = TimesOut(e.store.account(masto), {})
        e.adapters[masto] = adapter
        return adapter

    adapter = engine.call(swap)
    post = engine.call(lambda e: pub.submit(e, Post("x", (masto,)), member_id=1))
    _tick(engine)  # reached the server, answer lost: back to the queue
    clock.advance(hours=2)  # the laptop slept; Mastodon forgot the key
    _tick(engine)
    held = engine.call(lambda e: e.store.posts.get(post.id))
    assert held.state is PostState.FAILED and "may already be published" in held.error
    assert len(adapter.sent) == 1
    engine.call(lambda e: pub.retry(e, post.id))  # the user checked: send it
    _tick(engine)
    assert engine.call(lambda e: e.store.posts.get(post.id)).state is PostState.PUBLISHED


def test_a_quick_retry_goes_out_with_the_same_key(engine, setup, clock) -> None:
    from inbox.core.errors import NetworkError

    masto, _, _ = setup

    class Flaky(ReplayAdapter):
        network = "mastodon"
        lost = 1

        async def send(self, outgoing: Outgoing) -> Sent:
            if self.lost:
                self.lost -= 1
                raise NetworkError("offline")
            return await super().send(outgoing)

    def swap(e: Engine) -> Flaky:
        adapter = Flaky(e.store.account(masto), {})
        e.adapters[masto] = adapter
        return adapter

    adapter = engine.call(swap)
    post = engine.call(lambda e: pub.submit(e, Post("x", (masto,)), member_id=1))
    _tick(engine)
    clock.advance(minutes=1)
    _tick(engine)
    assert engine.call(lambda e: e.store.posts.get(post.id)).state is PostState.PUBLISHED
    assert len(adapter.sent) == 1


def test_hours_offline_do_not_hold_the_post(engine, setup, clock) -> None:
    import httpx

    from inbox.core.errors import Unreachable

    masto, _, _ = setup

    class Offline(ReplayAdapter):
        """Mastodon-like; the connection cannot be made until online is set."""

        network = "mastodon"
        online = False

        async def send(self, outgoing: Outgoing) -> Sent:
            if not self.online:
                # The adapter's boundary says "nothing left" (core.errors.Unreachable).
                cause = httpx.ConnectError("no route to host")
                raise Unreachable("Cannot reach m.test: ConnectError") from cause
            return await super().send(outgoing)

    def swap(e: Engine) -> Offline:
        adapter = Offline(e.store.account(masto), {})
        e.adapters[masto] = adapter
        return adapter

    adapter = engine.call(swap)
    post = engine.call(lambda e: pub.submit(e, Post("from the train", (masto,)), member_id=1))
    for _ in range(6):  # three hours on a train, retrying
        _tick(engine)
        clock.advance(minutes=30)
    adapter.online = True
    _tick(engine)
    assert engine.call(lambda e: e.store.posts.get(post.id)).state is PostState.PUBLISHED
    assert [o.text for o in adapter.sent] == ["from the train"]


# -- the composer's and `post`'s operations (posts.save_draft / submit / add_to_queue) -----


def _audit(engine: Engine, prefix: str) -> list[tuple[str, str, dict]]:
    import json

    rows = engine.call(
        lambda e: e.store.query(
            "SELECT actor, action, detail_json FROM audit_log WHERE action LIKE ? ORDER BY id",
            (f"{prefix}%",),
        )
    )
    return [(r[0], r[1], json.loads(r[2])) for r in rows]


def test_a_client_key_makes_one_post_however_often_the_op_runs(engine, setup, clock) -> None:
    """The composer's autosaves and its submit name one post by the window's key; a
    replayed submit (the offline journal) returns the post instead of a second one."""
    masto, _, _ = setup
    draft = post_to_data(Post("first words", (masto,)))
    saved = engine.call(lambda e: ops.run(e, "posts.save_draft", post=draft, key="k1"))
    again = engine.call(
        lambda e: ops.run(e, "posts.save_draft", post=draft | {"text": "more"}, key="k1")
    )
    assert again.id == saved.id and again.text == "more"
    when = clock.now() + timedelta(hours=1)
    final = post_to_data(Post("final", (masto,), scheduled_at=when))  # id 0: only the key
    first = engine.call(lambda e: ops.run(e, "posts.submit", post=final, member_id=2, key="k1"))
    replay = engine.call(lambda e: ops.run(e, "posts.submit", post=final, member_id=2, key="k1"))
    assert first.id == replay.id == saved.id
    # The whole journal again: the old autosave does not put older text back.
    engine.call(lambda e: ops.run(e, "posts.save_draft", post=draft, key="k1"))
    assert engine.call(lambda e: e.store.posts.get(saved.id)).text == "final"
    assert first.state is PostState.AWAITING_APPROVAL  # Cy is a contributor
    assert [p.id for p in engine.call(lambda e: e.store.posts.find())] == [saved.id]
    assert [(a, x) for a, x, _ in _audit(engine, "post.")] == [
        ("local", "post.saved"),  # no current member in this profile
        ("local", "post.saved"),
        ("member:2", "post.awaiting_approval"),
    ]


def test_undo_of_a_submit_takes_the_post_off_the_schedule(engine, setup, clock) -> None:
    masto, _, adapters = setup
    post = post_to_data(Post("oops", (masto,)))
    saved = engine.call(lambda e: ops.run(e, "posts.submit", post=post, member_id=1, key="k"))
    assert saved.state is PostState.SCHEDULED
    assert engine.call(ops.undo_label) == "Undo submit post"
    engine.call(ops.undo)
    back = engine.call(lambda e: e.store.posts.get(saved.id))
    assert back.state is PostState.DRAFT
    _tick(engine)
    assert adapters[masto].sent == []  # nothing went out
    assert [x for _, x, _ in _audit(engine, "post.")] == ["post.scheduled", "post.cancelled"]


def test_add_to_queue_replayed_takes_no_second_slot(engine, setup, clock) -> None:
    masto, _, _ = setup
    sched = PostingSchedule.parse("Europe/Berlin", "mon-fri 09:30,15:00")
    engine.call(lambda e: e.store.posts.set_posting_schedule(masto, sched))
    post = post_to_data(Post("a", (masto,)))

    def queue(e: Engine) -> Post:
        saved: Post = ops.run(e, "posts.add_to_queue", post=post, member_id=1, key="q")
        return saved

    first, second = engine.call(queue), engine.call(queue)
    assert first.id == second.id and first.scheduled_at == second.scheduled_at
    assert engine.call(lambda e: e.store.posts.taken_slots(masto)) == [first.scheduled_at]


def test_a_malformed_post_op_stores_nothing(engine, setup) -> None:
    masto, _, _ = setup
    with pytest.raises(ConfigError, match="account_ids must be a list of numbers"):
        engine.call(
            lambda e: ops.run(e, "posts.submit", post={"text": "x", "account_ids": "1"})
        )
    with pytest.raises(TypeError, match="plain data"):
        engine.call(lambda e: ops.run(e, "posts.submit", post=Post("x", (masto,))))
    assert engine.call(lambda e: e.store.posts.find()) == []
