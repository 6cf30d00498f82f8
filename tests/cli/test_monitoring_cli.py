"""Search (monitoring) columns from the command line, end to end: `columns add-search`,
`columns fetch`, `sync --once`, `columns list`, `conversations list --column`, against the
fake Mastodon on a loopback port and the fake X API (a plan without search)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from inbox.cli import http as cli_http
from inbox.cli.main import main
from tests.networks.mastodon.fake import TOKEN, FakeMastodon
from tests.networks.x.fake import HOST as X_HOST
from tests.networks.x.fake import FakeX, bundle
from tests.servers.loopback import serve


@pytest.fixture
def mastodon() -> Iterator[FakeMastodon]:
    server = FakeMastodon()
    with serve(server.handle) as url:
        server.url = url  # type: ignore[attr-defined]
        yield server


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    folder = tmp_path / "profile"
    folder.mkdir()
    return folder


def run(profile: Path, *args: str, stdin: str = "", monkeypatch=None) -> int:
    if monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--profile", str(profile), *args])


def add_mastodon(profile, monkeypatch, url: str) -> None:
    code = run(
        profile,
        "accounts", "add", "mastodon", "--instance", url, "--token-stdin",
        stdin=TOKEN + "\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0


def column_rows(profile, capsys, name: str) -> list[dict]:
    capsys.readouterr()
    assert run(profile, "conversations", "list", "--column", name, "--json") == 0
    return json.loads(capsys.readouterr().out)


def test_a_search_column_fills_from_the_instance_and_says_where_it_stands(
    mastodon, profile, monkeypatch, capsys
):
    add_mastodon(profile, monkeypatch, mastodon.url)
    code = run(
        profile, "columns", "add-search", "Competitors",
        "--terms", 'Kettleco, #leafkettle', "--exclude", "giveaway",
    )  # fmt: skip
    assert code == 0
    assert "Added search column #1 'Competitors': Kettleco, #leafkettle" in capsys.readouterr().out
    assert run(profile, "columns", "list") == 0
    assert "search: Kettleco, #leafkettle − giveaway\tnot fetched yet\t0 found" in (
        capsys.readouterr().out
    )

    assert run(profile, "columns", "fetch") == 0
    out = capsys.readouterr().out
    assert "search 1: fetched" in out and "search 1: 3 item(s) in its column" in out
    # what the instance was asked
    [words] = mastodon.calls("GET", "/api/v2/search")
    assert words.url.params["q"] == "Kettleco" and words.url.params["type"] == "statuses"
    assert words.headers["Authorization"] == f"Bearer {TOKEN}"
    assert len(mastodon.calls("GET", "/api/v1/timelines/tag/leafkettle")) == 1
    # what the user sees: the column, each item marked as monitoring
    rows = column_rows(profile, capsys, "Competitors")
    assert sorted(r["contact"] for r in rows) == sorted(
        ["maya@social.example", "kim@tea.town", f"ben@{mastodon.url.removeprefix('http://')}"]
    )
    assert {r["kind"] for r in rows} == {"monitoring"}
    # reports count them apart from the work people asked of us
    assert (
        run(profile, "report", "--from", "2026-03-01", "--to", "2026-03-01", "--format", "json")
        == 0
    )
    period = json.loads(capsys.readouterr().out)["period"]
    assert period["monitoring"] == 3 and period["monitoring_by_network"] == {"mastodon": 3}
    assert period["received"] == 0
    assert run(profile, "report", "--from", "2026-03-01", "--to", "2026-03-01") == 0
    assert "Found by search columns                     3" in capsys.readouterr().out

    # sync --once fetches it too, from where it stopped (a new post only)
    newer = dict(mastodon.public[0], id="1230", content="<p>Kettleco is out of matcha</p>")
    mastodon.public.insert(0, newer)
    assert run(profile, "sync", "--once") == 0
    assert mastodon.calls("GET", "/api/v2/search")[-1].url.params["min_id"] == "1210"
    rows = column_rows(profile, capsys, "Competitors")
    assert len(rows) == 4
    assert run(profile, "columns", "list", "--json") == 0
    [column] = json.loads(capsys.readouterr().out)
    assert column["search"]["state"] == "ok" and column["search"]["hits"] == 4


def test_a_plan_without_x_search_is_said_on_the_column_and_mastodon_still_fills(
    profile, monkeypatch, capsys
):
    x = FakeX(search_allowed=False)
    instance = FakeMastodon()

    def route(request: httpx.Request) -> httpx.Response:
        return x.handle(request) if request.url.host == X_HOST else instance.handle(request)

    monkeypatch.setattr(cli_http, "TRANSPORT", httpx.MockTransport(route))
    add_mastodon(profile, monkeypatch, "mastodon.test")
    code = run(
        profile, "accounts", "add", "x", "--instance", X_HOST, "--token-stdin",
        stdin=bundle() + "\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0
    assert run(profile, "columns", "add-search", "Competitors", "--terms", "Kettleco") == 0
    assert run(profile, "columns", "fetch") == 0  # one network refused: not a failure
    out = capsys.readouterr().out
    assert "search 1: fetched" in out
    assert "X: your X plan does not include search" in out
    assert x.to("/2/tweets/search/recent")  # X was asked, and said no
    assert run(profile, "columns", "list", "--json") == 0
    [column] = json.loads(capsys.readouterr().out)
    assert "X: your X plan does not include search" in column["search"]["detail"]
    assert column["search"]["hits"] == 3  # Mastodon's Kettleco posts: 1210, 1206, 1202
    capsys.readouterr()
    assert run(profile, "sync", "--once") == 0  # sync says it too
    assert "search 1: X: your X plan does not include search" in capsys.readouterr().out


def test_bad_searches_are_refused_in_words_and_nothing_is_added(profile, capsys):
    assert run(profile, "columns", "add-search", "Empty", "--terms", " , ") == 2
    assert "needs at least one word" in capsys.readouterr().err
    assert run(profile, "columns", "add-search", "F", "--terms", "tea", "--network", "myspace") == 2
    assert "Cannot search Myspace; networks that can: mastodon" in capsys.readouterr().err
    assert run(profile, "columns", "list") == 0
    assert "No columns." in capsys.readouterr().out
    assert run(profile, "columns", "fetch") == 0
    assert "No search columns" in capsys.readouterr().out


def test_rules_route_a_competitor_complaint_found_by_a_search_to_sales(
    mastodon, profile, monkeypatch, capsys
):
    from inbox.engine import Engine, triage

    add_mastodon(profile, monkeypatch, mastodon.url)
    engine = Engine(profile / "inbox.db")
    engine.start()
    try:
        sales = engine.call(lambda e: triage.add_team(e, "Sales")).id
    finally:
        engine.stop()
    rule = {
        "name": "Competitor complaint",
        "match": "all",
        "conditions": [
            {"when": "kind", "value": ["monitoring"]},
            {"when": "keywords", "value": ["Kettleco"]},
            {"when": "sentiment", "value": ["negative"]},
        ],
        "actions": [{"do": "team", "value": sales}, {"do": "tags", "value": ["competitor"]}],
    }
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(rule)))
    assert run(profile, "rules", "add", "--json-stdin") == 0
    assert run(profile, "columns", "add-search", "Competitors", "--terms", "Kettleco") == 0
    assert run(profile, "columns", "fetch") == 0
    rows = {r["contact"]: r for r in column_rows(profile, capsys, "Competitors")}
    maya = rows["maya@social.example"]  # "… crushed. Terrible service, third time."
    assert maya["team"] == "Sales" and "competitor" in maya["tags"]
    others = [r for handle, r in rows.items() if handle != "maya@social.example"]
    assert len(others) == 2 and all(r["team"] != "Sales" for r in others)
    # the same rule never touches our mentions: they are not monitoring items
    from inbox.store import Store

    store = Store(profile / "inbox.db")
    store.set_setting("sync.backfill_days", 36500)  # the recordings are from March 2026
    store.close()
    assert run(profile, "sync", "--once") == 0
    store = Store(profile / "inbox.db", readonly=True)
    try:
        rows = store.query("SELECT kind, team_id FROM conversations WHERE kind != 'monitoring'")
    finally:
        store.close()
    assert rows and all(r["team_id"] != sales for r in rows)


def test_several_hashtags_are_one_call_to_the_instance_after_the_first_fetch(
    mastodon, profile, monkeypatch, capsys
):
    """`columns fetch` asks each of three tags once (one of them unknown to the server);
    then every `sync --once` asks the instance once for all three (any[])."""
    add_mastodon(profile, monkeypatch, mastodon.url)
    base = dict(mastodon.public[1], in_reply_to_id=None, poll=None)

    def post(sid: str, tag: str) -> dict:
        return dict(
            base,
            id=sid,
            content=f"<p>Steeping notes {sid} #{tag}</p>",
            tags=[{"name": tag, "url": f"https://mastodon.test/tags/{tag}"}],
            account=dict(base["account"], id=f"12000000000000{sid}", acct=f"fan{sid}@tea.town"),
        )

    mastodon.public = [post("1302", "matcha"), post("1301", "greentea")]
    code = run(
        profile, "columns", "add-search", "Teas", "--terms", "#oolongnews #greentea, #matcha"
    )
    assert code == 0  # typed with a space between two tags: three terms
    assert "'Teas': #oolongnews, #greentea, #matcha" in capsys.readouterr().out
    assert run(profile, "columns", "fetch") == 0
    assert mastodon.tag_calls == [["oolongnews"], ["greentea"], ["matcha"]]
    assert len(column_rows(profile, capsys, "Teas")) == 2

    mastodon.tag_calls.clear()
    mastodon.public = [post("1304", "oolongnews"), post("1303", "matcha"), *mastodon.public]
    assert run(profile, "sync", "--once") == 0
    assert mastodon.tag_calls == [["greentea", "oolongnews", "matcha"]]
    [call] = mastodon.calls("GET", "/api/v1/timelines/tag/greentea")[-1:]
    assert call.url.params["min_id"] == "1302"
    rows = column_rows(profile, capsys, "Teas")
    assert sorted(r["contact"] for r in rows) == [
        "fan1301@tea.town", "fan1302@tea.town", "fan1303@tea.town", "fan1304@tea.town"
    ]  # fmt: skip
