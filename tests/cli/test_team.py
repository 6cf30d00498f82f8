"""`social-inbox team connect|migrate|status|disconnect` against a real PostgreSQL (tests/pg.py):
a demo profile moves to the server with every table counted, the deck reads back the same
from there, a second laptop joining sees it, and what goes wrong says so in words."""

from __future__ import annotations

import io
import json
from contextlib import closing
from pathlib import Path

import psycopg
import pytest

from inbox import secrets
from inbox.cli.main import main
from inbox.store import Store
from tests.pg import PgServer


def run(
    capsys: pytest.CaptureFixture[str], *args: str, stdin: str | None = None
) -> tuple[int, str, str]:
    if stdin is not None:
        import sys

        old, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        code = main(list(args))
    finally:
        if stdin is not None:
            sys.stdin = old
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_demo_profile_moves_to_the_team_server_and_reads_back_the_same(
    capsys, tmp_path: Path, pg_server: PgServer, memory_keyring
) -> None:
    laptop = tmp_path / "alex"
    assert run(capsys, "demo", "--profile", str(laptop))[0] == 0
    code, before, _ = run(capsys, "--profile", str(laptop), "conversations", "list", "--json")
    assert code == 0
    local_rows = json.loads(before)
    dsn = pg_server.fresh_database("move", migrated=False)
    address = pg_server.dsn(dsn.rsplit("/", 1)[1], password=False)

    code, out, err = run(
        capsys,
        "--profile",
        str(laptop),
        "team",
        "migrate",
        address,
        "--password-stdin",
        stdin=pg_server.password + "\n",
    )
    assert code == 0, err
    counts = {
        line.split()[0]: (int(line.split()[1]), int(line.split()[3]))
        for line in out.splitlines()
        if line.startswith("  ")
    }
    total = counts["conversations"][0]
    assert total > 300 and counts["conversations"] == (total, total)
    assert counts["messages"][0] > total and counts["audit_log"][0] > 0
    assert all(here == there for here, there in counts.values()), counts
    # What the server received, read with a client of its own.
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM conversations").fetchone() == (total,)
        for table, (here, _) in counts.items():
            assert conn.execute(f'SELECT count(*) FROM "{table}"').fetchone() == (here,), table

    # The password is in the keyring only: not in team.json, not in the profile's files.
    team_json = json.loads((laptop / "team.json").read_text())
    assert team_json == {"dsn": address}
    assert secrets.get_secret(secrets.team_key(address)) == pg_server.password
    for file in laptop.rglob("*"):
        if file.is_file():
            assert pg_server.password.encode() not in file.read_bytes(), file

    # The deck's first column, through the normal read path, now from the server.
    code, after, err = run(capsys, "--profile", str(laptop), "conversations", "list", "--json")
    assert code == 0, err
    assert json.loads(after) == local_rows
    conv = local_rows[0]["id"]
    code, shown, err = run(capsys, "--profile", str(laptop), "conversations", "show", str(conv))
    assert code == 0, err
    assert local_rows[0]["snippet"][:30] in shown

    code, out, _ = run(capsys, "--profile", str(laptop), "team", "status")
    assert code == 0 and "Team profile on" in out and f"{total} conversations" in out
    assert pg_server.password not in out

    # A second laptop joins the same team database and sees the same deck.
    sam = tmp_path / "sam"
    code, out, err = run(
        capsys,
        "--profile",
        str(sam),
        "team",
        "connect",
        address,
        "--password-stdin",
        stdin=pg_server.password + "\n",
    )
    assert code == 0, err
    code, theirs, err = run(capsys, "--profile", str(sam), "conversations", "list", "--json")
    assert code == 0, err
    assert json.loads(theirs) == local_rows

    # Who is at the keyboard is each laptop's own: Alex stays Alex after the move, Sam's
    # laptop starts as nobody, and Sam choosing themself does not make Alex Sam.
    with (
        closing(Store(laptop / "inbox.db")) as alex_store,
        closing(Store(sam / "inbox.db")) as sam_store,
    ):
        alex_me = alex_store.teams.current()
        assert alex_me is not None and alex_me.name == "Alex Rivera"
        assert sam_store.teams.current() is None
        [sam_member] = [m for m in sam_store.teams.members() if m.name.startswith("Sam")]
        sam_store.teams.set_current(sam_member.id)
        assert sam_store.teams.current() == sam_member
        assert alex_store.teams.current() == alex_me
        sam_store.set_setting("sync.streaming", False)  # a profile setting is the team's
        assert alex_store.setting("sync.streaming") is False
    assert json.loads((sam / "laptop.json").read_text()) == {"current_member": sam_member.id}

    # Moving a second profile into a database that holds a team's data is refused.
    code, _, err = run(capsys, "--profile", str(sam), "team", "migrate")
    assert code == 2 and "There is no local profile database" in err
    other = tmp_path / "other"
    assert run(capsys, "demo", "--profile", str(other))[0] == 0
    code, _, err = run(
        capsys,
        "--profile",
        str(other),
        "team",
        "migrate",
        address,
        "--password-stdin",
        stdin=pg_server.password + "\n",
    )
    assert code == 2 and "already holds a team's data" in err
    assert not (other / "team.json").exists()


