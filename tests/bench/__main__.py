"""Run every tests/bench/bench_*.py module's run() and print one JSON object per line.

python -m tests.bench [NAME ...]   # only modules whose name contains NAME
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
import traceback

import tests.bench
from tests.bench import error


def main(argv: list[str]) -> int:
    modules = sorted(
        m.name
        for m in pkgutil.iter_modules(tests.bench.__path__)
        if m.name.startswith("bench_") and (not argv or any(a in m.name for a in argv))
    )
    failed = 0
    for name in modules:
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"tests.bench.{name}")
            for line in module.run():
                print(json.dumps(line, ensure_ascii=False), flush=True)
        except Exception as exc:  # one broken benchmark must not hide the others
            failed += 1
            traceback.print_exc(file=sys.stderr)
            print(json.dumps(error(name, f"{type(exc).__name__}: {exc}")), flush=True)
        print(f"# {name}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
