"""Ingest: dedupe, conversations, full-text search and column order."""

from __future__ import annotations

from inbox.core.events import Changed
from inbox.core.models import ColumnFilter, Direction, Kind, Status
from inbox.core.rules import Decision


def test_ingesting_twice_changes_nothing(store, account_info, make_message) -> None:
    account = store.add_account(account_info)
    msg = make_message("109")
    first = store.ingest.messages(account.id, [msg])
    assert first.conversations
    assert store.ingest.messages(account.id, [msg]) == Changed()
    assert store.query("SELECT count(*) FROM messages")[0][0] == 1


def test_messages_group_into_one_conversation_per_key(store, account_info, make_message) -> None:
    account = store.add_account(account_info)
    store.ingest.messages(
        account.id,
        [
            make_message(key="t1", text="first", minutes_ago=10),
            make_message(key="t1", text="second", minutes_ago=5),
            make_message(key="t2", text="other"),
        ],
    )
    page = store.conversations.page(ColumnFilter())
    counts = {c.snippet: c.message_count for c in page}
    assert counts == {"second": 2, "other": 1}


def test_column_orders_by_priority_then_sla_due_then_newest(store, account_info, make_message):
    account = store.add_account(account_info)

    def decide(message):
        return Decision(priority=50 if "urgent" in message.text else 0)

    store.ingest.messages(
        account.id,
        [
            make_message(key="old", text="old", minutes_ago=60),
            make_message(key="new", text="new", minutes_ago=1),
            make_message(key="hot", text="urgent outage", minutes_ago=120),
        ],
        decide,
    )
    # Equal priority: the one whose SLA falls due first (the older customer) comes first.
    assert [c.snippet for c in store.conversations.page(ColumnFilter())] == [
        "urgent outage",
        "old",
        "new",
    ]
    newest = store.conversations.page(ColumnFilter(sort="newest"))
    assert [c.snippet for c in newest] == ["new", "old", "urgent outage"]


def test_filters_by_kind_and_min_priority(store, account_info, make_message) -> None:
    account = store.add_account(account_info)
    store.ingest.messages(
        account.id,
        [
            make_message(key="a", kind=Kind.DM, text="a dm"),
            make_message(key="b", kind=Kind.MENTION, text="a mention"),
        ],
    )
    dms = store.conversations.page(ColumnFilter(kinds=(Kind.DM,)))
    assert [c.snippet for c in dms] == ["a dm"]
    assert store.conversations.page(ColumnFilter(min_priority=30)) == dms  # DMs score 30


def test_full_text_search_finds_words_ignoring_accents(store, account_info, make_message):
    account = store.add_account(account_info)
    store.ingest.messages(
        account.id,
        [
            make_message(key="a", text="Le café est fermé"),
            make_message(key="b", text="My refund never arrived", author="bob"),
        ],
    )
    assert [c.snippet for c in store.conversations.search("cafe")] == ["Le café est fermé"]
    assert [c.contact_handle for c in store.conversations.search("refund")] == ["bob"]
    assert [c.contact_handle for c in store.conversations.search("bo")] == ["bob"]
    assert store.conversations.search('"); DROP TABLE messages; --') == []


def test_customer_writing_again_reopens_a_resolved_conversation(
    store, account_info, make_message
) -> None:
    account = store.add_account(account_info)
    store.ingest.messages(account.id, [make_message(key="t")])
    store.conn.execute("UPDATE conversations SET status = 'resolved'")
    store.ingest.messages(account.id, [make_message(key="t", text="still broken")])
    (conv,) = store.conversations.page(ColumnFilter(statuses=()))
    assert conv.status is Status.OPEN


def test_our_own_reply_sets_first_response_but_not_the_snippet(
    store, account_info, make_message, clock
) -> None:
    account = store.add_account(account_info)
    store.ingest.messages(account.id, [make_message(key="t", text="help?", minutes_ago=5)])
    store.ingest.messages(
        account.id, [make_message(key="t", text="on it", direction=Direction.OUT, author="shop")]
    )
    row = store.query("SELECT snippet, first_response_at FROM conversations")[0]
    assert row["snippet"] == "help?"
    assert row["first_response_at"] is not None


def test_search_offers_alternatives_with_upper_case_or(store, account_info, make_message):
    account = store.add_account(account_info)
    store.ingest.messages(
        account.id,
        [
            make_message(key="a", text="Where is my refund?"),
            make_message(key="b", text="I was charged twice"),
            make_message(key="c", text="Love the tea or the mugs"),
        ],
    )
    found = {c.snippet for c in store.conversations.search("refund OR charged")}
    assert found == {"Where is my refund?", "I was charged twice"}
    assert [c.snippet for c in store.conversations.search("tea or")] == ["Love the tea or the mugs"]


