"""History lines read as sentences: who did what, never an internal name or "someone"."""

from __future__ import annotations

from datetime import UTC, datetime

from inbox.core.history import describe, lines


def test_each_action_reads_as_a_sentence() -> None:
    members, teams = {3: "Sam"}, {2: "Billing"}
    assert describe("Alex", "reply.sent", {}) == "Alex replied"
    assert describe("Sam", "tag", {"add": ["refund", "vip"]}) == "Sam tagged refund, vip"
    assert describe("Sam", "tag", {"add": [], "remove": ["vip"]}) == "Sam removed the tag vip"
    assert describe("someone", "status", {"status": "resolved"}) == "You resolved it"
    assert describe("Alex", "status", {"status": "open"}) == "Alex reopened it"
    assert describe("Alex", "assign", {"assignee_id": 3}, members) == "Alex assigned it to Sam"
    assert describe("Alex", "team", {"team_id": 2}, teams=teams) == "Alex routed it to Billing"
    assert describe("local", "note", {}) == "You added an internal note"
    assert describe("@teashop", "reply.elsewhere", {}) == "@teashop replied from another app"
    assert (
        describe("engine", "ticket.created", {"connector": "desk", "remote_id": "42"})
        == "Ticket 42 opened in desk"
    )
    assert "." not in describe("Alex", "post.scheduled", {})  # an unknown action: still words


def test_a_queued_reply_that_was_sent_reads_once() -> None:
    at = datetime(2026, 3, 1, tzinfo=UTC)
    entries = [
        (at, "Alex", "reply.queue", {"outbox_id": 1}),
        (at, "Alex", "reply.sent", {"outbox_id": 1}),
        (at, "Alex", "reply.queue", {"outbox_id": 2}),
    ]
    assert [text for _, text in lines(entries)] == ["Alex replied", "Alex wrote a reply"]
