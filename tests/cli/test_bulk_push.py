"""`social-inbox push` of 200 conversations never trips the desk's published limit.

The real CLI, engine, outbox handler and Zendesk connector, against a Zendesk that
answers 429 past 200 requests in any minute; the desk's clock and the pacer's sleep are
the same fake clock (tests/unit/connectors/test_pacing.py), so no real minutes pass.
"""

from __future__ import annotations

import io
from pathlib import Path

from inbox.cli.main import main
from inbox.core.clock import SystemClock
from inbox.store import Store
from tests.unit.connectors.test_pacing import (  # noqa: F401 (the fixture)
    LimitedZendesk,
    _conversations,
    _route_to,
    time,
)


def test_a_bulk_push_from_the_cli_is_paced_under_the_limit(
    tmp_path: Path,
    time,  # noqa: F811
    monkeypatch,
    capsys,
) -> None:
    desk = LimitedZendesk(time, limit=200)
    _route_to(monkeypatch, desk)
    store = Store(tmp_path / "inbox.db", clock=SystemClock())
    ids = _conversations(store, store.clock, 200)
    store.close()
    monkeypatch.setattr("sys.stdin", io.StringIO("api-token\n"))
    assert main([
        "--profile", str(tmp_path), "connectors", "add", "zendesk", "--name", "desk",
        "--set", "subdomain=acme", "--set", "email=ann@acme.example", "--secret-stdin",
    ]) == 0  # fmt: skip
    capsys.readouterr()
    code = main(["--profile", str(tmp_path), "push", *map(str, ids), "--connector", "desk"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert desk.too_many == 0, f"{desk.too_many} requests were answered 429"
    assert desk.created == 200
    assert out.count(": ticket ") == 200
