"""The rules table: day-one defaults, edits, order, re-applying and previews."""

from __future__ import annotations

import json

from inbox.core.models import ColumnFilter, Contact, Kind
from inbox.core.rules import DEFAULT_RULES, Action, Condition, Do, Rule, When


def _priorities(store) -> dict[str, int]:
    return {c.snippet: c.priority for c in store.conversations.page(ColumnFilter(statuses=()))}


def test_a_new_profile_gets_the_day_one_rules_once(store, tmp_path, clock) -> None:
    from inbox.store import Store

    assert [r.name for r in store.rules.all()] == [r.name for r in DEFAULT_RULES]
    for rule in store.rules.all():
        store.rules.remove(rule.id)
    store.close()
    again = Store(tmp_path / "inbox.db", clock=clock, dsn=store.dsn)
    assert again.rules.all() == []  # deleting them all is respected
    again.close()


def test_ingest_runs_the_stored_rules_and_keeps_the_explanation(
    store, account_info, make_message
) -> None:
    account = store.add_account(account_info)
    store.ingest.messages(
        account.id, [make_message(key="a", kind=Kind.DM, text="Your app is down, I want a refund")]
    )
    row = store.query("SELECT priority, priority_explain, tags FROM conversations")[0]
    explain = dict(json.loads(row["priority_explain"]))
    assert explain["Direct message"] == 30
    assert explain["Outage complaint"] == 40 and explain["Refund or billing"] == 40
    assert row["priority"] == sum(explain.values())
    assert set(json.loads(row["tags"])) == {"outage", "billing"}


def test_spam_is_hidden_at_ingest(store, account_info, make_message) -> None:
    account = store.add_account(account_info)
    store.ingest.messages(account.id, [make_message(text="FREE followers, click my bio")])
    assert store.conversations.page(ColumnFilter()) == []
    (hidden,) = store.conversations.page(ColumnFilter(include_hidden=True))
    assert "spam" in hidden.tags


def test_vip_and_followers_come_from_the_contact(store, account_info, clock) -> None:
    from inbox.core.models import Message

    account = store.add_account(account_info)
    big = Contact("replay", "id-big", "big", "Big", followers_count=50_000)
    store.ingest.messages(
        account.id, [Message("1", "k", Kind.MENTION, big, "hi there", clock.now())]
    )
    assert dict(json.loads(store.query("SELECT priority_explain FROM conversations")[0][0])) == {
        "Large audience": 15
    }
    store.conn.execute("UPDATE contacts SET is_vip = 1")
    list(store.rules.reapply())
    assert store.query("SELECT priority FROM conversations")[0][0] == 15 + 25


def test_edits_reorder_and_reapply(store, account_info, make_message) -> None:
    for rule in store.rules.all():
        store.rules.remove(rule.id)
    account = store.add_account(account_info)
    store.ingest.messages(
        account.id,
        [make_message(key=f"k{i}", text=f"order {i} shipped") for i in range(12)]
        + [make_message(key="x", text="where is my tea")],
    )
    assert set(_priorities(store).values()) == {0}
    first = store.rules.save(
        Rule(
            "Tea",
            (Condition(When.KEYWORDS, ("tea",)),),
            (Action(Do.TEAM, None), Action(Do.PRIORITY, 5)),
        )
    )
    second = store.rules.save(
        Rule(
            "Tea team",
            (Condition(When.KEYWORDS, ("tea",)),),
            (Action(Do.TEMPLATE, "Where is my order"),),
        )
    )
    assert [r.position for r in store.rules.all()] == [0, 1]
    batches = list(store.rules.reapply(batch=5))
    assert [(done, total) for done, total, _ in batches] == [(5, 13), (10, 13), (13, 13)]
    changed = set().union(*(ids for _, _, ids in batches))
    assert len(changed) == 1
    assert _priorities(store)["where is my tea"] == 5
    store.rules.reorder([second.id, first.id])
    assert [r.name for r in store.rules.all()] == ["Tea team", "Tea"]
    store.rules.save(Rule(**{**_fields(first), "enabled": False}))
    assert list(store.rules.reapply())[-1][2]  # the priority went back to 0
    row = store.query("SELECT priority, template FROM conversations WHERE snippet LIKE 'where%'")[0]
    assert (row["priority"], row["template"]) == (0, "Where is my order")
    assert [r.name for r in store.rules.ruleset().rules] == ["Tea team"]