def test_a_wrong_password_or_an_unreachable_server_says_so_and_saves_nothing(
    capsys, tmp_path: Path, pg_server: PgServer, pg_dsn: str
) -> None:
    address = pg_server.dsn(pg_dsn.rsplit("/", 1)[1], password=False)
    code, _, err = run(
        capsys,
        "--profile",
        str(tmp_path),
        "team",
        "connect",
        address,
        "--password-stdin",
        stdin="not-the-password\n",
    )
    assert code == 2 and "refused the sign-in" in err
    assert "not-the-password" not in err
    assert not (tmp_path / "team.json").exists()
    gone = f"postgresql://{pg_server.user}@127.0.0.1:1/{pg_dsn.rsplit('/', 1)[1]}"
    code, _, err = run(
        capsys,
        "--profile",
        str(tmp_path),
        "team",
        "connect",
        gone,
        "--password-stdin",
        stdin="x\n",
    )
    assert code == 2 and "cannot be reached" in err
    code, _, err = run(capsys, "--profile", str(tmp_path), "team", "connect", "mysql://x/y")
    assert code == 2 and "is not a PostgreSQL address" in err


def test_a_server_with_a_newer_schema_is_refused_untouched(
    capsys, tmp_path: Path, pg_server: PgServer, pg_dsn: str
) -> None:
    address = pg_server.dsn(pg_dsn.rsplit("/", 1)[1], password=False)
    code, _, err = run(
        capsys,
        "--profile",
        str(tmp_path),
        "team",
        "connect",
        address,
        "--password-stdin",
        stdin=pg_server.password + "\n",
    )
    assert code == 0, err
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version (version, name) VALUES (999, '0999_future.sql')")
        tables = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()
    code, _, err = run(capsys, "--profile", str(tmp_path), "conversations", "list")
    assert code == 2
    assert "written by a newer Social Inbox (schema 999" in err and "Update the app" in err
    with psycopg.connect(pg_dsn) as conn:
        assert (
            conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
            == tables
        )
    code, out, _ = run(capsys, "--profile", str(tmp_path), "team", "disconnect")
    assert code == 0 and "no longer works on" in out
    assert not (tmp_path / "team.json").exists()
    assert secrets.get_secret(secrets.team_key(address)) is None


def test_the_demo_day_is_made_through_the_engine_on_a_team_server(
    capsys, tmp_path: Path, pg_server: PgServer, pg_dsn: str, monkeypatch
) -> None:
    """Sync, rules, operations with audit, the outbox, posts, connectors and search columns
    all write to PostgreSQL when the profile is a team profile."""
    # `demo` switches to a fresh in-memory keyring; keep the one holding the password.
    monkeypatch.setattr(secrets, "use_memory_backend", lambda: None)
    address = pg_server.dsn(pg_dsn.rsplit("/", 1)[1], password=False)
    code, _, err = run(
        capsys, "--profile", str(tmp_path), "team", "connect", address, "--password-stdin",
        stdin=pg_server.password + "\n",
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run(capsys, "demo", "--profile", str(tmp_path))
    assert code == 0, err
    seeded = int(out.split(" conversations")[0].rsplit(" ", 1)[1])
    assert seeded > 300
    assert not (tmp_path / "inbox.db").exists()  # nothing went to a local file
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM conversations").fetchone() == (seeded,)
        assert conn.execute("SELECT count(*) FROM members").fetchone() == (3,)
        sent = conn.execute("SELECT count(*) FROM outbox WHERE status = 'done'").fetchone()
        assert sent is not None and sent[0] >= 1
        audited = conn.execute("SELECT count(DISTINCT action) FROM audit_log").fetchone()
        assert audited is not None and audited[0] >= 5
    code, out, err = run(capsys, "--profile", str(tmp_path), "conversations", "list", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert rows and [r["priority"] for r in rows] == sorted(
        (r["priority"] for r in rows), reverse=True
    )
    code, out, _ = run(capsys, "--profile", str(tmp_path), "team", "status")
    assert f"{seeded} conversations, 3 members" in out


def test_connecting_to_another_server_forgets_the_first_ones_password(
    capsys, tmp_path: Path, pg_server: PgServer, memory_keyring
) -> None:
    first, second = (
        pg_server.dsn(pg_server.fresh_database(name).rsplit("/", 1)[1], password=False)
        for name in ("first", "second")
    )
    for address in (first, second):
        code, _, err = run(
            capsys,
            "--profile",
            str(tmp_path),
            "team",
            "connect",
            address,
            "--password-stdin",
            stdin=pg_server.password + "\n",
        )
        assert code == 0, err
    assert json.loads((tmp_path / "team.json").read_text()) == {"dsn": second}
    assert secrets.get_secret(secrets.team_key(second)) == pg_server.password
    assert secrets.get_secret(secrets.team_key(first)) is None
    assert list(memory_keyring._items) == [(secrets.SERVICE, secrets.team_key(second))]
