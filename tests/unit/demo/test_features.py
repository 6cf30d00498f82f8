"""The demo shows every feature, made through the user's own operations, relative to now."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from inbox import secrets
from inbox.core.clock import from_iso
from inbox.core.history import lines
from inbox.core.models import ColumnFilter
from inbox.core.sla import state
from inbox.demo import DEMO_SLA, seed
from inbox.engine import Engine
from inbox.store import Store


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory):
    secrets.use_memory_backend()  # module scope: before the autouse per-test keyring
    folder: Path = tmp_path_factory.mktemp("demo")
    engine = Engine(folder / "inbox.db")
    engine.start()
    try:
        seed(engine)
        reader = Store(folder / "inbox.db", readonly=True)
        yield reader, engine.clock.now(), folder
        reader.close()
    finally:
        engine.stop()


def test_a_team_with_members_saved_replies_and_work_assigned(seeded) -> None:
    store, _now, _folder = seeded
    names = {m.name: m.role.value for m in store.teams.members()}
    assert names == {"Alex Rivera": "admin", "Sam Okafor": "approver", "Jordan Lee": "contributor"}
    assert store.teams.current().name == "Alex Rivera"
    assert {t.shortcut for t in store.templates.all()} >= {"refund", "ship", "outage", "thanks"}
    assigned = store.conversations.page(ColumnFilter(statuses=()), limit=1000)
    assert {c.assignee_name for c in assigned} >= {"Alex Rivera", "Sam Okafor"}
    assert any("refund" in c.tags for c in assigned) and any("vip" in c.tags for c in assigned)


def test_spam_is_hidden_and_the_iphone_giveaway_is_spam(seeded) -> None:
    store, _now, _folder = seeded
    found = store.conversations.search("iPhone giveaway")
    assert len(found) >= 3 and all("spam" in c.tags for c in found)
    shown = store.conversations.page(ColumnFilter(), limit=1000)
    assert not any("giveaway" in c.snippet.lower() for c in shown)


def test_sla_in_all_three_states_and_a_vip(seeded) -> None:
    store, now, _folder = seeded
    shown = store.conversations.page(ColumnFilter(), limit=1000)
    states = {state(c.sla_due_at, now, DEMO_SLA) for c in shown if c.sla_due_at}
    assert {"ok", "amber", "breached"} <= {s.value for s in states}
    vip = store.query("SELECT handle FROM contacts WHERE is_vip = 1")
    assert [r[0] for r in vip] and store.conversations.search("Chloe")


def test_a_sent_reply_a_pushed_ticket_and_a_published_article(seeded) -> None:
    store, _now, folder = seeded
    refs = store.query("SELECT conversation_id, kind, url FROM external_refs ORDER BY kind")
    kinds = {r["kind"]: r for r in refs}
    assert kinds["ticket"]["url"].startswith("https://desk.leafandkettle.example/tickets/")
    assert kinds["article"]["url"].startswith("file://")
    assert list((folder / "knowledge-base").glob("*.md"))
    answered = store.conversations.search("steep")
    ours = [
        m
        for c in answered
        for m in store.conversations.messages(c.id)
        if m.direction == "out" and "80 °C" in m.text
    ]
    assert ours and ours[0].url.startswith("https://")  # "sent ↗" links to it
    history = store.triage.history(kinds["ticket"]["conversation_id"])
    members = {m.id: m.name for m in store.teams.members()}
    entries = [(h.at, h.actor, h.action, h.detail) for h in history]
    words = [t for _, t in lines(entries, members)]
    assert "Alex Rivera assigned it to Sam Okafor" in words
    assert any(w.startswith("Ticket 4711 opened in Help desk") for w in words)
    assert not [w for w in words if "." in w.split(" ")[-1] or "someone" in w]


def test_posts_scheduled_and_waiting_for_approval_relative_to_now(seeded) -> None:
    store, now, _folder = seeded
    posts = store.posts.find()
    by_state: dict[str, list] = {}
    for post in posts:
        by_state.setdefault(post.state.value, []).append(post)
    assert len(by_state["scheduled"]) >= 2 and len(by_state["awaiting_approval"]) >= 2
    assert by_state["draft"]
    for post in by_state["scheduled"] + by_state["awaiting_approval"]:
        assert now < post.scheduled_at < now + timedelta(days=6)


def test_work_is_routed_to_teams_and_posts_went_out_with_replies(seeded) -> None:
    """What Reports shows of the demo: a bar per team, posts · replies that are not 0."""
    from inbox.core import reports
    from inbox.store.reports import period_report

    store, now, _folder = seeded
    day = now.date()
    report = period_report(store, reports.Period(day - timedelta(days=6), day), None, now)
    assert {"Support", "Billing", "Community"} <= set(report.by_team)
    assert min(report.by_team[t] for t in ("Support", "Billing", "Community")) >= 5
    assert report.posts_published == 2 and report.post_replies == 6
    # the replies came in through the Mastodon account, answering the posts' statuses
    rows = store.query(
        "SELECT count(*) FROM messages m JOIN outbox o ON o.remote_id = m.in_reply_to"
        " WHERE o.kind = 'post' AND o.status = 'done'"
    )
    assert rows[0][0] == 6
    # each conversation was moved to its team by the audited operation a user runs
    audited = store.query(
        "SELECT count(DISTINCT conversation_id) FROM audit_log WHERE action = 'team'"
    )
    routed = store.query("SELECT count(*) FROM conversations WHERE team_id IS NOT NULL")
    assert audited[0][0] == routed[0][0] > 100


def test_reply_times_follow_the_clock(seeded) -> None:
    store, now, _folder = seeded
    rows = store.query("SELECT max(created_at) FROM messages WHERE direction = 'out'")
    assert abs(from_iso(rows[0][0]) - now) < timedelta(minutes=10)


def test_the_teams_guidelines_are_there_and_nothing_of_the_day_broke_them(seeded) -> None:
    store, _now, _folder = seeded
    rules = {g.name: g for g in store.guidelines.all()}
    assert {"No spam", "No promises", "Disclose ads", "Health claims"} <= set(rules)
    assert rules["No promises"].severity.value == "approval"
    assert store.held_replies.waiting() == []  # the day's replies all went out


def test_solved_cases_answered_by_colleagues_feed_the_suggestions(seeded) -> None:
    store, _now, _folder = seeded
    rows = store.query(
        """SELECT l.actor, count(*) FROM answered a
           JOIN audit_log l ON l.conversation_id = a.conversation_id AND l.action = 'reply.sent'
           GROUP BY l.actor"""
    )
    by = dict(rows)
    assert by.get("Sam Okafor") == 3 and by.get("Alex Rivera", 0) >= 2 and by.get("Jordan Lee") == 2
    open_complaint = store.query(
        "SELECT c.id FROM conversations c JOIN messages m ON m.conversation_id = c.id"
        " WHERE c.status <> 'resolved' AND m.text LIKE 'I was charged twice%' LIMIT 1"
    )[0][0]
    from inbox.store.suggest import suggest

    first = suggest(store, open_complaint).items[0]
    assert first.candidate.by == "Sam Okafor" and first.alike == 3
