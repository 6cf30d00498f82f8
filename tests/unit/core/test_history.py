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


def test_operations_on_a_conversation_read_as_sentences_with_the_members_name() -> None:
    """ops.run audits an operation that does not audit itself under its own name, acting
    as "member:<id>": the history names the member and says what happened in words."""
    members = {1: "Alex Rivera"}
    said = describe("member:1", "connectors.push", {"connector": "Help desk"}, members)
    assert said == "Alex Rivera pushed it to Help desk"
    article = {"article": {"title": "Caffeine-free teas"}, "connector": "Knowledge base"}
    assert describe("member:1", "connectors.article", article, members) == (
        "Alex Rivera wrote the article “Caffeine-free teas” for Knowledge base"
    )
    assert describe("member:7", "suggestions.use", {}, members).startswith("A team member ")
    missed = describe("engine", "sla.breached", {"due_at": "2026-03-01T10:00:00Z"})
    assert missed.startswith("Missed its response time (due ")
    for name in ("connectors.push", "connectors.article", "suggestions.use", "outbox.cancel",
                 "outbox.send_now", "outbox.retry", "sla.breached"):  # fmt: skip
        text = describe("member:1", name, {}, members)
        assert name.replace(".", " ") not in text and "member:" not in text, text


def test_a_queued_reply_that_was_sent_reads_once() -> None:
    at = datetime(2026, 3, 1, tzinfo=UTC)
    entries = [
        (at, "Alex", "reply.queue", {"outbox_id": 1}),
        (at, "Alex", "reply.sent", {"outbox_id": 1}),
        (at, "Alex", "reply.queue", {"outbox_id": 2}),
    ]
    assert [text for _, text in lines(entries)] == ["Alex replied", "Alex wrote a reply"]
