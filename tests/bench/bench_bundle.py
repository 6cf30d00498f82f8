"""bundle_startup: the PyInstaller bundle (make dist) against the source install.

Seconds from process start to the screenshot's write time, `--profile P --screenshot`,
P = the demo workspace (seeded once); median of 5 runs, interleaved. baseline: the same
command from the source install (`python -m inbox.cli.main`). Builds the bundle first if
dist/social-inbox is missing or stale (five to six minutes).
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

from tests.bench import SCALE, error, result, workdir

RUNS = 5


def _timed(command: list[str], shot: Path) -> float:
    shot.unlink(missing_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    started = time.time()
    child = subprocess.run(command, env=env, capture_output=True, check=False)
    if child.returncode != 0 or not shot.exists():
        tail = child.stderr.decode(errors="replace")[-300:]
        raise RuntimeError(f"exit {child.returncode}, no screenshot: {tail}")
    return shot.stat().st_mtime - started


def run() -> Iterator[dict[str, Any]]:
    if SCALE < 1 and not os.environ.get("BENCH_BUNDLE"):
        yield error("bundle_startup", "not run at BENCH_SCALE < 1 (building the bundle takes "
                    "5-6 min): BENCH_SCALE=1 or BENCH_BUNDLE=1 runs it")  # fmt: skip
        return
    from tests.packaging.bundle import BINARY, ensure_bundle

    try:
        build_started = time.perf_counter()
        ensure_bundle()
        build_s = time.perf_counter() - build_started
    except Exception as exc:  # no PyInstaller, a failed build: say so, carry on
        yield error("bundle_startup", f"cannot build the bundle: {exc}")
        return
    profile = workdir() / "demo-profile"
    if not profile.exists():
        subprocess.run(
            [sys.executable, "-m", "inbox.cli.main", "demo", "--profile", str(profile)],
            check=True,
            capture_output=True,
        )
    shot = workdir() / "bundle-shot.png"
    args = ["--profile", str(profile), "--screenshot", str(shot)]
    source = [sys.executable, "-m", "inbox.cli.main", *args]
    bundle = [str(BINARY), *args]
    try:
        _timed(bundle, shot)  # warm the file cache for both
        _timed(source, shot)
        bundle_runs, source_runs = [], []
        for _ in range(RUNS):
            bundle_runs.append(_timed(bundle, shot))
            source_runs.append(_timed(source, shot))
    except RuntimeError as exc:
        yield error("bundle_startup", str(exc))
        return
    ratios = sorted(b / s for b, s in zip(bundle_runs, source_runs, strict=True))
    yield result(
        "bundle_startup",
        statistics.median(bundle_runs),
        "s",
        statistics.median(source_runs),
        ratio=statistics.median(ratios),
        runs=[round(r, 2) for r in bundle_runs],
        source_runs=[round(r, 2) for r in source_runs],
        build_s=round(build_s, 1),
    )
