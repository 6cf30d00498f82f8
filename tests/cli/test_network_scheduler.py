"""Posts handed to Mastodon's own scheduler move and cancel like local ones.

Driven through the CLI against the fake instance on a loopback port: `post
--network-scheduler` hands the post over, `schedule reschedule` moves it on the server
(PUT /api/v1/scheduled_statuses/:id), `schedule cancel` withdraws it (DELETE), and a
cancel whose answer is lost after the server deleted it is not an error on the retry.
"""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from inbox.cli.main import main
from inbox.core.clock import to_iso
from tests.networks.mastodon.fake import TOKEN, FakeMastodon
from tests.servers.loopback import serve


def _cli(profile: Path, monkeypatch, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--profile", str(profile), *args])


def _posts(profile: Path, monkeypatch, capsys) -> list[dict[str, object]]:
    capsys.readouterr()
    assert _cli(profile, monkeypatch, "schedule", "list", "--json") == 0
    out = capsys.readouterr().out
    return list(json.loads(out[out.index("[") :]))


def test_a_post_on_the_servers_scheduler_moves_and_cancels_there(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    fake = FakeMastodon()
    lost = {"delete": 1}

    def handle(request: httpx.Request) -> httpx.Response:
        response = fake.handle(request)
        if request.method == "DELETE" and lost["delete"]:
            lost["delete"] -= 1  # the server deleted it; the answer never arrives
            raise httpx.ReadTimeout("answer lost", request=request)
        return response

    profile = tmp_path / "p"
    with serve(handle) as url:
        assert _cli(
            profile, monkeypatch,
            "accounts", "add", "mastodon", "--instance", url, "--token-stdin", stdin=TOKEN,
        ) == 0  # fmt: skip
        when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
        assert _cli(
            profile, monkeypatch,
            "post", "--account", "@teashop", "--at", to_iso(when), "--network-scheduler",
            "--text-stdin", stdin="Tea tasting on Friday!",
        ) == 0  # fmt: skip
        _cli(profile, monkeypatch, "sync", "--once")
        [held] = fake.scheduled.values()
        assert held["params"]["text"] == "Tea tasting on Friday!"
        [post] = _posts(profile, monkeypatch, capsys)

        later = when + timedelta(days=1, hours=2)
        assert _cli(
            profile, monkeypatch, "schedule", "reschedule", str(post["id"]), "--at", to_iso(later)
        ) == 0  # fmt: skip
        _cli(profile, monkeypatch, "sync", "--once")
        assert held["scheduled_at"].startswith(later.strftime("%Y-%m-%dT%H:%M"))
        [moved] = _posts(profile, monkeypatch, capsys)
        assert str(moved["scheduled_at"]).startswith(later.strftime("%Y-%m-%dT%H:%M"))

        assert _cli(profile, monkeypatch, "schedule", "cancel", str(post["id"])) == 0
        _cli(profile, monkeypatch, "sync", "--once")  # deleted there; the answer lost
        assert fake.scheduled == {}
        with sqlite3.connect(profile / "inbox.db") as conn:  # the retry's backoff has passed
            conn.execute("UPDATE outbox SET due_at = '2000-01-01T00:00:00Z' WHERE status='queued'")
        _cli(profile, monkeypatch, "sync", "--once")
        with sqlite3.connect(profile / "inbox.db") as conn:
            rows = conn.execute("SELECT kind, status FROM outbox ORDER BY id").fetchall()
        [cancelled] = _posts(profile, monkeypatch, capsys)
    assert rows == [
        ("post", "done"),
        ("scheduled.move", "done"),
        ("scheduled.cancel", "done"),
    ], rows
    assert cancelled["state"] == "draft"
    deletes = fake.calls("DELETE", f"/api/v1/scheduled_statuses/{held['id']}")
    assert len(deletes) == 2  # the lost answer, then the retry that found it gone
