"""`social-inbox conversations list` and `social-inbox demo`, run as the user types them."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from inbox.cli.main import main


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("profile")
    assert main(["demo", "--profile", str(folder)]) == 0
    return folder


def listing(capsys, profile: Path, *args: str) -> list[dict]:
    assert main(["--profile", str(profile), "conversations", "list", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_is_ordered_like_the_first_column_by_priority(capsys, profile) -> None:
    rows = listing(capsys, profile, "--limit", "40")
    assert len(rows) == 40
    assert [r["priority"] for r in rows] == sorted((r["priority"] for r in rows), reverse=True)
    first = rows[0]
    assert {"id", "account", "network", "kind", "status", "priority", "contact", "snippet"} <= set(
        first
    )
    assert first["last_message_at"].endswith("Z")


def test_column_option_lists_that_column(capsys, profile) -> None:
    dms = listing(capsys, profile, "--column", "Direct messages", "--limit", "500")
    assert dms and {r["kind"] for r in dms} == {"dm"}
    newest = listing(capsys, profile, "--column", "everything NEWEST", "--limit", "30")
    stamps = [r["last_message_at"] for r in newest]
    assert stamps == sorted(stamps, reverse=True)


def test_human_output_is_an_aligned_table(capsys, profile) -> None:
    assert main(["--profile", str(profile), "conversations", "list", "--limit", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # The column holds more than five: the first line says how many, and how to see them.
    assert lines[0].startswith("Support – urgent: ") and lines[0].endswith(
        " conversations, the first 5 shown (--limit N for more)"
    )
    assert int(lines[0].split(": ")[1].split()[0]) > 5
    header, *rows = lines[1:]
    assert header.split()[:3] == ["ID", "PRI", "STATUS"]
    snippet_at = header.index("SNIPPET")
    assert len(rows) == 5 and all(len(r) > snippet_at and r[snippet_at - 2] == " " for r in rows)


def test_unknown_column_exits_2_and_names_the_columns(capsys, profile) -> None:
    code = main(["--profile", str(profile), "conversations", "list", "--column", "Nope"])
    assert code == 2
    err = capsys.readouterr().err
    assert "No column named 'Nope'" in err and "'Direct messages'" in err


def test_profile_without_an_inbox_says_how_to_start(capsys, tmp_path) -> None:
    assert main(["--profile", str(tmp_path), "conversations", "list"]) == 2
    assert "--demo" in capsys.readouterr().err


def test_demo_without_profile_uses_a_throwaway_folder(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert main(["--demo", "conversations", "list", "--json", "--limit", "3"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3
    assert list(tmp_path.iterdir()) == []  # removed afterwards


def test_demo_verb_refuses_to_seed_without_a_profile(capsys) -> None:
    assert main(["demo"]) == 2
    assert "--profile" in capsys.readouterr().err


def test_demo_verb_twice_reports_the_same_workspace(capsys, profile) -> None:
    assert main(["demo", "--profile", str(profile)]) == 0
    # 335: X has one DM conversation per pair of people, so the X recording's two DM
    # threads with one customer arrive as one conversation through the real adapter;
    # + 24 found by the "Competitors" search column (8 posts on each network); + 6 replies
    # followers wrote to the two posts published on Mastodon (each its own conversation).
    assert "365 conversations, 8 columns" in capsys.readouterr().out
