"""gui_stall and rss_after_sync: the real window while a 10k-item sync lands.

The measuring runs in a child process (tests/bench/gui_stall.py, which documents
the method); this module starts it on a fresh copy of the dataset and turns its
figures into lines.

gui_stall: the longest the window's event loop was late (frozen) during a sync of
10,000 items, median over 5 pairs; baseline: the same probe on the idle window,
interleaved with the syncs (A B A B ...).
rss_after_sync: the window process's resident memory after the syncs, every column
scrolled deep and back to the top; baseline: right after the first paint.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

from tests.bench import error, result
from tests.bench.dataset import writable_profile


def run() -> Iterator[dict[str, Any]]:
    folder = writable_profile("gui-stall")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    child = subprocess.run(
        [sys.executable, "-m", "tests.bench.gui_stall", str(folder)],
        env=env,
        capture_output=True,
        check=False,
        timeout=1800,
    )
    if child.returncode != 0:
        tail = " ".join(child.stderr.decode(errors="replace").strip().splitlines()[-3:])[-400:]
        yield error("gui_stall", f"exit {child.returncode}: {tail}")
        return
    got = json.loads(child.stdout.decode().strip().splitlines()[-1])
    pairs = list(zip(got["busy_max_ms"], got["idle_max_ms"], strict=True))
    busy = statistics.median(b for b, _ in pairs)
    idle = statistics.median(i for _, i in pairs)
    yield result(
        "gui_stall",
        busy,
        "ms",
        idle,
        ratio=statistics.median(b / max(i, 0.1) for b, i in pairs),
        target="value <= 50",
        items=10_000,
        columns=got["columns"],
        worst_ms=round(max(b for b, _ in pairs), 1),
        p99_ms=round(got["busy_p99_ms"], 1),
        idle_p99_ms=round(got["idle_p99_ms"], 1),
        # The window thread's longest stretch of CPU between two probe ticks (median over
        # the pairs): the part of the freeze that is the window's own work, not the machine.
        gui_cpu_max_ms=round(statistics.median(got["busy_cpu_max_ms"]), 1),
        idle_gui_cpu_max_ms=round(statistics.median(got["idle_cpu_max_ms"]), 1),
        sync_s=[round(s, 2) for s in got["sync_s"]],
    )
    yield result(
        "rss_after_sync",
        got["rss_after_mb"],
        "MB",
        got["rss_open_mb"],
        target="value <= 300",
        peak_mb=round(got["hwm_mb"], 1),
        scrolled_deep_mb=round(got["rss_deep_mb"], 1),
        rows_loaded_after=got["rows_loaded"],
    )
