"""Start-up: the deck paints first, the features and the desktop install after it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pytestqt.qtbot import QtBot

from inbox.profile import Profile
from inbox.store.db import SCHEMA_VERSION, check_version
from inbox.ui import app, desktop
from inbox.ui.features.reply import ReplyBox
from tests.ui.test_cli import png_size, run


def test_the_deck_paints_before_the_features_install_then_they_all_do(
    workspace: Path, qtbot: QtBot
) -> None:
    session = app.open_window(Profile.resolve(workspace))
    window = session.window
    try:
        # The window as it first paints: the deck and the menu bar, no feature yet.
        menus = [a.text() for a in window.menuBar().actions()]
        assert "&Conversation" in menus
        assert "calendar" not in window.bound() and window.pane.findChild(ReplyBox) is None
        assert not session.engine_started  # the deck reads by itself; the engine writes
        painted: list[bool] = []
        started: list[bool] = []
        window.show()
        app.after_first_paint(
            window,
            lambda: (
                painted.append(window.deck.loaded()),
                session.finish_later(lambda: started.append(True)),
            ),
        )
        qtbot.waitUntil(lambda: bool(started), timeout=20_000)
        assert painted == [True]  # after every column showed its first page
        assert session.engine_started and session.engine.running
        assert [a.text() for a in window.menuBar().actions()] == menus  # no menu jumps in
        assert session.finished
        assert "calendar" in window.bound()  # the publishing feature's menu entry
        assert window.pane.findChild(ReplyBox) is not None  # the reply feature's box
        assert desktop.of(window) is not None  # the tray and notifications
        rows = [v.model.rowCount() for v in window.deck.columns()]
        assert rows[0] == 5  # what the user sees is unchanged
        session.finish()  # a second finish does nothing
        assert window.bound()["calendar"] is window.bound()["calendar"]
    finally:
        session.close()


def test_open_session_is_the_whole_window_at_once(workspace: Path, qtbot: QtBot) -> None:
    session = app.open_session(Profile.resolve(workspace))
    try:
        assert session.finished and "calendar" in session.window.bound()
    finally:
        session.close()


def test_screenshot_of_the_start_is_the_deck_as_it_first_paints(
    workspace: Path, tmp_path: Path
) -> None:
    out = tmp_path / "start.png"
    done = run("--profile", str(workspace), "--screenshot", str(out), "--shot-of", "start")
    assert done.returncode == 0, done.stderr
    assert png_size(out) == (1600, 1000)
    assert out.stat().st_size > 20_000  # the cards are painted, not an empty window


def test_a_profile_without_its_database_starts_the_engine_before_the_window(
    tmp_path: Path, qtbot: QtBot
) -> None:
    # The engine creates and migrates the file the deck then reads (a profile an older
    # app left behind is migrated the same way, before the window opens).
    folder = tmp_path / "new"
    session = app.open_window(Profile.resolve(folder))
    try:
        assert session.engine_started
        assert check_version(folder / "inbox.db") == SCHEMA_VERSION
        assert session.window.deck.columns() == []  # no column yet: the empty deck's offer
    finally:
        session.close()


def test_an_engine_that_cannot_write_after_the_first_paint_is_said_not_crashed(
    workspace: Path, tmp_path: Path
) -> None:
    # The deck reads while another program holds the database's write lock; the engine,
    # started after the first paint, cannot open it to write: the same words and exit
    # code as when that happened before the window opened.
    holder = sqlite3.connect(workspace / "inbox.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        out = tmp_path / "deck.png"
        done = run("--profile", str(workspace), "--screenshot", str(out))
    finally:
        holder.rollback()
        holder.close()
    assert done.returncode == 2, done.stderr
    assert "busy in another program" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()  # the deck shot waits for the features, which never came
