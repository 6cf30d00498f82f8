"""Without a tray, notifications go to the desktop's notification service over D-Bus, and
clicking one opens its conversation. A private dbus-daemon and a stand-in daemon play the
desktop (tests/ui/fake_notifications.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from inbox import assets
from inbox.core.models import Kind
from inbox.ui import desktop
from tests.ui.conftest import Opener, ingest, message
from tests.ui.test_desktop import _urgent_dms


@pytest.fixture
def notification_daemon(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A session bus of our own with a notification daemon on it; yields the daemon's log."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.fail("dbus-daemon is missing: install the Debian package dbus-daemon")
    bus = subprocess.Popen(
        [daemon, "--session", "--nofork", "--print-address=1", f"--address=unix:dir={tmp_path}"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert bus.stdout is not None
    address = bus.stdout.readline().strip()
    log = tmp_path / "notifications.jsonl"
    env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address)
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.fake_notifications", str(log)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert fake.stdout is not None and fake.stdout.readline().strip() == "ready"
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        yield log
    finally:
        fake.kill()
        bus.kill()
        fake.wait()
        bus.wait()


def test_no_tray_notifies_through_the_desktop_service_and_a_click_opens(
    workspace: Path, open_profile: Opener, qtbot: QtBot, notification_daemon: Path
) -> None:
    session = open_profile(workspace)
    d = desktop.of(session.window)
    assert not d.tray_available and d.service is not None and d.service.available
    _urgent_dms(session)
    with qtbot.waitSignal(d.shown, timeout=10_000) as shown:
        dm = message(session.engine, "d1", "Kettle arrived broken", kind=Kind.DM)
        ingest(session.engine, [dm])
    assert shown.args[0] == "desktop"
    assert not d.bar.isVisible()  # not shown twice
    [sent] = [json.loads(line) for line in notification_daemon.read_text().splitlines()]
    assert sent["summary"] == "New high-priority conversation"
    assert "Kettle arrived broken" in sent["body"]
    assert sent["app"] == assets.APP_NAME and sent["hints"]["desktop-entry"] == assets.APP_ID
    assert sent["actions"] == ["default", "Open"]
    # the stand-in daemon clicked it: the conversation opens
    target = shown.args[1].conversation_ids[0]
    qtbot.waitUntil(lambda: session.window.current_conversation_id() == target, timeout=10_000)
    assert "Kettle arrived broken" in session.window.pane.browser.toPlainText()
