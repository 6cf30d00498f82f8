"""Monitoring search on Mastodon against the fake instance (recorded Status payloads in
tests/data/mastodon/search_statuses.json): hashtag timeline + full-text search, exclusions,
our own posts and reblogs left out, one item with a mention, the cursor after a restart,
a server without full-text search said on the column."""

from __future__ import annotations

import copy
import json

from inbox.engine import Engine, monitoring, ops
from inbox.engine.sync import sync_account
from inbox.networks.base import MENTIONS
from tests.networks.mastodon.fake import TOKEN, load


def add_search(engine, **args) -> dict:
    args.setdefault("name", "Competitors")
    return engine.call(lambda e: ops.run(e, "columns.add_search", initiator="cli", **args))


def kinds(engine) -> dict[str, str]:
    rows = engine.call(lambda e: e.store.query("SELECT remote_id, kind FROM messages"))
    return {r[0]: r[1] for r in rows}


def column_ids(engine, search_id: int) -> set[str]:
    """The remote ids of what the search column shows."""

    def read(e):
        from inbox.core.models import ColumnFilter

        rows = e.store.conversations.page(ColumnFilter(search_id=search_id), 50)
        return {
            m.remote_id
            for r in rows
            for m in e.store.conversations.messages(r.id)
            if m.direction == "in" or getattr(m.direction, "value", "") == "in"
        }

    return engine.call(read)


def test_hashtags_and_words_become_monitoring_items_without_ours_reblogs_or_exclusions(
    engine, attach, fake
):
    account_id = attach()
    made = add_search(engine, terms=["Kettleco", "#leafkettle"], exclude=["giveaway"])
    engine.call(lambda e: monitoring.fetch_search(e, made["search_id"]))
    stored = kinds(engine)
    assert stored == {"1210": "monitoring", "1208": "monitoring", "1202": "monitoring"}
    # 1206 names the exclusion, 1204 is our own post, 1200 a reblog
    [tag] = fake.calls("GET", "/api/v1/timelines/tag/leafkettle")
    assert tag.url.params["limit"] == "40" and "min_id" not in tag.url.params
    [words] = fake.calls("GET", "/api/v2/search")
    assert dict(words.url.params) == {
        "q": "Kettleco", "type": "statuses", "resolve": "false", "limit": "40"
    }  # fmt: skip
    assert words.headers["Authorization"] == f"Bearer {TOKEN}"
    search = engine.call(lambda e: e.store.searches.get(made["search_id"]))
    assert search.fetch.state == "ok" and search.fetch.fetched_at
    cursor = json.loads(engine.call(lambda e: e.store.cursor(account_id, f"search:{search.id}")))
    assert cursor == {"q:kettleco": "1210", "tag:leafkettle": "1208"}
    conversations = engine.call(
        lambda e: e.store.query("SELECT key, kind FROM conversations ORDER BY key")
    )
    # a thread's first post is that thread (a later mention in it joins it)
    assert [tuple(r) for r in conversations] == [
        ("post:1202", "monitoring"),
        ("thread:1208", "monitoring"),
        ("thread:1210", "monitoring"),
    ]


def test_a_post_that_is_also_a_mention_is_one_item(engine, attach, fake):
    account_id = attach()
    engine.call(lambda e: sync_account(e, account_id, (MENTIONS,)))
    before = kinds(engine)
    made = add_search(engine, name="Brand", terms=["teashop"])
    engine.call(lambda e: monitoring.fetch_search(e, made["search_id"]))
    after = kinds(engine)
    # every hit that was a mention already stays that one item, as a mention; 1000 is
    # a mention older than the first sync's 7-day window, found by the search only
    assert {k: v for k, v in after.items() if k in before} == before
    assert set(after) - set(before) == {"1000"} and after["1130"] == "mention"
    count = engine.call(lambda e: e.store.query("SELECT count(*) FROM messages")[0][0])
    assert count == len(after)
    shown = column_ids(engine, made["search_id"])
    assert "1130" in shown  # the column lists the mention it found, as the one item


