"""Column queries use an index that already has the column's order; search is newest first."""

from __future__ import annotations

import pytest

from inbox.core.models import ColumnFilter, Kind
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


@pytest.mark.parametrize("name", FILTERS)
def test_a_column_page_never_sorts_the_whole_table(store, name) -> None:
    flt = FILTERS[name]
    where, params = where_clause(flt, store.now())
    sql = f"{_SUMMARY_SELECT} WHERE {where} ORDER BY {ORDERS[flt.sort]} LIMIT 50"
    plan = " | ".join(r[3] for r in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    assert "USING INDEX conversations_" in plan
    assert "TEMP B-TREE" not in plan, plan


def test_search_lists_the_conversation_with_the_newest_match_first(
    store, account_info, make_message
) -> None:
    account = store.add_account(account_info)
    store.ingest.messages(account.id, [make_message(key="a", text="refund please")])
    store.ingest.messages(account.id, [make_message(key="b", text="where is my refund")])
    store.ingest.messages(account.id, [make_message(key="a", text="thanks", minutes_ago=-5)])
    assert [c.snippet for c in store.conversations.search("refund")] == [
        "where is my refund",
        "thanks",
    ]


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
