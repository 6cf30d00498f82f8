"""Rules take back what they did: add a rule, apply, remove it, re-apply — every trace of
it is gone but what a person confirmed. Driven through `social-inbox rules add|remove`,
with a person's choices made through the same triage operations the window calls."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

from inbox.cli.main import main
from inbox.core.clock import SystemClock
from inbox.core.models import AccountInfo, Contact, Direction, Kind, Message
from inbox.engine import Engine
from inbox.engine import triage as ops
from inbox.store import Store

TEXTS = {
    "g1": "Join the tombola at our stall",
    "g2": "Tombola tickets for followers",
    "g3": "Another tombola you will love",
    "g4": "Tombola! Last chance",
    "q1": "Where is my order 42?",
}


def _seed(folder: Path) -> dict[str, int]:
    clock = SystemClock()
    store = Store(folder / "inbox.db", clock=clock)
    account = store.add_account(AccountInfo("mastodon", "social.example", "1", "teashop"))
    store.ingest.messages(
        account.id,
        [
            Message(
                remote_id=key,
                conversation_key=f"thread-{key}",
                kind=Kind.MENTION,
                author=Contact("mastodon", f"c-{key}", f"{key}@example.org", key.upper()),
                text=f"@teashop {text}",
                created_at=clock.now() - timedelta(minutes=10),
                direction=Direction.IN,
            )
            for key, text in TEXTS.items()
        ],
    )
    team = store.teams.create("Sales").id
    ids = {
        str(r["key"]).removeprefix("thread-"): int(r["id"])
        for r in store.query("SELECT id, key FROM conversations")
    }
    store.close()
    return {**ids, "team": team}


def _rows(folder: Path) -> dict[int, dict[str, object]]:
    store = Store(folder / "inbox.db", readonly=True)
    try:
        rows = store.query("SELECT id, tags, team_id, hidden, priority FROM conversations")
        return {
            int(r["id"]): {
                "tags": json.loads(r["tags"]),
                "team": r["team_id"],
                "hidden": bool(r["hidden"]),
                "priority": r["priority"],
            }
            for r in rows
        }
    finally:
        store.close()


def test_removing_a_rule_takes_back_its_tags_spam_team_and_points(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    ids = _seed(tmp_path)
    before = _rows(tmp_path)
    rule = {
        "name": "Tombolas",
        "conditions": [{"when": "keywords", "value": ["tombola"]}],
        "actions": [
            {"do": "tags", "value": ["promo"]},
            {"do": "team", "value": ids["team"]},
            {"do": "priority", "value": 40},
            {"do": "spam"},
        ],
    }
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(rule)))
    assert main(["--profile", str(tmp_path), "rules", "add", "--json-stdin"]) == 0
    assert "Added rule 'Tombolas'" in capsys.readouterr().out
    ruled = _rows(tmp_path)
    for key in ("g1", "g2", "g3", "g4"):
        row = ruled[ids[key]]
        assert {"promo", "spam"} <= set(row["tags"]) and row["hidden"]
        assert row["team"] == ids["team"]
    assert ruled[ids["q1"]] == before[ids["q1"]]

    # A person confirms some of it: g1's promo tag by hand, g2 spam by hand, g3 to the
    # team by hand, and says g4 is not spam (the rule must not hide it again).
    engine = Engine(tmp_path / "inbox.db")
    engine.start()
    try:
        engine.call(lambda e: ops.tag(e, [ids["g1"]], add=["promo"]))
        engine.call(lambda e: ops.mark_spam(e, [ids["g2"]]))
        engine.call(lambda e: ops.set_team(e, [ids["g3"]], ids["team"]))
        engine.call(lambda e: ops.mark_spam(e, [ids["g4"]], spam=False))
    finally:
        engine.stop()
    assert main(["--profile", str(tmp_path), "rules", "reapply"]) == 0
    assert not _rows(tmp_path)[ids["g4"]]["hidden"], "the rule hid what a person un-spammed"

    assert main(["--profile", str(tmp_path), "rules", "remove", "Tombolas"]) == 0
    assert "taken back" in capsys.readouterr().out
    after = _rows(tmp_path)

    def tags(key: str) -> set[object]:
        """What the conversation has beyond what the default rules gave it before."""
        return set(after[ids[key]]["tags"]) - set(before[ids[key]]["tags"])

    assert tags("g1") == {"promo"} and not after[ids["g1"]]["hidden"]
    assert after[ids["g1"]]["team"] is None
    assert tags("g2") == {"spam"} and after[ids["g2"]]["hidden"]
    assert after[ids["g3"]]["team"] == ids["team"] and tags("g3") == set()
    assert not after[ids["g4"]]["hidden"] and tags("g4") == set()
    for key in ("g1", "g2", "g3", "g4", "q1"):
        assert after[ids[key]]["priority"] == before[ids[key]]["priority"], key
        assert set(before[ids[key]]["tags"]) <= set(after[ids[key]]["tags"]), key
