"""A reply is held, not doubled, when its retry comes after the network forgot the key.

Mastodon keeps an Idempotency-Key for an hour. A reply whose first try reached the
instance but whose answer was lost, retried after the laptop slept for two hours, would
be posted a second time; like a post, it is held for the user instead, and goes out when
the user says so. Driven through the CLI against the fake instance on a loopback port.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

from inbox.core.clock import to_iso
from tests.cli.test_mastodon_cli import add, fake, profile, run  # noqa: F401 (fixtures)


def test_a_reply_retried_after_the_key_expired_is_held_then_sent_on_retry(
    fake,  # noqa: F811
    profile,  # noqa: F811
    monkeypatch,
    capsys,
) -> None:
    add(profile, monkeypatch, fake.url)
    assert run(profile, "sync", "--once") == 0
    db = profile / "inbox.db"
    with sqlite3.connect(db) as conn:
        [(conversation,)] = conn.execute("SELECT id FROM conversations WHERE key = 'dm:1090'")
    code = run(
        profile,
        "reply", str(conversation), "--text-stdin",
        stdin="Refund is on its way.",
        monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0
    fake.timeout_after_post = 99  # the instance posts it; every answer is lost on the way
    run(profile, "sync", "--once")
    assert len(fake.posts) == 1
    fake.timeout_after_post = 0
    capsys.readouterr()

    # The laptop sleeps for two hours: the instance forgets the key, the retry is due.
    fake.idempotency.clear()
    two_hours_ago = to_iso(datetime.now(UTC) - timedelta(hours=2))
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE outbox SET first_try_at = ?, due_at = ? WHERE kind = 'reply'",
            (two_hours_ago, two_hours_ago),
        )
    run(profile, "sync", "--once")
    assert len(fake.posts) == 1, "the reply was posted twice"
    assert run(profile, "outbox", "list", "--all", "--json") == 0
    out = capsys.readouterr().out
    [row] = [r for r in json.loads(out[out.index("[") :]) if r["kind"] == "reply"]
    assert row["status"] == "failed" and "may already be published" in row["error"]

    # The user checked the account: nothing there, so Retry sends it.
    assert run(profile, "outbox", "retry", str(row["id"])) == 0
    run(profile, "sync", "--once")
    assert len(fake.posts) == 2
