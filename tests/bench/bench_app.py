"""startup and rss: the real app as a subprocess (`social-inbox --screenshot`), offscreen.

startup: seconds from process start to the first painted window (the screenshot
file's write time) on the dataset profile (100,000 conversations, 1,000,000
messages, 8 columns), median of 3; baseline: a bare PySide6 QMainWindow process
that paints once and exits. rss: that app run's peak resident memory (wait4's
ru_maxrss of the child); baseline: the bare window's.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.bench import error, result, workdir
from tests.bench.dataset import big_profile

RUNS = 3
BARE = """
import sys
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow()
window.resize(1600, 1000)
window.show()
window.grab().save(sys.argv[1])
"""


def _timed(argv: list[str], shot: Path) -> tuple[float, float, str]:
    """(seconds to screenshot written, peak RSS in MB, stderr tail) of one child process."""
    shot.unlink(missing_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    started = time.time()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    stderr = child.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0 or not shot.exists():
        tail = " ".join(stderr.strip().splitlines()[-2:])[-300:]
        raise RuntimeError(f"exit {child.returncode}, no screenshot: {tail}")
    return shot.stat().st_mtime - started, usage.ru_maxrss / 1024, stderr


def _median_run(argv: list[str], shot: Path) -> tuple[float, float]:
    runs = [_timed(argv, shot) for _ in range(RUNS)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def run() -> Iterator[dict[str, Any]]:
    shot = workdir() / "shot.png"
    bare_script = workdir() / "bare_window.py"
    bare_script.write_text(BARE)
    bare_s, bare_mb = _median_run([sys.executable, str(bare_script), str(shot)], shot)
    app = [sys.executable, "-m", "inbox.cli.main", "--profile", str(big_profile())]
    try:
        app_s, app_mb = _median_run([*app, "--screenshot", str(shot)], shot)
    except RuntimeError as exc:
        why = f"the app did not paint (is the UI merged into main yet?): {exc}"
        yield error("startup", why)
        yield error("rss", why)
        return
    yield result("startup", app_s, "s", bare_s, target="ratio <= 2.0", conversations=100_000)
    yield result("rss", app_mb, "MB", bare_mb, target="value <= 300", messages=1_000_000)