def _fields(rule: Rule) -> dict:
    return {name: getattr(rule, name) for name in Rule.__slots__}


def test_reapply_twice_changes_nothing_the_second_time(store, account_info, make_message):
    account = store.add_account(account_info)
    store.ingest.messages(account.id, [make_message(key=f"k{i}", kind=Kind.DM) for i in range(3)])
    list(store.rules.reapply())
    assert all(not ids for _, _, ids in store.rules.reapply())


def test_preview_counts_matches_among_recent_conversations(store, account_info, make_message):
    account = store.add_account(account_info)
    store.ingest.messages(
        account.id,
        [make_message(key=f"k{i}", text="refund please" if i % 3 == 0 else "hi") for i in range(9)],
    )
    rule = Rule("Refunds", (Condition(When.KEYWORDS, ("refund",)),), (), enabled=False)
    assert store.rules.preview(rule) == (3, 9)
    assert store.rules.preview(rule, last=1)[1] == 1


def test_a_broken_stored_rule_is_skipped_not_fatal(store) -> None:
    store.conn.execute(
        "INSERT INTO rules (position, name, conditions_json) VALUES (99, 'bad', ?)",
        ('[{"when": "x"}]',),
    )
    assert "bad" not in [r.name for r in store.rules.all()]


def test_a_rule_naming_a_deleted_team_or_member_never_breaks_ingest(
    store, account_info, make_message
) -> None:
    team = store.teams.create("Gone soon")
    member = store.teams.add_member("Temp")
    store.rules.save(
        Rule(
            "Route",
            (Condition(When.KIND, ("mention",)),),
            (Action(Do.TEAM, team.id), Action(Do.ASSIGN, member.id), Action(Do.STATUS, "weird")),
        )
    )
    account = store.add_account(account_info)
    store.ingest.messages(account.id, [make_message(key="a")])
    row = store.query("SELECT team_id, assignee_id, status FROM conversations")[0]
    assert (row["team_id"], row["assignee_id"], row["status"]) == (team.id, member.id, "new")
    store.teams.remove(team.id)
    store.teams.remove_member(member.id)
    store.ingest.messages(account.id, [make_message(key="b")])  # must not raise
    row = store.query("SELECT team_id, assignee_id FROM conversations WHERE key = 'b'")[0]
    assert (row["team_id"], row["assignee_id"]) == (None, None)


def test_sentiment_is_computed_once_for_the_message_the_rules_read(
    store, account_info, make_message, monkeypatch
) -> None:
    import inbox.core.rules as rules_module
    from inbox.core.textfacts import sentiment

    calls: list[str] = []
    monkeypatch.setattr(rules_module, "sentiment", lambda t: calls.append(t) or sentiment(t))
    account = store.add_account(account_info)
    store.ingest.messages(
        account.id,
        [
            make_message(key="a", text="older, never read by the rules", minutes_ago=5),
            make_message(key="a", text="This is terrible, worst service ever"),
        ],
    )
    # nothing at write time; the default "Negative tone" rule needed the newest inbound
    assert calls == ["This is terrible, worst service ever"]
    scores = [r[0] for r in store.query("SELECT sentiment_score FROM messages ORDER BY created_at")]
    assert scores == [None, sentiment("This is terrible, worst service ever")]
    row = store.query("SELECT priority_explain FROM conversations")[0]
    assert dict(json.loads(row[0]))["Negative tone"] == 15
    # kept: re-applying the rules reads the stored score, VADER does not run again
    list(store.rules.reapply())
    assert len(calls) == 1


def test_no_sentiment_rule_no_sentiment_work(store, account_info, make_message) -> None:
    for rule in store.rules.all():
        store.rules.remove(rule.id)
    store.rules.save(Rule("DMs", (Condition(When.KIND, ("dm",)),), (Action(Do.PRIORITY, 5),)))
    account = store.add_account(account_info)
    store.ingest.messages(account.id, [make_message(text="I love this shop!")])
    assert store.query("SELECT sentiment_score FROM messages")[0][0] is None
