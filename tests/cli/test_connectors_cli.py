"""social-inbox connectors add/list/test/remove, push and article, end to end on a profile."""

from __future__ import annotations

import io
import json

import pytest

from inbox import secrets
from inbox.cli.main import main
from inbox.store import Store


@pytest.fixture
def profile(tmp_path, store, conversation):
    """A profile folder whose database already holds the test conversation."""
    store.close()
    return str(tmp_path)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_test_remove_markdown_and_publish_an_article(capsys, profile, tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    code, out, _ = run(
        capsys,
        "--profile",
        profile,
        "connectors",
        "add",
        "markdown",
        "--name",
        "kb",
        "--set",
        f"folder={kb}",
    )
    assert code == 0 and "Saved connector 'kb'" in out
    code, out, _ = run(capsys, "--profile", profile, "connectors", "list", "--json")
    assert json.loads(out) == [{"name": "kb", "kind": "markdown", "config": {"folder": str(kb)}}]
    code, out, _ = run(capsys, "--profile", profile, "connectors", "test", "kb")
    assert code == 0 and "is writable" in out

    code, _, err = run(capsys, "--profile", profile, "article", "1", "--connector", "kb")
    assert code == 2 and "Conversation 1 is pending: articles are written from solved cases" in err
    store = Store(f"{profile}/inbox.db")
    store.conn.execute("UPDATE conversations SET status = 'resolved'")
    store.close()
    code, out, _ = run(
        capsys, "--profile", profile, "article", "1", "--connector", "kb", "--dry-run"
    )
    assert "Title: Where is my order 42?" in out and "Removed: " in out
    assert not list(kb.glob("*.md"))
    code, out, _ = run(
        capsys, "--profile", profile, "article", "1", "--connector", "kb", "--title", "Late orders"
    )
    assert code == 0 and out.startswith("Article late-orders.md: file://")
    assert (kb / "late-orders.md").exists()

    code, out, _ = run(capsys, "--profile", profile, "connectors", "remove", "kb")
    assert code == 0
    assert run(capsys, "--profile", profile, "connectors", "list")[1] == ""


def test_secrets_come_from_stdin_never_the_command_line(capsys, profile, monkeypatch):
    code, _, err = run(
        capsys,
        "--profile",
        profile,
        "connectors",
        "add",
        "rt",
        "--name",
        "desk",
        "--set",
        "url=https://rt.example",
        "--set",
        "token=abc",
    )
    assert code == 2 and "Pass token with --secret-stdin" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("1-31-s3cret\n"))
    code, out, _ = run(
        capsys,
        "--profile",
        profile,
        "connectors",
        "add",
        "webhook",
        "--name",
        "hook",
        "--set",
        "url=http://127.0.0.1:9/hook",
        "--secret-stdin",
    )
    assert code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("1-31-rtt0ken\n"))
    code, out, _ = run(
        capsys,
        "--profile",
        profile,
        "connectors",
        "add",
        "rt",
        "--name",
        "desk",
        "--set",
        "url=https://rt.example",
        "--secret-stdin",
    )
    assert code == 0
    assert secrets.get_secret(secrets.connector_key("desk", "token")) == "1-31-rtt0ken"
    code, out, _ = run(capsys, "--profile", profile, "connectors", "list")
    assert out.startswith("desk\trt\tqueue=General, url=https://rt.example\nhook\twebhook\t")
    assert "s3cret" not in out and "rtt0ken" not in out
    store = Store(f"{profile}/inbox.db")
    try:
        assert "s3cret" not in store.query("SELECT config_json FROM connectors")[0][0]
    finally:
        store.close()


def test_push_that_cannot_reach_the_desk_stays_queued_and_says_why(capsys, profile, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("whsec_c2VjcmV0\n"))
    run(
        capsys,
        "--profile",
        profile,
        "connectors",
        "add",
        "webhook",
        "--name",
        "hook",
        "--set",
        "url=http://127.0.0.1:9/hook",
        "--secret-stdin",
    )
    code, out, _ = run(capsys, "--profile", profile, "push", "1", "--connector", "hook")
    assert code == 3
    assert "Ticket queued (outbox #1)" in out and "unreachable" in out
    code, out, _ = run(capsys, "--profile", profile, "connectors", "pending", "--json")
    (row,) = json.loads(out)
    assert (row["kind"], row["connector"], row["status"]) == ("push", "hook", "queued")
    assert "unreachable" in row["error"]
    code, _, err = run(capsys, "--profile", profile, "connectors", "test", "hook")
    assert code == 2 and "the webhook at 127.0.0.1 is unreachable" in err
    code, _, err = run(capsys, "--profile", profile, "push", "1", "--connector", "nope")
    assert code == 2 and "No connector named 'nope'" in err
