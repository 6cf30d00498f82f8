"""Subprocess entry for the follow-up SIGKILL test: deliver a profile's connector work.

    python -m tests.servers.followup_worker PROFILE_DIR RT_URL RT_TOKEN

The same glue as `social-inbox push` (an Engine and `deliver_now`), run until nothing
connector-bound is left. The RT token lives in an in-memory keyring, saved through the
same operation the CLI uses before the engine starts.
"""

from __future__ import annotations

import sys
from pathlib import Path

from inbox import secrets
from inbox.engine import connectors as ops
from inbox.engine.runtime import Engine
from inbox.store import Store


def run(profile: str, url: str, token: str) -> int:
    secrets.use_memory_backend()
    db = Path(profile) / "inbox.db"
    store = Store(db)
    try:
        ops.save_connector(store, "desk", "rt", {"url": url, "queue": "Social", "token": token})
    finally:
        store.close()
    engine = Engine(db)
    engine.start()
    try:
        while engine.submit(ops.deliver_now).result():
            pass
        left = engine.call(lambda e: [i for i in ops.pending(e.store) if i.status != "done"])
    finally:
        engine.stop()
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(run(*sys.argv[1:4]))
