"""File → Team server… against the suite's real PostgreSQL (tests/pg.py).

Alex's local profile moves its data to an empty team database through the form (progress,
then the per-table counts), and the window reopens on the team's deck; Sam's empty laptop
connects to the same database and its window reopens showing the same conversations; Sam
disconnects and is local again. What goes wrong (a wrong password, nothing listening, a web
server on the port, a newer schema) is said in the form, and nothing is saved.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from inbox import secrets
from inbox.store import pg
from inbox.ui.app import Session
from inbox.ui.features.team_server import TeamServerForm
from tests.pg import PgServer
from tests.ui.conftest import Opener


def open_form(session: Session, qtbot: QtBot) -> TeamServerForm:
    session.window.bound()["team_server"].trigger()  # File → Team server…
    form = session.window.findChild(TeamServerForm)
    assert form is not None
    qtbot.waitExposed(form)
    return form


def fill(
    qtbot: QtBot, form: TeamServerForm, pg: PgServer, database: str, password: str, port: int = 0
) -> None:
    for field, text in (
        (form.host, pg.host),
        (form.database, database),
        (form.user, pg.user),
        (form.password, password),
    ):
        field.clear()
        qtbot.keyClicks(field, text)
    form.port.selectAll()
    qtbot.keyClicks(form.port, str(port or pg.port))


def click(qtbot: QtBot, form: TeamServerForm, button: str) -> str:
    """Click a button of the form and wait for its answer; the result line's text."""
    qtbot.mouseClick(getattr(form, button), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not form.busy, timeout=60_000)
    return form.answer.text()


def reopened(session: Session, qtbot: QtBot) -> Session:
    qtbot.waitUntil(lambda: session.successor is not None, timeout=30_000)
    new = session.latest()
    qtbot.waitExposed(new.window)
    qtbot.waitUntil(new.window.deck.loaded, timeout=30_000)
    assert not session.engine.running  # the old window's engine is gone with it
    return new


def deck_rows(session: Session) -> list[str]:
    rows = []
    for column in session.window.deck.columns():
        model = column.model
        rows += [str(model.data(model.index(r))) for r in range(model.rowCount())]
    return sorted(rows)


def profile_files_hold(folder: Path, secret: str) -> list[Path]:
    return [f for f in folder.rglob("*") if f.is_file() and secret.encode() in f.read_bytes()]


