"""Column queries use an index that already has the column's order; search is newest first."""

from __future__ import annotations

import pytest

from inbox.core.models import ColumnFilter, Kind
from inbox.core.rules import Decision
from inbox.store import Store, queries
from inbox.store.queries import _SUMMARY_SELECT, ORDERS, where_clause

FILTERS = {
    "everything": ColumnFilter(),
    "kind": ColumnFilter(kinds=(Kind.DM,)),
    "min priority": ColumnFilter(min_priority=30),
    "team": ColumnFilter(team_id=1),
    "account": ColumnFilter(accounts=(1,)),
    "assignee": ColumnFilter(assignee_id=1),
    "unassigned mentions": ColumnFilter(kinds=(Kind.MENTION,), unassigned=True),
    "newest": ColumnFilter(sort="newest"),
    "resolved archive": ColumnFilter(statuses=()),
}


@pytest.mark.sqlite_only("reads SQLite's EXPLAIN QUERY PLAN")
@pytest.mark.parametrize("name", FILTERS)
def test_a_column_page_never_sorts_the_whole_table(store, name) -> None:
    flt = FILTERS[name]
    where, params = where_clause(flt, store.now())
    sql = f"{_SUMMARY_SELECT} WHERE {where} ORDER BY {ORDERS[flt.sort]} LIMIT 50"
    plan = " | ".join(r[3] for r in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    assert "USING INDEX conversations_" in plan
    assert "TEMP B-TREE" not in plan, plan


def test_search_lists_the_newest_conversations_first(store, account_info, make_message) -> None:
    account = store.add_account(account_info)
    store.ingest.messages(account.id, [make_message(key="a", text="refund please")])
    store.ingest.messages(account.id, [make_message(key="b", text="where is my refund")])
    store.ingest.messages(account.id, [make_message(key="a", text="thanks", minutes_ago=-5)])
    assert [c.snippet for c in store.conversations.search("refund")] == [
        "thanks",
        "where is my refund",
    ]


@pytest.fixture
def common_word(store, account_info, make_message, monkeypatch):
    """A word matching more messages than COMMON_MATCHES, so columns are walked in order."""
    monkeypatch.setattr(queries, "COMMON_MATCHES", 20)
    account = store.add_account(account_info)

    def decide(message):
        return Decision(priority=int(message.text.split()[-1]) % 7 * 10)

    store.ingest.messages(
        account.id,
        [
            make_message(
                key=f"k{i}",
                text=f"{'tea' if i % 3 else 'coffee'} {i}",
                kind=Kind.DM if i % 2 else Kind.MENTION,
                minutes_ago=(i * 37) % 300,
            )
            for i in range(300)
        ],
        decide,
    )
    store.conn.execute("UPDATE conversations SET hidden = 1 WHERE id % 11 = 0")
    return store


@pytest.mark.parametrize(
    "flt",
    [
        ColumnFilter(query="tea"),
        ColumnFilter(query="tea", kinds=(Kind.DM,)),
        ColumnFilter(query="tea", sort="newest"),
        ColumnFilter(query="tea", statuses=(), include_hidden=True, sort="newest"),
        ColumnFilter(query="tea", include_hidden=True),
    ],
)
def test_a_common_word_column_pages_like_the_set_wise_query(common_word, flt) -> None:
    walked = [c.id for c in common_word.conversations.page(flt, limit=500)]
    queries.COMMON_MATCHES = 10**9  # now the same filter through one set-wise query
    exact = [c.id for c in common_word.conversations.page(flt, limit=500)]
    assert walked == exact and len(walked) > 50
    second = [c.id for c in common_word.conversations.page(flt, limit=50, offset=50)]
    assert second == exact[50:100]


def test_a_new_message_is_found_by_a_common_word_column(common_word, make_message) -> None:
    flt = ColumnFilter(query="tea", sort="newest")
    before = common_word.conversations.page(flt, limit=5)
    account_id = common_word.accounts()[0].id
    common_word.ingest.messages(
        account_id, [make_message(key="new", text="tea time", minutes_ago=-1)]
    )
    after = common_word.conversations.page(flt, limit=5)
    assert after[0].snippet == "tea time" and after[1:] == before[:4]


def test_search_pages_through_many_conversations(store, account_info, make_message) -> None:
    account = store.add_account(account_info)
    store.ingest.messages(
        account.id, [make_message(key=f"k{i}", text=f"matcha number {i}") for i in range(600)]
    )
    first = store.conversations.search("matcha", limit=300)
    second = store.conversations.search("matcha", limit=300, offset=300)
    assert len(first) == len(second) == 300
    assert not {c.id for c in first} & {c.id for c in second}
    assert first[0].snippet == "matcha number 599"


def test_a_reader_sees_the_writers_new_matches(common_word, make_message, tmp_path) -> None:
    reader = Store(tmp_path / "inbox.db", readonly=True, dsn=common_word.dsn)
    try:
        flt = ColumnFilter(query="tea", sort="newest")
        assert reader.conversations.page(flt, limit=1)[0].snippet != "tea for two"
        account_id = common_word.accounts()[0].id
        common_word.ingest.messages(
            account_id, [make_message(key="new", text="tea for two", minutes_ago=-1)]
        )
        assert reader.conversations.page(flt, limit=1)[0].snippet == "tea for two"
    finally:
        reader.close()


@pytest.mark.sqlite_only("reads SQLite's EXPLAIN QUERY PLAN")
@pytest.mark.parametrize("name", [n for n in FILTERS if n != "resolved archive"])
def test_an_unread_count_reads_only_the_narrow_index(store, name) -> None:
    where, params = where_clause(FILTERS[name], store.now())
    sql = f"SELECT count(*) FROM conversations c WHERE {where} AND c.unread = 1"
    plan = " | ".join(r[3] for r in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    assert "COVERING INDEX conversations_unread" in plan, plan


def test_unread_counts_follow_reading(store, account_info, make_message) -> None:
    account = store.add_account(account_info)
    store.ingest.messages(account.id, [make_message(key=f"k{i}") for i in range(3)])
    assert store.conversations.count(ColumnFilter(), unread_only=True) == 3
    store.conn.execute("UPDATE conversations SET unread = 0 WHERE key = 'k1'")
    assert store.conversations.count(ColumnFilter(), unread_only=True) == 2
    assert store.conversations.count(ColumnFilter()) == 3
