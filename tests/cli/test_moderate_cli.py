"""`social-inbox moderate` and `social-inbox guidelines` end to end against the fake Mastodon
instance on a loopback port: what the user reads, what the server received, the audit row."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from inbox.cli.main import main
from inbox.store import Store
from tests.networks.mastodon.fake import TOKEN, FakeMastodon
from tests.servers.loopback import serve

ALICE = "110000000000000002"


@pytest.fixture
def fake() -> Iterator[FakeMastodon]:
    server = FakeMastodon()
    with serve(server.handle) as url:
        server.url = url  # type: ignore[attr-defined]
        yield server


@pytest.fixture
def profile(tmp_path: Path, fake, monkeypatch) -> Path:
    folder = tmp_path / "profile"
    folder.mkdir()
    store = Store(folder / "inbox.db")
    store.set_setting("sync.backfill_days", 36500)  # the recordings are from March 2026
    store.close()
    monkeypatch.setattr("sys.stdin", io.StringIO(TOKEN + "\n"))
    args = ["accounts", "add", "mastodon", "--instance", fake.url, "--token-stdin"]
    assert run(folder, *args) == 0
    assert run(folder, "sync", "--once") == 0
    return folder


def run(profile: Path, *args: str) -> int:
    return main(["--profile", str(profile), *args])


def conversation(profile: Path, key: str) -> int:
    store = Store(profile / "inbox.db")
    try:
        [row] = store.query("SELECT id FROM conversations WHERE key = ?", (key,))
        return int(row[0])
    finally:
        store.close()


def test_block_from_the_cli_with_a_guideline(fake, profile, capsys) -> None:
    capsys.readouterr()
    assert run(profile, "guidelines", "add", "No spam", "--kind", "conduct") == 0
    assert "Added guideline 1: No spam (warn)." in capsys.readouterr().out
    cid = conversation(profile, "thread:1130")
    code = run(
        profile, "moderate", "block", str(cid), "--guideline", "no spam",
        "--reason", "sells followers",
    )  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert out.startswith("Queued: block @alice@127.0.0.1:")
    assert "sync --once` sends it." in out
    assert fake.calls("POST", f"/api/v1/accounts/{ALICE}/block") == []
    assert run(profile, "sync", "--once") == 0
    assert len(fake.calls("POST", f"/api/v1/accounts/{ALICE}/block")) == 1
    assert fake.relationships[ALICE]["blocking"] is True
    store = Store(profile / "inbox.db")
    [row] = store.query(
        "SELECT actor, detail_json FROM audit_log WHERE action = 'moderation.block'"
    )
    store.close()
    detail = json.loads(row[1])
    assert detail["guideline"] == "No spam" and detail["reason"] == "sells followers"
    assert run(profile, "moderate", "unblock", str(cid)) == 0
    assert run(profile, "sync", "--once") == 0
    assert fake.relationships[ALICE]["blocking"] is False


def test_bad_input_is_refused_in_words(fake, profile, capsys) -> None:
    cid = conversation(profile, "thread:1130")
    capsys.readouterr()
    assert run(profile, "moderate", "hide", str(cid)) == 2
    assert "Mastodon cannot hide a reply" in capsys.readouterr().err
    assert run(profile, "moderate", "block", "999999") == 2
    assert "No conversation 999999" in capsys.readouterr().err
    assert run(profile, "moderate", "block", str(cid), "--guideline", "nope") == 2
    assert "No guideline 'nope'" in capsys.readouterr().err
    args = ["guidelines", "add", "Sites", "--kind", "domains", "--word", "not a domain"]
    assert run(profile, *args) == 2
    assert "is not a domain" in capsys.readouterr().err
    assert fake.relationships == {} and fake.reports == []


def test_a_reply_breaking_an_approval_rule_waits_for_an_approver(
    fake, profile, capsys, monkeypatch
) -> None:
    args = ["guidelines", "add", "No promises", "--word", "guaranteed refund"]
    assert run(profile, *args, "--severity", "approval") == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("A guaranteed refund for everyone"))
    assert run(profile, "guidelines", "check", "--text-stdin") == 1
    assert "No promises (needs approval): uses “guaranteed refund”." in capsys.readouterr().out
    cid = conversation(profile, "thread:1130")
    monkeypatch.setattr("sys.stdin", io.StringIO("You get a guaranteed refund."))
    assert run(profile, "reply", str(cid), "--text-stdin") == 0
    out = capsys.readouterr().out
    assert "Held for approval (held reply 1)" in out and "guidelines approve 1" in out
    assert run(profile, "sync", "--once") == 0
    assert fake.posts == []  # held: nothing reached the server
    assert run(profile, "guidelines", "held") == 0
    assert "You get a guaranteed refund." in capsys.readouterr().out
    assert run(profile, "guidelines", "approve", "1") == 0
    assert "Approved: reply queued" in capsys.readouterr().out
    assert run(profile, "sync", "--once") == 0
    [post] = fake.posts
    assert post["form"]["status"][0].endswith("You get a guaranteed refund.")
    assert run(profile, "guidelines", "approve", "1") == 2  # decided already
    assert "no longer waiting" in capsys.readouterr().err


def test_a_report_whose_answer_was_lost_is_never_filed_twice_by_itself(
    fake, profile, capsys
) -> None:
    """The server files the report and its answer is lost on the way: the next runs send
    nothing (reports have no idempotency key and cannot be listed) and say why; `outbox
    retry` — the user checked — files it again, once."""
    cid = conversation(profile, "thread:1130")
    assert run(profile, "moderate", "report", str(cid), "--category", "spam") == 0
    fake.timeout_after_report = 1
    run(profile, "sync", "--once")
    assert len(fake.reports) == 1  # filed; we never heard so
    for _ in range(2):
        run(profile, "sync", "--once")
    assert len(fake.calls("POST", "/api/v1/reports")) == 1
    capsys.readouterr()
    assert run(profile, "outbox", "list") == 0
    listed = capsys.readouterr().out
    assert "failed" in listed and "The report may have been filed" in listed
    store = Store(profile / "inbox.db")
    [row] = [r for r in store.outbox.all(include_finished=True) if r.kind == "moderate"]
    store.close()
    assert row.status == "failed"
    assert run(profile, "outbox", "retry", str(row.id)) == 0
    assert run(profile, "sync", "--once") == 0
    assert len(fake.calls("POST", "/api/v1/reports")) == 2 and len(fake.reports) == 2
    run(profile, "sync", "--once")
    assert len(fake.reports) == 2  # done: never a third