def test_alex_moves_the_profile_to_the_team_server_and_sam_joins_the_same_deck(
    workspace: Path, open_profile: Opener, qtbot: QtBot, pg_server: PgServer, tmp_path: Path
) -> None:
    database = pg_server.fresh_database("form", migrated=False).rsplit("/", 1)[1]
    address = pg_server.dsn(database, password=False)
    alex = open_profile(workspace)
    local_rows = deck_rows(alex)
    assert len(local_rows) >= 5 and alex.store.dsn is None
    form = open_form(alex, qtbot)
    assert "This profile is local" in form.where.text()
    assert not form.disconnect_button.isEnabled()
    fill(qtbot, form, pg_server, database, pg_server.password)

    said = click(qtbot, form, "test_button")
    assert said.startswith(f"Reached {pg_server.user}@{pg_server.host}:{pg_server.port}/")
    assert "an empty database" in said
    assert not (workspace / "team.json").exists()  # a test saves nothing

    progress: list[tuple[int, int]] = []
    alex.bridge.progress.connect(lambda e: progress.append((e.done, e.total)))
    said = click(qtbot, form, "move_button")
    assert said.startswith("Moved "), said
    assert form.counts.isVisible()
    counts = {
        line.split()[0]: (int(line.split()[1]), int(line.split()[2]))
        for line in form.counts.toPlainText().splitlines()[1:]
    }
    assert counts["conversations"][0] >= 5
    assert all(here == there for here, there in counts.values()), counts
    assert progress and progress[-1][0] == progress[-1][1] == len(counts)
    # What the server has, read with a client of its own, and what the local file has.
    with (
        psycopg.connect(pg_server.dsn(database)) as server,
        closing(sqlite3.connect(workspace / "inbox.db")) as local,
    ):
        for table in ("conversations", "messages", "columns", "accounts"):
            there = server.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            here = local.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            assert there == here == (counts[table][0],), table

    qtbot.mouseClick(form.close_button, Qt.MouseButton.LeftButton)  # "Open the team's deck"
    alex = reopened(alex, qtbot)
    assert alex.store.dsn == address
    assert alex.engine.call(lambda e: e.store.dsn) == address
    assert deck_rows(alex) == local_rows
    badge = alex.window.statusBar().findChild(QLabel, "teamServerLabel")
    assert badge is not None and badge.text() == f"Team: {database}"
    # The password is in the keyring only: not in team.json, not in any file of the profile.
    assert (workspace / "team.json").read_text().strip() == f'{{"dsn": "{address}"}}'
    assert secrets.get_secret(secrets.team_key(address)) == pg_server.password
    assert profile_files_hold(workspace, pg_server.password) == []

    # Sam's laptop: an empty local profile connects to the same team database.
    sam = open_profile(tmp_path / "sam")
    assert deck_rows(sam) == []
    form = open_form(sam, qtbot)
    fill(qtbot, form, pg_server, database, pg_server.password)
    said = click(qtbot, form, "test_button")
    assert "a team database" in said and f"{counts['conversations'][0]} conversations" in said
    qtbot.mouseClick(form.connect_button, Qt.MouseButton.LeftButton)
    sam = reopened(sam, qtbot)
    assert sam.store.dsn == address
    assert deck_rows(sam) == local_rows  # the same deck as Alex's
    assert [c.name for c in sam.window.deck.columns()] == [
        c.name for c in alex.window.deck.columns()
    ]

    # Sam disconnects: local again, the password forgotten on this laptop only.
    form = open_form(sam, qtbot)
    assert "works on the team server" in form.where.text()
    assert form.host.text() == pg_server.host and form.database.text() == database
    qtbot.mouseClick(form.disconnect_button, Qt.MouseButton.LeftButton)
    confirm = form.findChild(QMessageBox, "teamDisconnectConfirm")
    assert confirm is not None
    qtbot.mouseClick(confirm.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    sam = reopened(sam, qtbot)
    assert sam.store.dsn is None and deck_rows(sam) == []
    assert sam.window.statusBar().findChild(QLabel, "teamServerLabel") is None
    assert not (tmp_path / "sam" / "team.json").exists()
    assert (workspace / "team.json").exists()  # Alex is still on the team
    with psycopg.connect(pg_server.dsn(database)) as server:  # the team's data stays
        assert server.execute("SELECT count(*) FROM conversations").fetchone() == (
            counts["conversations"][0],
        )


@pytest.fixture
def silent() -> Iterator[int]:
    """A loopback port that accepts and never answers (a server that hangs)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=serve, daemon=True).start()
    yield int(listener.getsockname()[1])
    listener.close()
    for conn in held:
        conn.close()


@pytest.fixture
def not_postgres() -> Iterator[int]:
    """A loopback port answering like a web server, whatever it is asked."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = int(listener.getsockname()[1])

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with conn:
                    conn.recv(1024)
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            except OSError:  # the client hung up first: next one
                continue

    threading.Thread(target=serve, daemon=True).start()
    yield port
    listener.close()


def test_what_goes_wrong_is_said_in_the_form_and_nothing_is_saved(
    workspace: Path,
    open_profile: Opener,
    qtbot: QtBot,
    pg_server: PgServer,
    pg_dsn: str,
    not_postgres: int,
    silent: int,
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: secrets.MemoryKeyring,
) -> None:
    database = pg_dsn.rsplit("/", 1)[1]
    session = open_profile(workspace)
    rows = deck_rows(session)
    form = open_form(session, qtbot)

    def nothing_saved() -> None:
        assert form.answer.property("error") is True
        assert not (workspace / "team.json").exists()
        assert memory_keyring._items == {}
        assert session.successor is None and form.isVisible()

    fill(qtbot, form, pg_server, database, "not-the-password")
    said = click(qtbot, form, "connect_button")
    assert "refused the sign-in (wrong user or password)" in said
    assert "not-the-password" not in said
    nothing_saved()

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        closed_port = free.getsockname()[1]
    fill(qtbot, form, pg_server, database, pg_server.password, port=closed_port)
    said = click(qtbot, form, "connect_button")
    assert "cannot be reached" in said and "Connection refused" in said
    nothing_saved()

    fill(qtbot, form, pg_server, database, pg_server.password, port=not_postgres)
    said = click(qtbot, form, "move_button")
    assert "it is not a PostgreSQL server" in said
    nothing_saved()

    # A server that never answers: the form stays open (Escape does not close it) until
    # the sign-in gives up, then says so.
    monkeypatch.setattr(pg, "CONNECT_TIMEOUT", 2)
    fill(qtbot, form, pg_server, database, pg_server.password, port=silent)
    qtbot.mouseClick(form.connect_button, Qt.MouseButton.LeftButton)
    assert form.busy
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    assert form.isVisible() and "Wait for the server's answer" in form.answer.text()
    qtbot.waitUntil(lambda: not form.busy, timeout=60_000)
    assert "cannot be reached" in form.answer.text() and form.isVisible()
    nothing_saved()

    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version (version, name) VALUES (999, '0999_future.sql')")
    fill(qtbot, form, pg_server, database, pg_server.password)
    said = click(qtbot, form, "test_button")
    assert "written by a newer Social Inbox (schema 999" in said
    said = click(qtbot, form, "connect_button")
    assert "written by a newer Social Inbox (schema 999" in said
    nothing_saved()
    said = click(qtbot, form, "move_button")
    assert "newer Social Inbox" in said
    nothing_saved()
    # The deck behind the form still works on the local file, with all of its rows.
    form.close()
    assert session.window.isVisible() and deck_rows(session) == rows