def test_a_monitoring_item_that_later_mentions_us_becomes_a_mention(engine, attach, fake):
    from inbox.core.sla import SlaPolicy

    account_id = attach()
    engine.call(lambda e: e.store.teams.set_policy(None, SlaPolicy(first_response_minutes=60)))
    made = add_search(engine, name="Brand", terms=["teashop"])
    engine.call(lambda e: monitoring.fetch_search(e, made["search_id"]))
    assert kinds(engine)["1130"] == "monitoring"

    def due(e) -> str:
        [row] = e.store.query(
            "SELECT c.sla_due_at FROM conversations c JOIN messages m"
            " ON m.conversation_id = c.id WHERE m.remote_id = '1130'"
        )
        return str(row[0])

    assert engine.call(due) == "9999"  # nobody asked us: no reply is due
    engine.call(lambda e: sync_account(e, account_id, (MENTIONS,)))
    assert kinds(engine)["1130"] == "mention"
    assert engine.call(due) != "9999"  # now someone did: the first-response clock runs
    [row] = engine.call(
        lambda e: e.store.query(
            "SELECT c.kind, count(m.id) FROM conversations c JOIN messages m"
            " ON m.conversation_id = c.id WHERE m.remote_id = '1130'"
        )
    )
    assert tuple(row) == ("mention", 1)


def test_the_cursor_survives_a_restart_and_asks_only_for_newer_posts(
    engine, attach, fake, tmp_path, clock, make_adapter
):
    account_id = attach()
    made = add_search(engine, terms=["Kettleco"])
    engine.call(lambda e: monitoring.fetch_search(e, made["search_id"]))
    engine.stop()
    newer = copy.deepcopy(load("search_statuses.json")[0])
    newer.update(id="1220", content="<p>Kettleco raised prices again</p>")
    newer["uri"] = newer["url"] = "https://social.example/@maya/1220"
    fake.public.insert(0, newer)
    fake.requests.clear()
    again = Engine(tmp_path / "inbox.db", clock=clock)
    again.start()
    try:
        again.call(lambda e: e.adapters.__setitem__(account_id, make_adapter()))
        again.call(lambda e: monitoring.fetch_search(e, made["search_id"]))
        [call] = fake.calls("GET", "/api/v2/search")
        assert call.url.params["min_id"] == "1210"
        assert set(kinds(again)) == {"1210", "1206", "1202", "1220"}
    finally:
        again.stop()


def test_a_server_without_full_text_search_says_so_and_hashtags_still_work(engine, attach, fake):
    attach()
    fake.full_text = False
    made = add_search(engine, terms=["Kettleco", "#leafkettle"])
    engine.call(lambda e: monitoring.fetch_search(e, made["search_id"]))
    search = engine.call(lambda e: e.store.searches.get(made["search_id"]))
    assert search.fetch.state == "ok"
    assert "may not offer full-text search" in search.fetch.detail
    assert search.fetch.detail.startswith("Mastodon: mastodon.test found no posts for “Kettleco”")
    assert set(kinds(engine)) == {"1208"}


def test_a_post_already_stored_under_another_account_on_the_server_is_not_stored_twice(
    engine, attach, fake
):
    import dataclasses

    from inbox.core.models import AccountInfo, Kind
    from inbox.networks.mastodon import mapping
    from inbox.networks.mastodon.mapping import Me

    attach()
    other = AccountInfo("mastodon", "mastodon.test", "110000000000000077", "teacafe@mastodon.test")
    status = load("search_statuses.json")[0]  # 1210, which mentions our other account
    message = mapping.status_message(
        status, Me("mastodon.test", other.remote_id, "teacafe"), Kind.MENTION, "thread:1210"
    )

    def store_other(e) -> int:
        account = e.store.add_account(other)
        e.store.ingest.messages(account.id, [dataclasses.replace(message)])
        return account.id

    other_id = engine.call(store_other)
    made = add_search(engine, terms=["Kettleco"])
    engine.call(lambda e: monitoring.fetch_search(e, made["search_id"]))
    rows = engine.call(
        lambda e: e.store.query("SELECT account_id, kind FROM messages WHERE remote_id = '1210'")
    )
    assert [tuple(r) for r in rows] == [(other_id, "mention")]  # one item, our other account's
    shown = column_ids(engine, made["search_id"])
    assert shown == {"1210", "1206", "1202"}  # the column lists it all the same


