"""startup and rss: the real app as a subprocess (`social-inbox --screenshot`), offscreen.

startup: seconds from process start to the window's first paint (the screenshot
file's write time, `--shot-of start`: every column shows its first page, before the
rest of start-up) on the dataset profile (100,000 conversations, 1,000,000 messages,
8 columns), median of 5 runs interleaved with the baseline's; baseline: a bare
PySide6 QMainWindow process that paints once and exits. The line also carries the
CPU seconds each side used (`cpu_s`, `baseline_cpu_s`, medians): on the shared
machine the wall-clock ratio follows the CPU ratio.
rss: the app runs' peak resident memory; baseline: the bare window's. Peak RSS
is the child's own VmHWM (/proc/self/status, read at exit by a small wrapper):
wait4's ru_maxrss is no good here, Linux carries the parent's high-water mark
(this process, holding the dataset) across fork+exec.
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

from tests.bench import error, result, scaled, workdir
from tests.bench.dataset import writable_profile

RUNS = 5
BARE = """
import sys
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow()
window.resize(1600, 1000)
window.show()
window.grab().save(sys.argv[1])
"""
# Runs a module or script like `python -m` / `python FILE` and writes its VmHWM (KB) at exit.
PEAK = """
import atexit, runpy, sys
out = sys.argv[1]
def report():
    with open("/proc/self/status") as status:
        kb = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(out, "w") as f:
        f.write(kb)
atexit.register(report)
target, sys.argv = sys.argv[2], sys.argv[2:]
if target.endswith(".py"):
    runpy.run_path(target, run_name="__main__")
else:
    runpy.run_module(target, run_name="__main__", alter_sys=True)
"""


def _timed(argv: list[str], shot: Path) -> tuple[float, float, str, float]:
    """(seconds to screenshot written, peak RSS in MB, stderr, CPU seconds) of one child.

    argv is [module or script, args...], run under the PEAK wrapper.
    """
    shot.unlink(missing_ok=True)
    peak = workdir() / "peak.kb"
    peak.unlink(missing_ok=True)
    wrapper = workdir() / "peak.py"
    wrapper.write_text(PEAK)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    started = time.time()
    before = os.times()
    child = subprocess.run(
        [sys.executable, str(wrapper), str(peak), *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    stderr = child.stderr.decode(errors="replace")
    if child.returncode != 0 or not shot.exists() or not peak.exists():
        tail = " ".join(stderr.strip().splitlines()[-2:])[-300:]
        raise RuntimeError(f"exit {child.returncode}, no screenshot: {tail}")
    return shot.stat().st_mtime - started, int(peak.read_text()) / 1024, stderr, cpu


def _compile_bytecode() -> None:
    """Byte-compile the app as an install does (pip compiles wheels; this tree may run with
    PYTHONDONTWRITEBYTECODE=1, which made every start recompile ~110 modules: ~1.5 s)."""
    import compileall

    import inbox

    compileall.compile_dir(Path(inbox.__file__).parent, quiet=1)


def run() -> Iterator[dict[str, Any]]:
    _compile_bytecode()
    shot = workdir() / "shot.png"
    bare_script = workdir() / "bare_window.py"
    bare_script.write_text(BARE)
    bare = [str(bare_script), str(shot)]
    profile = writable_profile("startup")  # the app's engine may write: not the cached set
    first_paint = ["--screenshot", str(shot), "--shot-of", "start"]
    app = ["inbox.cli.main", "--profile", str(profile), *first_paint]
    _timed(bare, shot)  # warm the OS file cache for both
    bare_runs, app_runs = [], []
    try:
        for _ in range(RUNS):  # interleaved, so a busy moment hits both sides
            bare_runs.append(_timed(bare, shot))
            app_runs.append(_timed(app, shot))
    except RuntimeError as exc:
        why = f"the app did not paint (is the UI merged into main yet?): {exc}"
        yield error("startup", why)
        yield error("rss", why)
        return
    bare_s = statistics.median(r[0] for r in bare_runs)
    app_s = statistics.median(r[0] for r in app_runs)
    ratios = sorted(a[0] / b[0] for a, b in zip(app_runs, bare_runs, strict=True))
    yield result(
        "startup",
        app_s,
        "s",
        bare_s,
        ratio=statistics.median(ratios),
        target="ratio <= 1.6",
        conversations=scaled(100_000),
        runs=[round(r[0], 2) for r in app_runs],
        baseline_runs=[round(r[0], 2) for r in bare_runs],
        cpu_s=round(statistics.median(r[3] for r in app_runs), 3),
        baseline_cpu_s=round(statistics.median(r[3] for r in bare_runs), 3),
    )
    yield result(
        "rss",
        max(r[1] for r in app_runs),
        "MB",
        max(r[1] for r in bare_runs),
        target="value <= 300",
        messages=scaled(1_000_000),
        columns=8,
    )
