"""The CLI end to end against the fake X API: add with a token bundle, sync, list, reply."""

from __future__ import annotations

import io
import json
from contextlib import closing
from pathlib import Path

import pytest

from inbox import secrets
from inbox.cli import http as cli_http
from inbox.cli.main import main
from inbox.engine.accounts import token_key
from inbox.networks.x.api import Tokens
from inbox.store import Store
from tests.networks.x.fake import ACCESS, HOST, REFRESH, FakeX, bundle, load


@pytest.fixture
def fake(monkeypatch) -> FakeX:
    server = FakeX()
    monkeypatch.setattr(cli_http, "TRANSPORT", server.transport())
    return server


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    folder = tmp_path / "profile"
    folder.mkdir()
    return folder


def run(profile: Path, *args: str, stdin: str = "", monkeypatch=None) -> int:
    if monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--profile", str(profile), *args])


def test_add_sync_list_reply(fake, profile, monkeypatch, capsys) -> None:
    code = run(
        profile,
        "accounts", "add", "x", "--instance", HOST, "--token-stdin",
        stdin=bundle() + "\n",
        monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0
    assert "Added x account 1: @LeafKettleTea" in capsys.readouterr().out
    with closing(Store(profile / "inbox.db", readonly=True)) as store:
        key = token_key(store, store.accounts()[0])
    assert Tokens.loads(secrets.get_secret(key) or "").refresh_token == REFRESH
    assert ACCESS.encode() not in (profile / "inbox.db").read_bytes()

    assert run(profile, "sync", "--once") == 0
    out = capsys.readouterr().out
    assert "Synced 1 of 1 accounts" in out
    assert "calls left" in out  # the remaining budget from x-rate-limit-*

    assert run(profile, "conversations", "list", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    handles = sorted(r["contact"] for r in rows)
    assert handles == ["ingrid_oslo", "mei_drinks_tea", "samortega", "samortega"]

    store = Store(profile / "inbox.db")
    [(conversation,)] = store.query(
        "SELECT id FROM conversations WHERE key = '1860000000000000101'"
    )
    store.close()
    code = run(
        profile,
        "reply", str(conversation), "--text-stdin",
        stdin="Sorry Sam, tracking is on its way.",
        monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0
    assert fake.posts == []  # queued, not sent
    assert run(profile, "sync", "--once") == 0
    assert "sent 1 item(s)" in capsys.readouterr().out
    [post] = fake.posts
    assert post["text"] == "Sorry Sam, tracking is on its way."
    assert post["referenced_tweets"] == [{"type": "replied_to", "id": "1860000000000000105"}]


def test_a_tier_without_dms_is_named_once(fake, profile, monkeypatch, capsys) -> None:
    fake.fail(
        lambda r: r.url.path == "/2/dm_events", 403, load("problem_client_forbidden.json"), times=99
    )
    run(
        profile,
        "accounts", "add", "x", "--instance", HOST, "--token-stdin",
        stdin=bundle() + "\n",
        monkeypatch=monkeypatch,
    )  # fmt: skip
    assert run(profile, "sync", "--once") == 0
    out = capsys.readouterr().out
    assert "Pro tier" in out and "this feed is off" in out
    assert run(profile, "sync", "--once") == 0
    assert len(fake.to("/2/dm_events")) == 1


def test_a_bad_bundle_is_a_clear_error(fake, profile, monkeypatch, capsys) -> None:
    code = run(
        profile,
        "accounts", "add", "x", "--instance", HOST, "--token-stdin",
        stdin='{"refresh_token": "x"}\n',
        monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 2
    assert "token bundle" in capsys.readouterr().err