def tagged(template: dict, sid: str, tags: list[str], author: str = "120000000000000009") -> dict:
    status = copy.deepcopy(template)
    status.update(id=sid, content=f"<p>post {sid} {' '.join('#' + t for t in tags)}</p>")
    status["tags"] = [{"name": t, "url": f"https://mastodon.test/tags/{t}"} for t in tags]
    status["account"] = dict(status["account"], id=author, acct="fan@social.example")
    status["in_reply_to_id"] = None
    status["poll"] = None
    return status


def test_several_hashtags_become_one_call_once_the_server_knows_one_of_them(engine, attach, fake):
    """The first fetch asks each tag alone (a path tag the server does not know hides what
    any[] would find); the first that answers leads, and later fetches are one call with
    the others as any[] after the newest post seen (Mastodon's TagFeed)."""
    account_id = attach()
    template = load("search_statuses.json")[1]
    fake.public = [tagged(template, "1300", ["greentea"]), tagged(template, "1301", ["matcha"])]
    made = add_search(engine, terms=["#nobodyyet", "#greentea", "#matcha"])
    sid = made["search_id"]
    engine.call(lambda e: monitoring.fetch_search(e, sid))
    assert fake.tag_calls == [["nobodyyet"], ["greentea"], ["matcha"]]
    assert set(kinds(engine)) == {"1300", "1301"}
    cursor = json.loads(engine.call(lambda e: e.store.cursor(account_id, f"search:{sid}")))
    assert cursor["lead:nobodyyet|greentea|matcha"] == "greentea"
    assert cursor["tags:nobodyyet|greentea|matcha"] == "1301"

    fake.tag_calls.clear()
    fake.public = [
        tagged(template, "1305", ["nobodyyet"]),
        tagged(template, "1304", ["matcha", "greentea"]),
        tagged(template, "1303", ["greentea"]),
        *fake.public,
    ]
    engine.call(lambda e: monitoring.fetch_search(e, sid))
    assert fake.tag_calls == [["greentea", "nobodyyet", "matcha"]]  # one call
    [call] = fake.calls("GET", "/api/v1/timelines/tag/greentea")[-1:]
    assert call.url.params.get_list("any[]") == ["nobodyyet", "matcha"]
    assert call.url.params["min_id"] == "1301"
    assert set(kinds(engine)) == {"1300", "1301", "1303", "1304", "1305"}
    assert column_ids(engine, sid) == {"1300", "1301", "1303", "1304", "1305"}

    fake.tag_calls.clear()
    engine.call(lambda e: monitoring.fetch_search(e, sid))
    assert fake.tag_calls == [["greentea", "nobodyyet", "matcha"]]  # nothing new, one call


def test_more_than_four_hashtags_go_in_groups_of_four(engine, attach, fake):
    """The server reads at most 4 tags a call (path + any[]): 6 tags are two calls."""
    attach()
    template = load("search_statuses.json")[1]
    tags = ["t1", "t2", "t3", "t4", "t5", "t6"]
    fake.public = [tagged(template, str(1400 + i), [t]) for i, t in enumerate(tags)]
    made = add_search(engine, terms=[f"#{t}" for t in tags])
    engine.call(lambda e: monitoring.fetch_search(e, made["search_id"]))
    assert len(fake.tag_calls) == 6
    fake.tag_calls.clear()
    fake.public.insert(0, tagged(template, "1499", ["t6", "t2"]))
    engine.call(lambda e: monitoring.fetch_search(e, made["search_id"]))
    assert fake.tag_calls == [["t1", "t2", "t3", "t4"], ["t5", "t6"]]
    assert "1499" in kinds(engine)
