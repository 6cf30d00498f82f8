"""Keyset paging: walking a column page by page behind the last row gives exactly the
rows a single ordered query gives, whatever the ties, filters and hidden rows."""

from __future__ import annotations

import random

import pytest

from inbox.core.models import ColumnFilter, Kind, Status
from inbox.store import Store
from inbox.store.queries import ORDERS, where_clause

FILTERS = {
    "everything": ColumnFilter(),
    "newest": ColumnFilter(sort="newest"),
    "all conversations": ColumnFilter(statuses=(), include_hidden=True),
    "all newest": ColumnFilter(statuses=(), include_hidden=True, sort="newest"),
    "two kinds": ColumnFilter(kinds=(Kind.DM, Kind.MENTION)),
    "min priority": ColumnFilter(min_priority=20),
    "account": ColumnFilter(accounts=(1,)),
    "text, rare": ColumnFilter(query="refund", statuses=(), include_hidden=True),
}


SLAS = ("2026-01-05T10:00:00.000000Z", "2026-01-05T11:00:00.000000Z")  # as to_iso writes


@pytest.fixture
def column_store(store: Store, account_info, make_message) -> Store:
    """240 conversations with many ties in priority, SLA and time (ids break them)."""
    account = store.add_account(account_info)
    rng = random.Random(5)
    store.ingest.messages(
        account.id,
        [
            make_message(
                key=f"k{i}",
                text=rng.choice(["refund please", "hello", "tea time", "where is it"]),
                kind=rng.choice([Kind.DM, Kind.MENTION, Kind.REPLY]),
                minutes_ago=rng.choice([1, 2, 3, 5, 8]),  # few distinct times: ties
            )
            for i in range(240)
        ],
    )
    ids = [r[0] for r in store.query("SELECT id FROM conversations")]
    with store.transaction() as conn:
        for cid in ids:
            conn.execute(
                "UPDATE conversations SET priority = ?, sla_due_at = ?, hidden = ?, status = ?"
                " WHERE id = ?",
                (
                    rng.choice([0, 10, 20, 30]),
                    rng.choice(["9999", *SLAS]),
                    int(rng.random() < 0.2),
                    rng.choice([s.value for s in Status]),
                    cid,
                ),
            )
    return store


def _reference(store: Store, flt: ColumnFilter) -> list[int]:
    """The column in one query, SQLite sorting it (the order the deck must show)."""
    where, params = where_clause(flt, store.now())
    sql = f"SELECT c.id FROM conversations c WHERE {where} ORDER BY {ORDERS[flt.sort]}"
    return [r[0] for r in store.query(sql, params)]


@pytest.mark.parametrize("name", FILTERS)
@pytest.mark.parametrize("size", [1, 7, 50])
def test_paging_behind_the_last_row_walks_the_whole_column_in_order(
    column_store: Store, name: str, size: int
) -> None:
    flt = FILTERS[name]
    expected = _reference(column_store, flt)
    assert expected, "the fixture must give every filter rows"
    walked: list[int] = []
    page = column_store.conversations.page(flt, size)
    while page:
        walked += [r.id for r in page]
        page = column_store.conversations.page(flt, size, after=page[-1])
    assert walked == expected


@pytest.mark.parametrize("name", FILTERS)
def test_offset_paging_still_gives_the_same_rows(column_store: Store, name: str) -> None:
    flt = FILTERS[name]
    expected = _reference(column_store, flt)
    got = [r.id for r in column_store.conversations.page(flt, 30, offset=20)]
    assert got == expected[20:50]


@pytest.mark.parametrize("name", ["everything", "newest", "all conversations", "two kinds"])
def test_changed_rows_returns_the_changed_ones_up_to_the_last_loaded_row(
    column_store: Store, name: str
) -> None:
    flt = FILTERS[name]
    expected = _reference(column_store, flt)
    loaded = column_store.conversations.page(flt, 40)
    ids = frozenset(random.Random(2).sample(range(1, 241), 120))
    got = column_store.conversations.changed_rows(flt, ids, loaded[-1], 1000)
    assert [r.id for r in got] == [i for i in expected[:40] if i in ids]
    capped = column_store.conversations.changed_rows(flt, ids, None, 5)
    assert [r.id for r in capped] == [i for i in expected if i in ids][:5]


def test_a_common_word_column_sees_messages_stored_after_its_match_set(
    column_store: Store, make_message, monkeypatch
) -> None:
    from inbox.store import queries

    monkeypatch.setattr(queries, "COMMON_MATCHES", 5)  # "refund" is common: the set is kept
    flt = ColumnFilter(query="refund", statuses=(), include_hidden=True, sort="newest")
    before = [r.id for r in column_store.conversations.page(flt, 500)]
    assert before == _reference(column_store, flt)
    account = column_store.accounts()[0].id
    column_store.ingest.messages(
        account,
        [make_message(key="late", text="a refund, at last", minutes_ago=-10),
         make_message(key="other", text="nothing to see", minutes_ago=-11)],
    )  # fmt: skip
    after = [r.id for r in column_store.conversations.page(flt, 500)]
    assert after == _reference(column_store, flt)
    assert len(after) == len(before) + 1


def test_a_walked_conversation_without_the_word_joins_the_column_when_a_message_brings_it(
    column_store: Store, make_message, monkeypatch
) -> None:
    """A column walk keeps which conversations it found without a match; a later message
    with the word (stored after the match set) makes that one match."""
    from inbox.store import queries

    monkeypatch.setattr(queries, "COMMON_MATCHES", 5)  # "refund" is common: the walk runs
    flt = ColumnFilter(query="refund", statuses=(), include_hidden=True, sort="newest")
    before = [r.id for r in column_store.conversations.page(flt, 500)]
    assert before == _reference(column_store, flt)
    key, cid = column_store.query(
        "SELECT key, id FROM conversations WHERE snippet = 'hello' ORDER BY id LIMIT 1"
    )[0]
    assert cid not in before
    account = column_store.accounts()[0].id
    column_store.ingest.messages(account, [make_message(key=key, text="refund?", minutes_ago=-5)])
    after = [r.id for r in column_store.conversations.page(flt, 500)]
    assert after == _reference(column_store, flt)
    assert after[0] == cid
