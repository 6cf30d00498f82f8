"""Benchmarks, run by `make bench` (python -m tests.bench): one JSON object per line.

Each module bench_*.py exposes run() -> Iterable[dict]; see README.md.
"""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

# `make bench` runs at a tenth of the full size (100k messages, 10k conversations to
# ingest and re-rule) so it ends in minutes; BENCH_SCALE=1 gives the 1M-message
# figures. Every line says its scale.
SCALE = float(os.environ.get("BENCH_SCALE", "0.1"))


def scaled(n: int) -> int:
    """n at the run's scale (at least 1)."""
    return max(1, int(n * SCALE))


@cache
def workdir() -> Path:
    """One temp folder per run, shared by every benchmark (datasets are cached in it)."""
    path = Path(tempfile.mkdtemp(prefix="social-inbox-bench-"))
    atexit.register(shutil.rmtree, path, True)
    return path


def result(
    name: str,
    value: float,
    unit: str,
    baseline: float,
    *,
    ratio: float | None = None,
    target: str = "",
    **detail: Any,
) -> dict[str, Any]:
    """One output line; ratio defaults to value / baseline."""
    line: dict[str, Any] = {
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "baseline": round(baseline, 3),
        "ratio": round(ratio if ratio is not None else value / baseline, 3),
    }
    if target:
        line["target"] = target
    line["scale"] = SCALE
    line.update(detail)
    return line


def error(name: str, message: str) -> dict[str, Any]:
    """A line for a benchmark that could not run: the harness keeps going."""
    return {"name": name, "value": None, "unit": "", "baseline": None, "ratio": None,
            "error": message}  # fmt: skip


def p95_ms(fn: Callable[[], Any], repeat: int, warmup: int = 3) -> float:
    """95th percentile wall time of fn() in milliseconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.quantiles(times, n=20)[-1]
