"""The instance's post length limit is known from sign-in on, not 500 until a sync."""

from __future__ import annotations

import io
from pathlib import Path

from inbox.cli import http as cli_http
from inbox.cli.main import main
from inbox.store import Store
from tests.networks.mastodon.fake import HOST, TOKEN, FakeMastodon


def test_accounts_add_keeps_the_instance_limit(tmp_path: Path, monkeypatch) -> None:
    server = FakeMastodon()
    server.instance["configuration"]["statuses"]["max_characters"] = 5000
    monkeypatch.setattr(cli_http, "TRANSPORT", server.transport())
    monkeypatch.setattr("sys.stdin", io.StringIO(TOKEN + "\n"))
    profile = tmp_path / "p"
    profile.mkdir()
    args = ["--profile", str(profile), "accounts", "add", "mastodon", "--instance", HOST]
    assert main([*args, "--token-stdin"]) == 0
    store = Store(profile / "inbox.db")
    [(limit,)] = store.query("SELECT json_extract(settings_json, '$.max_chars') FROM accounts")
    store.close()
    assert limit == 5000
    assert [r for r in server.requests if r.url.path == "/api/v2/instance"]
