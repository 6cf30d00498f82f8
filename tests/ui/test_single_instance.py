"""A second launch on the same profile brings the running window forward and hands it
--open / --compose instead of opening a second writer on the database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from inbox.core.errors import ConfigError
from inbox.ui import desktop, single
from inbox.ui.app import Session
from inbox.ui.composer import Composer
from tests.ui.conftest import Opener


def _serve(session: Session) -> single.Instance:
    """What run_gui does for a profile window."""
    instance = single.Instance(single.server_name(session.profile.db_path), session.window)
    assert instance.listen()
    instance.requested.connect(lambda r: desktop.of(session.window).handle(r))
    return instance


def _launch(folder: Path, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.Popen(
        [sys.executable, "-m", "inbox.cli.main", "--profile", str(folder), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(qtbot: QtBot, proc: subprocess.Popen[str]) -> tuple[str, str]:
    qtbot.waitUntil(lambda: proc.poll() is not None, timeout=60_000)
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    return out, err


def test_second_launch_opens_the_conversation_in_the_running_window(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    instance = _serve(session)
    [[target]] = session.store.query(
        "SELECT c.id FROM conversations c JOIN messages m ON m.conversation_id = c.id"
        " WHERE m.text = 'Shop page is slow today'"
    )
    session.window.hide()
    proc = _launch(workspace, "--open", f"social-inbox://conversation/{target}")
    out, _err = _finish(qtbot, proc)
    assert "already running" in out
    assert session.window.isVisible()
    qtbot.waitUntil(lambda: session.window.current_conversation_id() == target)
    assert "Shop page is slow today" in session.window.pane.browser.toPlainText()
    instance.close()


def test_second_launch_with_compose_opens_the_composer(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    instance = _serve(session)
    _finish(qtbot, _launch(workspace, "--compose"))
    qtbot.waitUntil(lambda: session.window.findChild(Composer) is not None)
    composer = session.window.findChild(Composer)
    assert composer is not None and composer.isVisible()
    composer.close()
    instance.close()


def test_other_profiles_are_not_forwarded(tmp_path: Path, workspace: Path) -> None:
    assert single.server_name(workspace / "inbox.db") != single.server_name(
        tmp_path / "other" / "inbox.db"
    )
    assert single.forward(single.server_name(tmp_path / "nobody" / "inbox.db"), {}) is False


def test_conversation_links() -> None:
    assert single.conversation_id("social-inbox://conversation/42") == 42
    assert single.conversation_id("7") == 7
    with pytest.raises(ConfigError, match="not a conversation link"):
        single.conversation_id("https://example.org/42")
