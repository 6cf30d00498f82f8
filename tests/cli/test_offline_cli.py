"""Offline work through the CLI, against the suite's real PostgreSQL behind a TCP proxy the
test cuts (a partition): verbs run offline on the laptop's replica, `team status` says what
waits to sync, and `team sync` lands it on the server once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from inbox.cli.main import main
from inbox.core.clock import SystemClock
from inbox.core.models import AccountInfo, Contact, Kind, Message
from inbox.store import Store
from tests.pg import PgServer
from tests.servers.tcp_proxy import TcpProxy


@pytest.fixture
def proxy(pg_dsn: str) -> Iterator[TcpProxy]:
    p = TcpProxy("127.0.0.1", int(urlsplit(pg_dsn).port or 5432)).start()
    yield p
    p.stop()


def run(
    capsys: pytest.CaptureFixture[str], *args: str, stdin: str | None = None
) -> tuple[int, str]:
    import io
    import sys

    old = sys.stdin
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        code = main(list(args))
    finally:
        sys.stdin = old
    out = capsys.readouterr()
    return code, out.out + out.err


def _seed(pg_dsn: str, tmp_path: Path) -> tuple[Store, list[int]]:
    sam = Store(tmp_path / "sam" / "inbox.db", clock=SystemClock(), dsn=pg_dsn)
    account = sam.add_account(AccountInfo("mastodon", "https://shop.test", "1", "shop"))
    now = SystemClock().now()
    ids = []
    for n in range(2):
        customer = Contact("mastodon", f"90{n}", f"c{n}@elsewhere.test", f"Customer {n}")
        message = Message(f"77{n}", f"c-77{n}", Kind.MENTION, customer, f"help {n}?", now)
        ids += sam.ingest.messages(account.id, [message]).conversations
    return sam, ids


def test_verbs_run_offline_and_team_status_and_sync_say_what_waits(
    capsys, tmp_path: Path, pg_server: PgServer, pg_dsn: str, proxy: TcpProxy, memory_keyring
) -> None:
    sam, (c1, c2) = _seed(pg_dsn, tmp_path)
    parts = urlsplit(pg_server.dsn(urlsplit(pg_dsn).path.lstrip("/"), password=False))
    address = urlunsplit(parts._replace(netloc=f"{parts.netloc.rsplit(':', 1)[0]}:{proxy.port}"))
    laptop = str(tmp_path / "alex")
    code, out = run(
        capsys, "--profile", laptop, "team", "connect", address, "--password-stdin",
        stdin=pg_server.password + "\n",
    )  # fmt: skip
    assert code == 0, out
    code, out = run(capsys, "--profile", laptop, "team", "sync")
    assert (code, out.strip()) == (0, "Nothing waits to sync.")
    assert (tmp_path / "alex" / "replica.db").exists()  # the deck as this laptop saw it

    proxy.cut()
    code, out = run(capsys, "--profile", laptop, "conversations", "resolve", str(c1), str(c2))
    assert code == 0, out
    assert "Resolved 2 conversations." in out
    code, out = run(
        capsys, "--profile", laptop, "conversations", "note", str(c1), "--text", "Refund sent"
    )
    assert code == 0, out
    # What Alex sees offline: the replica with Alex's changes.
    code, out = run(capsys, "--profile", laptop, "conversations", "show", str(c1), "--json")
    assert code == 0, out
    shown = json.loads(out)
    assert shown["status"] == "resolved"
    assert [n["text"] for n in shown["notes"]] == ["Refund sent"]
    code, out = run(capsys, "--profile", laptop, "team", "status")
    assert code == 0, out
    assert out.splitlines()[0] == "Offline — 2 changes waiting to sync."
    assert "cannot be reached" in out and "copy of the deck" in out
    assert pg_server.password not in out
    # Disconnecting now would leave them behind: refused, with what to do.
    code, out = run(capsys, "--profile", laptop, "team", "disconnect")
    assert code == 2
    assert "2 changes made offline have not reached the team server yet" in out
    assert (tmp_path / "alex" / "team.json").exists()
    # The server has none of it yet.
    assert sam.triage.notes(c1) == []
    assert {r[0] for r in sam.query("SELECT status FROM conversations")} != {"resolved"}

    proxy.heal()
    code, out = run(capsys, "--profile", laptop, "team", "status")
    assert code == 0, out
    assert "2 changes made offline waiting to sync" in out
    code, out = run(capsys, "--profile", laptop, "team", "sync")
    assert (code, out.strip()) == (0, "Synced 2 changes made offline.")
    code, out = run(capsys, "--profile", laptop, "team", "sync")
    assert (code, out.strip()) == (0, "Nothing waits to sync.")
    # What the server received: once.
    assert {r[0] for r in sam.query("SELECT status FROM conversations")} == {"resolved"}
    assert [n.text for n in sam.triage.notes(c1)] == ["Refund sent"]
    assert sam.query("SELECT count(*) FROM journal_applied")[0][0] == 2
    sam.close()
