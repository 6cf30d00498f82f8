"""The publishing verbs, run in-process on a real profile."""

from __future__ import annotations

import io
import json
from pathlib import Path

import icalendar
import pytest

from inbox.cli.main import main
from inbox.core.models import AccountInfo
from inbox.store import Store


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    s = Store(tmp_path / "inbox.db")
    s.add_account(AccountInfo("mastodon", "m.test", "1", "shop"))
    s.add_account(AccountInfo("bluesky", "bsky.social", "2", "shop.bsky.social"))
    s.close()
    return tmp_path


def _run(profile: Path, *argv: str, stdin: str = "", monkeypatch=None) -> int:
    if monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--profile", str(profile), *argv])


def test_post_list_and_export(profile, monkeypatch, capsys) -> None:
    assert (
        _run(
            profile,
            "post",
            "--account",
            "@shop",
            "--text-stdin",
            "--at",
            "2099-03-29T02:30",
            "--zone",
            "Europe/Berlin",
            stdin="Hi\n",
            monkeypatch=monkeypatch,
        )
        == 0
    )
    # The DST gap rule: 02:30 does not exist that night, so 03:30 local (01:30 UTC).
    assert "scheduled at 2099-03-29 03:30 Europe/Berlin" in capsys.readouterr().out
    assert _run(profile, "schedule", "list", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["text"] == "Hi" and rows[0]["accounts"][0]["handle"] == "shop"
    out = profile / "s.ics"
    assert _run(profile, "schedule", "export", "--format", "ics", "-o", str(out)) == 0
    events = list(icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT"))
    assert len(events) == 1 and str(events[0]["DESCRIPTION"]) == "Hi"
    assert _run(profile, "schedule", "export", "--format", "csv") == 0
    assert capsys.readouterr().out.startswith("date,message,link,account")


def test_too_long_post_is_refused(profile, monkeypatch, capsys) -> None:
    code = _run(
        profile,
        "post",
        "--account",
        "shop.bsky.social",
        "--text-stdin",
        stdin="a" * 301,
        monkeypatch=monkeypatch,
    )
    assert code == 2
    assert "300 limit" in capsys.readouterr().err


def test_unknown_account(profile, monkeypatch, capsys) -> None:
    assert (
        _run(
            profile, "post", "--account", "nope", "--text-stdin", stdin="x", monkeypatch=monkeypatch
        )
        == 2
    )
    assert "No account 'nope'" in capsys.readouterr().err


def test_import_all_or_nothing(profile, tmp_path, capsys) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,message,account\n10/03/2099 09:30,ok,@shop\nsoon,bad,@shop\n")
    assert _run(profile, "schedule", "import", str(bad)) == 1
    captured = capsys.readouterr()
    assert "Bad date 'soon'" in captured.out and "nothing was imported" in captured.err
    _run(profile, "schedule", "list", "--json")
    assert json.loads(capsys.readouterr().out) == []
    good = tmp_path / "good.csv"
    good.write_text("10/03/2099 09:30,one\n11/03/2099 09:30,two\n")
    assert _run(profile, "schedule", "import", str(good), "--account", "shop") == 0
    assert "Imported 2 posts." in capsys.readouterr().out
    _run(profile, "schedule", "list", "--json")
    assert [r["text"] for r in json.loads(capsys.readouterr().out)] == ["one", "two"]


def test_templates_import_export(profile, tmp_path, capsys) -> None:
    f = tmp_path / "t.json"
    f.write_text(
        json.dumps(
            {
                "format": "social-inbox-templates",
                "version": 1,
                "templates": [
                    {"name": "Thanks", "body": "Thanks {author.name}!", "shortcut": "ty"}
                ],
            }
        )
    )
    assert _run(profile, "templates", "import", str(f)) == 0
    assert _run(profile, "templates", "export") == 0
    out = capsys.readouterr().out
    assert '"shortcut": "ty"' in out


def test_slots_then_queue(profile, monkeypatch, capsys) -> None:
    assert (
        _run(
            profile,
            "schedule",
            "slots",
            "--account",
            "shop",
            "mon-fri 09:30",
            "--zone",
            "Europe/Berlin",
        )
        == 0
    )
    assert capsys.readouterr().out.strip() == (
        "mon 09:30; tue 09:30; wed 09:30; thu 09:30; fri 09:30 (Europe/Berlin)"
    )
    assert (
        _run(
            profile,
            "post",
            "--account",
            "shop",
            "--text-stdin",
            "--queue",
            stdin="queued",
            monkeypatch=monkeypatch,
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "scheduled at" in out and ":30 Europe/Berlin" in out
    assert _run(profile, "schedule", "slots", "--account", "shop", "mon 25:00") == 2


def test_policy(profile, capsys) -> None:
    assert _run(profile, "schedule", "policy") == 0
    assert capsys.readouterr().out.strip() == (
        "approval: contributors; missed posts: ask (late by more than 15 min); alt text: required"
    )
    assert (
        _run(
            profile,
            "schedule",
            "policy",
            "--missed",
            "skip",
            "--grace",
            "30",
            "--alt-text",
            "optional",
        )
        == 0
    )
    assert "missed posts: skip (late by more than 30 min); alt text: optional" in (
        capsys.readouterr().out
    )


def test_run_until_idle_returns_when_accounts_need_sign_in(profile, monkeypatch, capsys) -> None:
    _run(profile, "post", "--account", "shop", "--text-stdin", stdin="hi", monkeypatch=monkeypatch)
    capsys.readouterr()
    assert _run(profile, "schedule", "run", "--until-idle") == 1  # stuck: it says why
    assert "waits for @shop, which needs signing in again" in capsys.readouterr().err
    _run(profile, "schedule", "list", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["state"] == "sending"
    assert rows[0]["accounts"][0]["status"] == "queued"
    assert "not connected" in rows[0]["accounts"][0]["error"]


def test_account_by_its_short_handle(tmp_path, monkeypatch, capsys) -> None:
    s = Store(tmp_path / "inbox.db")
    s.add_account(AccountInfo("mastodon", "m.test", "1", "teashop@m.test"))
    s.close()
    assert (
        _run(
            tmp_path,
            "post",
            "--account",
            "teashop",
            "--text-stdin",
            stdin="hi",
            monkeypatch=monkeypatch,
        )
        == 0
    )
    assert "post 1: scheduled" in capsys.readouterr().out