def test_a_page_with_repeats_and_known_messages_stores_each_once(
    store, account_info, make_message
) -> None:
    account = store.add_account(account_info)
    old = make_message("1", key="t", text="first", minutes_ago=10)
    store.ingest.messages(account.id, [old])
    again = make_message("2", key="t", text="second", minutes_ago=5)
    new = make_message("3", key="u", text="other")
    changed = store.ingest.messages(account.id, [old, again, again, new])
    assert len(changed.conversations) == 2
    rows = store.query("SELECT key, message_count, snippet FROM conversations ORDER BY key")
    assert [tuple(r) for r in rows] == [("t", 2, "second"), ("u", 1, "other")]


def test_a_renamed_contact_is_updated_on_the_next_message(store, account_info, make_message):
    import dataclasses

    account = store.add_account(account_info)
    first = make_message(key="a", author="alice")
    store.ingest.messages(account.id, [first])
    renamed = dataclasses.replace(
        make_message(key="b", author="alice"),
        author=dataclasses.replace(first.author, display_name="Alice Liddell"),
    )
    store.ingest.messages(account.id, [renamed])
    assert store.query("SELECT display_name FROM contacts")[0][0] == "Alice Liddell"


def test_what_ingest_decides_is_what_a_rules_pass_over_the_stored_rows_decides(
    store, account_info, make_message
) -> None:
    """Ingest decides from facts it works out itself, before the rows are written (each row
    written once); a rules pass reading the written rows (FACTS_SELECT) changes nothing."""
    store.rules.seed_defaults()
    account = store.add_account(account_info)
    our = {"author": "shop", "direction": Direction.OUT}
    store.ingest.messages(
        account.id,
        [
            make_message(key="a", text="Is the site down? Worst service ever", minutes_ago=90),
            make_message(key="b", text="Loving the new blend, thank you!", minutes_ago=80),
            make_message(key="c", text="We restocked the matcha", minutes_ago=70, **our),
            make_message(key="d", text="Charged twice, refund please", kind=Kind.DM),
            make_message(key="e", text="Free followers, click my bio", author="spam"),
        ],
    )
    ids = {r[0] for r in store.query("SELECT id FROM conversations")}
    vip = store.query("SELECT id FROM conversations WHERE key = 'b'")[0][0]
    store.triage.set_vip([vip], None)
    resolved = store.query("SELECT id FROM conversations WHERE key = 'a'")[0][0]
    store.triage.edit([resolved], None, "status", lambda row: {"status": Status.RESOLVED.value})
    store.ingest.messages(
        account.id,
        [
            make_message(key="a", text="Still broken, I can't check out", minutes_ago=30),
            make_message(key="b", text="When do you restock?", minutes_ago=20),
            make_message(key="b", text="Next week!", minutes_ago=10, **our),
            make_message(key="c", text="Great, thanks", author="carol", minutes_ago=5),
            make_message(key="f", text="Where is my parcel?", author="bob"),
        ],
    )
    ids |= {r[0] for r in store.query("SELECT id FROM conversations")}
    assert store.rules.refresh(ids) == set()
    rows = {
        r["key"]: r
        for r in store.query(
            "SELECT c.key, c.status, c.priority, c.tags, c.hidden, m.sentiment_score,"
            " c.last_inbound_score FROM conversations c"
            " JOIN messages m ON m.id = c.last_inbound_id"
        )
    }
    assert rows["a"]["status"] == Status.OPEN.value  # the customer wrote again
    assert rows["b"]["status"] == Status.PENDING.value  # our answer is the last word
    assert rows["e"]["hidden"] == 1
    assert "billing" in rows["d"]["tags"]
    for key, row in rows.items():  # scored by the rules, and carried to the conversation
        assert (row["sentiment_score"] is None) == (key == "e")  # spam stops the rules
        assert row["last_inbound_score"] == row["sentiment_score"]


def test_a_rule_resolving_a_new_answered_conversation_indexes_its_question(
    store, account_info, make_message
) -> None:
    """A new row is inserted with the rules' decision, but a status they resolve it to is
    written after its messages: the answered index (migration 0015) reads them then."""
    from inbox.core.rules import Action, Condition, Do, Rule, When

    store.rules.save(
        Rule("Done", (Condition(When.KEYWORDS, ("solved",)),), (Action(Do.STATUS, "resolved"),))
    )
    account = store.add_account(account_info)
    store.ingest.messages(
        account.id,
        [
            make_message(key="q", text="My order is solved now", minutes_ago=10),
            make_message(key="q", text="Glad to hear!", author="shop", direction=Direction.OUT),
        ],
    )
    row = store.query("SELECT id, status FROM conversations WHERE key = 'q'")[0]
    assert row["status"] == Status.RESOLVED.value
    answered = store.query("SELECT question FROM answered WHERE conversation_id = ?", (row[0],))
    assert [r[0] for r in answered] == ["My order is solved now"]
