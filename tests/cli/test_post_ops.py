"""`social-inbox post` and `schedule import` run the composer's operations (posts.submit,
posts.import): as the profile's current member, with its approval policy and audit,
against the fake Mastodon on a loopback port."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from inbox.cli.main import main
from inbox.core.models import Role
from inbox.store import Store
from tests.networks.mastodon.fake import TOKEN, FakeMastodon
from tests.servers.loopback import serve


@pytest.fixture
def fake() -> Iterator[FakeMastodon]:
    server = FakeMastodon()
    with serve(server.handle) as url:
        server.url = url  # type: ignore[attr-defined]
        yield server


def run(profile: Path, monkeypatch, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--profile", str(profile), *args])


@pytest.fixture
def profile(tmp_path: Path, fake: FakeMastodon, monkeypatch) -> Path:
    """A Mastodon account on the fake; Cy (a contributor) is at the keyboard, Ann approves."""
    folder = tmp_path / "profile"
    folder.mkdir()
    with closing(Store(folder / "inbox.db")) as store:
        store.set_setting("sync.backfill_days", 36500)
        cy = store.teams.add_member("Cy", Role.CONTRIBUTOR)
        store.teams.add_member("Ann", Role.APPROVER)
        store.teams.set_current(cy.id)
    url = fake.url  # type: ignore[attr-defined]
    args = ("accounts", "add", "mastodon", "--instance", url, "--token-stdin")
    assert run(folder, monkeypatch, *args, stdin=TOKEN + "\n") == 0
    return folder


def _audit(profile: Path) -> list[tuple[str, str]]:
    with closing(Store(profile / "inbox.db", readonly=True)) as store:
        rows = store.query("SELECT actor, action FROM audit_log WHERE action LIKE 'post%'")
        return [(r[0], r[1]) for r in rows]


def test_post_as_a_contributor_waits_for_approval_then_goes_out_once(
    profile: Path, fake: FakeMastodon, monkeypatch, capsys
) -> None:
    assert run(profile, monkeypatch, "post", "--account", "teashop", "--text-stdin",
               stdin="New blend is in") == 0  # fmt: skip
    assert capsys.readouterr().out.strip() == "post 1: awaiting_approval now"
    assert run(profile, monkeypatch, "sync", "--once") == 0
    assert "sent 0 item(s)" in capsys.readouterr().out
    assert fake.posts == []  # the contributor's post is not published before approval

    assert run(profile, monkeypatch, "schedule", "approve", "1", "--member", "2") == 0
    assert "post 1: scheduled" in capsys.readouterr().out
    assert run(profile, monkeypatch, "sync", "--once") == 0
    assert "sent 1 item(s)" in capsys.readouterr().out
    assert [p["form"]["status"][0] for p in fake.posts] == ["New blend is in"]
    assert _audit(profile) == [
        ("member:1", "post.awaiting_approval"),
        ("member:2", "post.approved"),
    ]
    assert run(profile, monkeypatch, "schedule", "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(p["id"], p["state"]) for p in listed] == [(1, "published")]


def test_post_with_a_bad_account_says_so_and_stores_nothing(
    profile: Path, monkeypatch, capsys
) -> None:
    code = run(profile, monkeypatch, "post", "--account", "nobody", "--text-stdin", stdin="hi")
    assert code != 0
    assert "nobody" in capsys.readouterr().err
    assert _audit(profile) == []


def test_csv_import_is_one_audited_operation_as_the_current_member(
    profile: Path, fake: FakeMastodon, monkeypatch, capsys, tmp_path: Path
) -> None:
    csv = tmp_path / "plan.csv"
    csv.write_text("2099-03-10 09:30,First\n2099-03-11 09:30,Second\n", encoding="utf-8")
    assert run(profile, monkeypatch, "schedule", "import", str(csv), "--account", "teashop",
               "--zone", "UTC") == 0  # fmt: skip
    assert "Imported 2 posts." in capsys.readouterr().out
    assert _audit(profile) == [("member:1", "posts.imported")]
    assert run(profile, monkeypatch, "schedule", "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    # Cy is a contributor: both wait for an approver, and nothing reached the server.
    assert [(p["text"], p["state"]) for p in listed] == [
        ("First", "awaiting_approval"),
        ("Second", "awaiting_approval"),
    ]
    assert run(profile, monkeypatch, "sync", "--once") == 0
    assert fake.posts == []


def test_slots_and_saved_replies_from_the_cli_run_the_windows_operations(
    profile: Path, monkeypatch, capsys, tmp_path: Path
) -> None:
    """`schedule slots` and `templates import` are posts.set_posting_schedule and
    templates.import (audited as the member at the keyboard); a bad spec changes nothing."""
    slots = ("schedule", "slots", "--account", "teashop", "--zone", "UTC")
    assert run(profile, monkeypatch, *slots, "mon,wed 09:30") == 0
    assert capsys.readouterr().out.strip() == "mon 09:30; wed 09:30 (UTC)"
    assert run(profile, monkeypatch, *slots, "someday at noon") == 2
    assert capsys.readouterr().err  # said why
    assert run(profile, monkeypatch, *slots) == 0
    assert capsys.readouterr().out.strip() == "mon 09:30; wed 09:30 (UTC)"  # kept

    saved = tmp_path / "replies.json"
    saved.write_text(
        json.dumps(
            {
                "format": "social-inbox-templates",
                "templates": [{"name": "Thanks", "body": "Thanks!", "shortcut": "ty"}],
            }
        ),
        encoding="utf-8",
    )
    assert run(profile, monkeypatch, "templates", "import", str(saved)) == 0
    assert "Imported 1 templates." in capsys.readouterr().out
    assert run(profile, monkeypatch, "templates", "list") == 0
    assert "/ty" in capsys.readouterr().out
    with closing(Store(profile / "inbox.db", readonly=True)) as store:
        rows = store.query(
            "SELECT actor, action FROM audit_log"
            " WHERE action IN ('posts.set_posting_schedule', 'templates.import') ORDER BY id"
        )
    assert [(r[0], r[1]) for r in rows] == [
        ("member:1", "posts.set_posting_schedule"),
        ("member:1", "templates.import"),
    ]
