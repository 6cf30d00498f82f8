"""The command line as a user meets it: show / resolve / reopen / note a conversation, answer
scheduled posts, zones that say which, accounts by id or handle, empty lists that say so,
hints that keep --profile, and `| head` without a traceback."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from inbox.cli.main import main
from inbox.core.clock import to_iso
from inbox.core.handoff import ExternalRef, RefKind
from inbox.core.posts import Post
from inbox.engine import Engine
from inbox.engine import publishing as pub
from inbox.store import Store


@pytest.fixture
def profile(tmp_path: Path, store: Store, conversation: int) -> str:
    """A profile holding the test conversation (question + our answer), pushed to a desk."""
    store.connectors.save_ref(
        conversation, ExternalRef("desk", "4711", "https://desk.example/t/4711", RefKind.TICKET)
    )
    store.close()
    return str(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_show_resolve_reopen_and_note_a_conversation(capsys, profile, conversation) -> None:
    cid = str(conversation)
    code, out, _ = run(capsys, "conversations", "show", cid, "--profile", profile)
    assert code == 0
    assert "Bob Smith (@bob@fosstodon.org) to @teashop on mastodon" in out
    assert "where is my order 42?" in out and "(us)" in out and "It ships tomorrow." in out
    assert "Ticket 4711 in desk: https://desk.example/t/4711" in out

    code, out, _ = run(capsys, "conversations", "resolve", cid, "--profile", profile)
    assert (code, out.strip()) == (0, "Resolved 1 conversation.")
    code, out, _ = run(capsys, "conversations", "resolve", cid, "--profile", profile)
    assert out.strip() == "1 already resolved."
    code, out, _ = run(capsys, "conversations", "reopen", cid, "--profile", profile)
    assert out.strip() == "Reopened 1 conversation."
    code, out, _ = run(
        capsys, "conversations", "note", cid, "--text", "Refund approved", "--profile", profile
    )
    assert code == 0 and "never sent" in out
    code, out, _ = run(capsys, "conversations", "show", cid, "--profile", profile)
    assert "Internal note by You (never sent)\n    Refund approved" in out
    history = out.split("History:")[1]
    assert "You resolved it" in history and "You reopened it" in history
    assert "You added an internal note" in history and "someone" not in history
    code, _, err = run(capsys, "conversations", "show", "999", "--profile", profile)
    assert code == 2 and "No conversation 999." in err


def test_empty_lists_say_so_and_hints_keep_the_profile(capsys, tmp_path) -> None:
    folder = str(tmp_path / "fresh")
    code, _, err = run(capsys, "--profile", folder, "schedule", "list")
    assert code == 0 and "does not exist; creating it as a new profile" in err
    code, out, _ = run(capsys, "--profile", folder, "schedule", "list")
    assert out.startswith("No posts.") and f"--profile {folder} post" in out
    code, out, _ = run(capsys, "--profile", folder, "templates", "list")
    assert out.startswith("No saved replies.") and f"--profile {folder} templates import" in out
    code, out, _ = run(capsys, "--profile", folder, "connectors", "list")
    assert out.startswith("No connectors.") and f"--profile {folder}" in out
    code, out, _ = run(capsys, "--profile", folder, "accounts", "list")
    assert out.startswith("No accounts.") and f"--profile {folder} accounts add" in out


def test_templates_help_lists_its_actions(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["templates", "--help"])
    out = capsys.readouterr().out
    for action in ("list", "import", "export"):
        assert f"    {action}" in out


def test_a_list_piped_into_head_ends_quietly(profile) -> None:
    done = subprocess.run(
        f"'{sys.executable}' -m inbox.cli.main conversations list --profile '{profile}' | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.startswith("All open") or done.stdout
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_times_default_to_the_system_zone_and_say_so(capsys, profile, monkeypatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    text = "Summer sale starts today"
    monkeypatch.setattr("sys.stdin", _stdin(text))
    code, out, err = run(
        capsys,
        "--profile", profile, "post", "--account", "teashop", "--text-stdin",
        "--at", "2031-06-02T09:00",
    )  # fmt: skip
    assert code == 0 and "Times are in Europe/Berlin (this computer's zone" in err
    assert "scheduled at 2031-06-02 09:00 Europe/Berlin" in out
    store = Store(Path(profile) / "inbox.db", readonly=True)
    try:
        [post] = store.posts.find()
        assert to_iso(post.scheduled_at).startswith("2031-06-02T07:00")  # CEST is UTC+2
    finally:
        store.close()


def test_csv_import_names_accounts_by_id_or_short_handle(capsys, profile, tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    csv = tmp_path / "posts.csv"
    csv.write_text(
        "date,message,account\n"
        "2031-01-05 10:00,First by id,1\n"
        "2031-01-06 10:00,Second by handle,@teashop\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "--profile", profile, "schedule", "import", str(csv))
    assert code == 0, out + err
    assert "Imported 2 posts." in out and "America/New_York" in err
    code, out, _ = run(capsys, "--profile", profile, "schedule", "list")
    assert "2031-01-05 10:00" in out and "2031-01-06 10:00" in out


def test_scheduled_posts_are_answered_from_the_cli(capsys, profile, monkeypatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    engine = Engine(Path(profile) / "inbox.db")
    engine.start()
    try:
        soon = engine.clock.now() + timedelta(days=2)
        ids = [
            engine.call(lambda e, n=n: pub.submit(e, Post(f"post {n}", (1,), scheduled_at=soon)).id)
            for n in range(3)
        ]
    finally:
        engine.stop()
    p = ("--profile", profile)
    code, out, _ = run(
        capsys, *p, "schedule", "reschedule", str(ids[0]), "--at", "2031-03-01T08:15"
    )
    assert (code, out.strip()) == (0, f"post {ids[0]}: scheduled at 2031-03-01 08:15 UTC")
    code, out, _ = run(capsys, *p, "schedule", "cancel", str(ids[1]))
    assert out.startswith(f"post {ids[1]}: draft") and "Cancelled; kept as a draft." in out
    code, _, err = run(capsys, *p, "schedule", "retry", str(ids[2]))
    assert code == 2 and "has not failed (it is scheduled)" in err
    code, _, err = run(capsys, *p, "schedule", "missed", str(ids[2]), "skip")
    assert code == 2 and "not waiting for a decision" in err
    code, _, err = run(capsys, *p, "schedule", "missed", str(ids[2]), "reschedule")
    assert code == 2


def test_schedule_run_says_why_a_due_post_is_stuck(capsys, profile, monkeypatch) -> None:
    """The account has no saved sign-in: the due post cannot go, and the run says so."""
    engine = Engine(Path(profile) / "inbox.db")
    engine.start()
    try:
        now = engine.clock.now()
        post = engine.call(lambda e: pub.submit(e, Post("Due now", (1,), scheduled_at=now)))
    finally:
        engine.stop()
    code, _, err = run(capsys, "--profile", profile, "schedule", "run", "--until-idle")
    assert code == 1
    assert f"post {post.id} waits for @teashop, which needs signing in again" in err
    assert f"--profile {profile} accounts list" in err


class _stdin:
    def __init__(self, text: str) -> None:
        self.text = text

    def read(self) -> str:
        return self.text
