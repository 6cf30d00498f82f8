"""Guidelines and held replies in the store, on both backends: per team plus the shared
ones, approval rules first; a draft is held once and an edit replaces the waiting text."""

from __future__ import annotations

import pytest

from inbox.core.errors import ConfigError, NotFound
from inbox.core.guidelines import Guideline, Severity


def test_guidelines_per_team_and_shared(store) -> None:
    team = store.teams.create("Billing")
    shared = store.guidelines.save(Guideline("Disclose ads", "disclosure", ("#ad",)))
    mine = store.guidelines.save(
        Guideline("No promises", "forbidden", ("guaranteed refund",),
                  severity=Severity.APPROVAL, team_id=team.id)
    )  # fmt: skip
    assert [g.name for g in store.guidelines.all(team.id)] == ["No promises", "Disclose ads"]
    assert [g.name for g in store.guidelines.all(None)] == ["Disclose ads"]
    assert store.guidelines.get(mine.id).words == ("guaranteed refund",)
    changed = store.guidelines.save(Guideline("Disclose ads", "disclosure", ("#ad", "#spon"),
                                              id=shared.id))  # fmt: skip
    assert store.guidelines.get(shared.id).words == changed.words == ("#ad", "#spon")
    with pytest.raises(ConfigError, match="at least one word"):
        store.guidelines.save(Guideline("Empty", "forbidden", ()))
    assert store.guidelines.delete(mine.id).name == "No promises"
    with pytest.raises(NotFound):
        store.guidelines.get(mine.id)
    store.teams.remove(team.id)  # a team's rules go with it; the shared ones stay
    assert [g.name for g in store.guidelines.all(every_team=True)] == ["Disclose ads"]


def test_a_draft_is_held_once(store, account_info, make_message) -> None:
    account = store.add_account(account_info)
    store.ingest.messages(account.id, [make_message(key="t", text="refund?")])
    [row] = store.query("SELECT id FROM conversations")
    cid = int(row[0])
    first = store.held_replies.hold(
        cid, "draft-1", "A guaranteed refund", {}, author="Ann", member_id=None, reasons="x"
    )
    again = store.held_replies.hold(
        cid, "draft-1", "A guaranteed refund!", {}, author="Ann", member_id=None, reasons="x"
    )
    assert again.id == first.id and again.text == "A guaranteed refund!"
    assert [h.id for h in store.held_replies.waiting()] == [first.id]
    store.held_replies.decide(first.id, "rejected", comment="No promises, please")
    assert store.held_replies.waiting() == []
    assert store.held_replies.get(first.id).review_comment == "No promises, please"
