"""The window from the command line: --screenshot, and store errors shown without a traceback."""

from __future__ import annotations

import os
import sqlite3
import struct
import subprocess
import sys
from pathlib import Path

ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inbox.cli.main", *args],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_screenshot_writes_a_1600_by_1000_png_of_the_demo(tmp_path: Path) -> None:
    out = tmp_path / "deck.png"
    done = run("--demo", "--profile", str(tmp_path / "demo"), "--screenshot", str(out))
    assert done.returncode == 0, done.stderr
    assert png_size(out) == (1600, 1000)
    assert out.stat().st_size > 20_000  # a populated deck, not a blank window
    assert lightness(out) > 180
    # The same deck in the dark theme at 1024x768, chosen on the command line.
    dark = tmp_path / "dark.png"
    done = run(
        "--profile", str(tmp_path / "demo"), "--screenshot", str(dark),
        "--size", "1024x768", "--theme", "dark",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert png_size(dark) == (1024, 768)
    assert lightness(dark) < 90


def lightness(path: Path) -> float:
    """The mean lightness (0-255) of a PNG, sampled on a grid."""
    from PySide6.QtGui import QColor, QImage

    image = QImage(str(path))
    samples = [
        QColor(image.pixel(x, y)).lightness()
        for x in range(0, image.width(), 16)
        for y in range(0, image.height(), 16)
    ]
    return sum(samples) / len(samples)


def test_a_file_from_a_newer_app_gives_a_clear_message(tmp_path: Path) -> None:
    folder = tmp_path / "profile"
    folder.mkdir()
    conn = sqlite3.connect(folder / "inbox.db")
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    done = run("--profile", str(folder), "--screenshot", str(tmp_path / "x.png"))
    assert done.returncode == 2
    assert "newer Social Inbox" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.png").exists()


def test_screenshot_of_a_reply_just_sent_goes_through_the_reply_box(tmp_path: Path) -> None:
    """--shot-of reply answers the top conversation from the reply box and waits for "sent":
    the README's picture is the real path, and the profile shows what was sent."""
    out = tmp_path / "reply.png"
    profile = tmp_path / "demo"
    done = run("--demo", "--profile", str(profile), "--screenshot", str(out), "--shot-of", "reply")
    assert done.returncode == 0, done.stderr
    assert png_size(out) == (1600, 1000)
    conn = sqlite3.connect(next(profile.rglob("inbox.db")))
    rows = conn.execute(
        """SELECT o.status, o.payload_json, m.text FROM outbox o
           JOIN messages m ON m.conversation_id = o.conversation_id AND m.direction = 'out'
           WHERE o.kind = 'reply' AND o.payload_json LIKE '%refunded the second charge%'"""
    ).fetchall()
    conn.close()
    assert len(rows) == 1
    status, _payload, text = rows[0]
    assert status == "done"
    assert "{" not in text and "— Alex Rivera" in text  # placeholders filled for this customer
