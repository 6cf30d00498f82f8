"""A profile whose files were edited by hand, written by another version, or damaged:
every verb gives a clear line (or carries on with the default), never a traceback, and
nothing stored is lost."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from inbox.store import Store
from tests.cli_run import run
from tests.networks.mastodon.fake import TOKEN, FakeMastodon
from tests.servers.loopback import serve


@pytest.fixture
def fake() -> Iterator[tuple[FakeMastodon, str]]:
    server = FakeMastodon()
    with serve(server.handle) as url:
        yield server, url


@pytest.fixture
def profile(tmp_path: Path, fake) -> Path:
    folder = tmp_path / "profile"
    folder.mkdir()
    store = Store(folder / "inbox.db")
    store.set_setting("sync.backfill_days", 36500)  # the recordings are from March 2026
    store.close()
    assert run(folder, "accounts", "add", "mastodon", "--instance", fake[1], "--token-stdin",
               stdin=TOKEN + "\n") == 0  # fmt: skip
    return folder


def _write_setting(profile: Path, key: str, text: str) -> None:
    with sqlite3.connect(profile / "inbox.db") as conn:
        conn.execute("INSERT OR REPLACE INTO settings (key, value_json) VALUES (?, ?)", (key, text))
    conn.close()


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("sync.backfill_days", "{not json"),  # was: JSONDecodeError traceback from sync
        ("current_member", '"nobody"'),  # was: ValueError traceback from post
        ("sync.backfill_items", '"many"'),
        ("publishing.default_policy", "[" * 5000),
    ],
)
def test_a_setting_that_cannot_be_used_falls_back_to_its_default(
    profile, fake, capsys, key, text
) -> None:
    server, _ = fake
    _write_setting(profile, key, text)
    capsys.readouterr()
    assert run(profile, "sync", "--once") == 0
    assert run(profile, "post", "--account", "teashop", "--text-stdin", stdin="Hello") == 0
    assert run(profile, "sync", "--once") == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert [p["form"]["status"][0] for p in server.posts] == ["Hello"]
    with sqlite3.connect(profile / "inbox.db") as conn:  # left as it was: nothing lost
        assert conn.execute("SELECT value_json FROM settings WHERE key = ?", (key,)).fetchone() == (
            text,
        )
    conn.close()
    assert server.calls("GET", "/api/v1/notifications")


def test_a_damaged_database_is_named_and_left_alone(profile, capsys) -> None:
    db = profile / "inbox.db"
    size = db.stat().st_size
    with open(db, "r+b") as f:  # pages in the middle overwritten, the header intact
        for offset in range(8192, size, 16384):
            f.seek(offset)
            f.write(os.urandom(512))
    before = db.read_bytes()
    capsys.readouterr()
    for verb in (["accounts", "list"], ["sync", "--once"], ["outbox", "list"]):
        assert run(profile, *verb) == 2
        err = capsys.readouterr().err
        assert "The inbox database is damaged" in err and "Restore a backup" in err, err
        assert "Traceback" not in err
    assert db.read_bytes() == before


def test_a_damaged_team_file_says_how_to_repair_it(profile, capsys) -> None:
    (profile / "team.json").write_text("{not json", encoding="utf-8")
    capsys.readouterr()
    assert run(profile, "accounts", "list") == 2
    err = capsys.readouterr().err
    assert "team.json is damaged" in err and "team connect" in err and "Traceback" not in err
