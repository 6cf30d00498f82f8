"""Post states, approval permissions, pre-send checks."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from inbox.core import posts as p
from inbox.core.errors import ConfigError, NotAllowed
from inbox.core.posts import (
    ApprovalPolicy,
    Post,
    PostMedia,
    PostState,
    Role,
    Target,
    post_from_data,
    post_to_data,
)
from inbox.networks import registry

POLICY = ApprovalPolicy.CONTRIBUTORS


def test_contributor_needs_approval_under_default_policy() -> None:
    post = p.submit(Post("hi", (1,)), Role.CONTRIBUTOR, POLICY)
    assert post.state is PostState.AWAITING_APPROVAL


@pytest.mark.parametrize(
    ("role", "policy", "state"),
    [
        (Role.APPROVER, ApprovalPolicy.CONTRIBUTORS, PostState.SCHEDULED),
        (Role.ADMIN, ApprovalPolicy.CONTRIBUTORS, PostState.SCHEDULED),
        (Role.ADMIN, ApprovalPolicy.EVERYONE, PostState.AWAITING_APPROVAL),
        (Role.CONTRIBUTOR, ApprovalPolicy.NOBODY, PostState.SCHEDULED),
    ],
)
def test_policy_matrix(role: Role, policy: ApprovalPolicy, state: PostState) -> None:
    assert p.submit(Post("hi", (1,)), role, policy).state is state


def test_approver_approves_with_edit() -> None:
    waiting = p.submit(Post("helo", (1,)), Role.CONTRIBUTOR, POLICY)
    ok = p.approve(waiting, approver_id=7, role=Role.APPROVER, edited_text="hello")
    assert ok.state is PostState.SCHEDULED and ok.text == "hello" and ok.approved_by == 7


def test_contributor_cannot_approve_or_reject() -> None:
    waiting = p.submit(Post("x", (1,)), Role.CONTRIBUTOR, POLICY)
    with pytest.raises(NotAllowed):
        p.approve(waiting, 1, Role.CONTRIBUTOR)
    with pytest.raises(NotAllowed):
        p.reject(waiting, Role.CONTRIBUTOR, "no")


def test_reject_needs_comment_and_returns_to_draft() -> None:
    waiting = p.submit(Post("x", (1,)), Role.CONTRIBUTOR, POLICY)
    with pytest.raises(NotAllowed):
        p.reject(waiting, Role.APPROVER, "  ")
    back = p.reject(waiting, Role.APPROVER, "Tone it down")
    assert back.state is PostState.DRAFT and back.review_comment == "Tone it down"
    again = p.submit(back, Role.CONTRIBUTOR, POLICY)
    assert again.state is PostState.AWAITING_APPROVAL


def test_cannot_approve_a_draft_or_published() -> None:
    with pytest.raises(NotAllowed):
        p.approve(Post("x"), 1, Role.ADMIN)
    with pytest.raises(NotAllowed):
        p.submit(Post("x", state=PostState.PUBLISHED), Role.ADMIN, POLICY)


def test_contributor_edit_of_scheduled_post_goes_back_to_review() -> None:
    scheduled = Post("x", (1,), state=PostState.SCHEDULED, approved_by=3)
    edited = p.edit(scheduled, Role.CONTRIBUTOR, POLICY, text="y")
    assert edited.state is PostState.AWAITING_APPROVAL and edited.approved_by is None
    assert p.edit(scheduled, Role.APPROVER, POLICY, text="y").state is PostState.SCHEDULED
    with pytest.raises(NotAllowed):
        p.edit(Post("x", state=PostState.SENDING), Role.ADMIN, POLICY, text="y")


def test_variants_and_link() -> None:
    post = Post("shared", variants={"x": "short"}, link="https://ex.com")
    assert post.text_for("mastodon") == "shared\nhttps://ex.com"
    assert post.text_for("x") == "short\nhttps://ex.com"


def test_problems_per_network() -> None:
    post = Post("a" * 400, (1, 2))
    targets = [Target(1, "mastodon", "@shop"), Target(2, "bluesky", "shop.bsky")]
    found = p.problems(post, targets, counter=registry.counter)
    assert found == ["shop.bsky: 100 over the 300 limit of bluesky."]
    fixed = Post("a" * 400, (1, 2), variants={"bluesky": "short"})
    assert p.problems(fixed, targets, counter=registry.counter) == []
    assert p.problems(post, targets) == []  # core alone knows no network's length


def test_alt_text_required_by_default() -> None:
    post = Post("pic", (1,), media=(PostMedia("/tmp/cat.png"),))
    assert p.problems(post, [Target(1, "mastodon")]) == ["Add alt text to cat.png."]
    assert p.problems(post, [Target(1, "mastodon")], require_alt=False) == []


def test_no_accounts_and_empty() -> None:
    assert p.problems(Post("x"), []) == ["Choose at least one account."]
    assert p.problems(Post(""), [Target(1, "x", "@a")]) == ["@a: the post is empty."]


def test_aggregate_and_keys() -> None:
    assert p.aggregate(["done", "done"]) is PostState.PUBLISHED
    assert p.aggregate(["done", "failed"]) is PostState.FAILED
    assert p.aggregate(["done", "queued"]) is PostState.SENDING
    assert p.idempotency_key(5, 2) == p.idempotency_key(5, 2) == "post-5-2"
    assert p.idempotency_key(5, 2, 1) != p.idempotency_key(5, 2)


# -- the plain-data form an operation carries --------------------------------------------


def test_a_post_travels_as_json_and_comes_back_whole() -> None:
    post = Post(
        "Hello",
        (1, 2),
        id=7,
        team_id=3,
        author_id=4,
        state=PostState.SCHEDULED,
        scheduled_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        zone="Europe/Berlin",
        variants={"x": "Hi"},
        media=(PostMedia("/tmp/a.png", "a cup"),),
        link="https://example.com",
        use_network_scheduler=True,
        note="n",
    )
    data = json.loads(json.dumps(post_to_data(post)))
    assert post_from_data(data) == post
    assert post_from_data({"text": "only text"}) == Post("only text")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"text": 3}, "text must be text"),
        ({"text": "x", "account_ids": ["1"]}, "account_ids must be a list of numbers"),
        ({"text": "x", "state": "gone"}, "cannot be 'gone'"),
        ({"text": "x", "scheduled_at": "tomorrow"}, "must be ISO-8601"),
        ({"text": "x", "media": [{"alt": "no path"}]}, "media must be a list"),
        ({"text": "x", "colour": "red"}, "no field colour"),
        ({"text": "x", "team_id": "1"}, "team_id must be a number"),
        ("not a post", "must be an object"),
    ],
)
def test_a_malformed_post_is_refused_in_words(data, words) -> None:
    with pytest.raises(ConfigError, match=words):
        post_from_data(data)


# -- the policy the store used to decide: who acts as what, a team's defaults --------------


def test_nobody_at_the_keyboard_acts_as_admin_and_a_member_with_their_role() -> None:
    assert p.acting_role(None) is Role.ADMIN  # a one-person install approves its own
    for role in Role:
        assert p.acting_role(role) is role
    assert p.acting_role("contributor") is Role.CONTRIBUTOR  # as the store keeps it
    assert p.needs_approval(p.acting_role(None), POLICY) is False


def test_a_team_policy_takes_its_defaults_and_refuses_unknown_values() -> None:
    from inbox.core.schedule import MissedPolicy

    assert p.TeamPolicy.from_data(None) == p.TeamPolicy(
        ApprovalPolicy.CONTRIBUTORS, MissedPolicy.ASK, 15
    )
    assert p.TeamPolicy.from_data({"missed": "skip"}).missed is MissedPolicy.SKIP
    policy = p.TeamPolicy(ApprovalPolicy.EVERYONE, MissedPolicy.PUBLISH, 30)
    assert p.TeamPolicy.from_data(json.loads(json.dumps(policy.to_data()))) == policy
    with pytest.raises(ConfigError, match="Bad publishing settings for team 4"):
        p.TeamPolicy.from_data({"approval": "the boss"}, 4)
    with pytest.raises(ConfigError, match="Bad publishing settings for team None"):
        p.TeamPolicy.from_data({"grace_minutes": "a while"})
