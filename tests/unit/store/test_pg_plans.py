"""On PostgreSQL a column page is ONE statement whose conversations come from walking a
column index in the column's order (never a sort of the matching rows), and the next page
seeks that index with one row-value comparison (docs/architecture.md, Backends)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from inbox.core.clock import FakeClock
from inbox.core.models import AccountInfo, ColumnFilter, Contact, Kind, Message
from inbox.store import Store

FILTERS = {
    "everything": ColumnFilter(),
    "kind": ColumnFilter(kinds=(Kind.DM,)),
    "min priority": ColumnFilter(min_priority=30),
    "team": ColumnFilter(team_id=1),  # the fixture's first team, member and account
    "account": ColumnFilter(accounts=(1,)),
    "assignee": ColumnFilter(assignee_id=1),
    "unassigned mentions": ColumnFilter(kinds=(Kind.MENTION,), unassigned=True),
    "newest": ColumnFilter(sort="newest"),
    "two kinds": ColumnFilter(kinds=(Kind.DM, Kind.MENTION)),
    "all conversations": ColumnFilter(statuses=(), include_hidden=True),
    "search": ColumnFilter(query="refund", statuses=(), include_hidden=True, sort="newest"),
}


@pytest.fixture(scope="module")
def team(pg_server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One team database for the module (the tests only read it): 300 conversations, two
    kinds, four priorities, some hidden, half in a team, a third assigned."""
    dsn = pg_server.fresh_database()
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    store = Store(tmp_path_factory.mktemp("plans") / "inbox.db", clock=clock, dsn=dsn)
    account = store.add_account(AccountInfo("replay", "demo.test", "1", "shop", "The Tea Shop"))
    rng = random.Random(3)
    store.ingest.messages(
        account.id,
        [
            Message(
                remote_id=str(i),
                conversation_key=f"k{i}",
                kind=rng.choice([Kind.DM, Kind.MENTION]),
                author=Contact("replay", f"id-{i % 40}", f"user{i % 40}", f"User {i % 40}"),
                text=rng.choice(["refund please", "hello", "tea time"]),
                created_at=clock.now() - timedelta(minutes=rng.randrange(600)),
            )
            for i in range(300)
        ],
    )
    team_id = store.teams.add("Billing")
    member = store.teams.add_member("Ann Lee")
    with store.transaction() as conn:
        conn.execute(
            "UPDATE conversations SET priority = id % 4 * 10, hidden = (id % 9 = 0)::int,"
            " team_id = CASE WHEN id % 2 = 0 THEN ? END, assignee_id = CASE WHEN id % 3 = 0"
            " THEN ? END",
            (team_id, member.id),
        )
    store.conn.execute("ANALYZE")
    yield store
    store.close()
    pg_server.drop_database(dsn)


def _plan(store: Store, sql: str, args: list[Any]) -> dict[str, Any]:
    # A small table is cheaper to sort than to walk: forbid the shortcuts, so what the
    # plan shows is whether an index CAN give the order (a missing one still sorts).
    for name in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
        store.conn.execute(f"SET {name} = off")
    try:
        row = store.conn.execute(f"EXPLAIN (FORMAT JSON) {sql}", args).fetchone()
    finally:
        store.conn.execute("RESET ALL")
    doc = row[0] if not isinstance(row[0], str) else json.loads(row[0])
    return dict(doc[0]["Plan"])


def _nodes(
    node: dict[str, Any], sorting: bool = False, limited: bool = False
) -> Iterator[tuple[dict[str, Any], bool, bool]]:
    """Every plan node, whether a Sort above it takes its rows with no Limit between, and
    whether a Limit is above it at all."""
    if node["Node Type"] == "Limit":
        sorting, limited = False, True
    elif node["Node Type"] in ("Sort", "Incremental Sort"):
        sorting = True
    yield node, sorting, limited
    for child in node.get("Plans", []):
        yield from _nodes(child, sorting, limited)


def _walks(store: Store, sql: str, args: list[Any]) -> list[dict[str, Any]]:
    """The scans of conversations that find the page's keys (under the page's LIMIT; the
    page's rows are then looked up by id outside it); fails on one whose rows are sorted
    before the LIMIT takes them (a sort of every matching row)."""
    walks = []
    for node, sorted_above, limited in _nodes(_plan(store, sql, args)):
        if node.get("Relation Name") == "conversations" and limited:
            assert not sorted_above, f"conversations sorted: {node}"
            walks.append(node)
    return walks


@pytest.mark.parametrize("name", FILTERS)
def test_a_first_page_walks_a_column_index_in_order(team: Store, name: str) -> None:
    sql, args = team.conversations.page_sql(FILTERS[name], 50)
    walks = _walks(team, sql, args)
    assert walks, "no walk of a column index"
    assert all(w["Node Type"] in ("Index Scan", "Index Only Scan") for w in walks), walks
    assert all(w["Index Name"].startswith("conversations_") for w in walks), walks


@pytest.mark.parametrize("name", FILTERS)
def test_the_next_page_is_one_statement_seeking_one_row_value(
    team: Store, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    flt = FILTERS[name]
    first = team.conversations.page(flt, 20)
    statements: list[str] = []
    execute = team.conn.execute

    def counted(sql: str, params: Any = ()) -> Any:
        statements.append(sql)
        return execute(sql, params)

    monkeypatch.setattr(team.conn, "execute", counted)
    second = team.conversations.page(flt, 20, after=first[-1])
    monkeypatch.undo()
    assert len(statements) == 1, statements
    assert second and not {r.id for r in first} & {r.id for r in second}
    sql, args = team.conversations.page_sql(flt, 20, after=first[-1])
    for walk in _walks(team, sql, args):
        assert "ROW(" in walk.get("Index Cond", ""), walk  # a seek, not a filter on the walk
