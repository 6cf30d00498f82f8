"""The collision guard on the command line: `reply` refuses to answer a conversation that
someone else answered after the customer's last message, unless --force.

Two laptops on one SQLite profile: Sam's engine (another writer on the same database
file) queues a reply; the CLI (its own engine) then tries to answer too. Driven through
`social-inbox` against the fake Mastodon on a loopback port: what the user reads, and
what the instance received.
"""

from __future__ import annotations

import sqlite3

from inbox.engine import Engine
from inbox.engine.replies import queue_reply
from tests.cli.test_mastodon_cli import add, fake, profile, run  # noqa: F401 (fixtures)


def _reply(folder, monkeypatch, conversation: int, text: str, *flags: str) -> int:
    return run(
        folder,
        "reply", str(conversation), "--text-stdin", *flags,
        stdin=text,
        monkeypatch=monkeypatch,
    )  # fmt: skip


def test_reply_refuses_a_conversation_sam_answered_unless_forced(
    fake,  # noqa: F811
    profile,  # noqa: F811
    monkeypatch,
    capsys,
) -> None:
    add(profile, monkeypatch, fake.url)
    assert run(profile, "sync", "--once") == 0
    with sqlite3.connect(profile / "inbox.db") as conn:
        [(conversation,)] = conn.execute("SELECT id FROM conversations WHERE key = 'dm:1090'")

    # Sam, on another laptop on the same database, answers first.
    sam = Engine(profile / "inbox.db")
    sam.start()
    try:
        sam.call(lambda e: queue_reply(e, conversation, "Sam here: refund sent!", "sam-1",
                                       actor="Sam"))  # fmt: skip
    finally:
        sam.stop()
    capsys.readouterr()

    # Sam's reply is queued (not sent yet): the CLI refuses, naming Sam and the text.
    assert _reply(profile, monkeypatch, conversation, "Refund is on its way.") == 3
    err = capsys.readouterr().err
    assert "Not sent: Sam is sending a reply after the customer's last message" in err
    assert "Sam here: refund sent!" in err
    assert f"reply {conversation} --text-stdin --force" in err

    # Sam's reply goes out; the CLI still refuses, now saying when Sam answered.
    assert run(profile, "sync", "--once") == 0
    assert [p["body"]["content"] for p in fake.posts][-1].endswith("Sam here: refund sent!</p>")
    capsys.readouterr()
    assert _reply(profile, monkeypatch, conversation, "Refund is on its way.") == 3
    err = capsys.readouterr().err
    assert "Not sent: Sam answered at " in err and "after the customer's last message" in err
    assert len(fake.posts) == 1

    # --force sends it anyway, and the history says so.
    assert _reply(profile, monkeypatch, conversation, "Refund is on its way.", "--force") == 0
    assert run(profile, "sync", "--once") == 0
    assert len(fake.posts) == 2
    assert "Refund is on its way." in fake.posts[-1]["body"]["content"]
    capsys.readouterr()
    assert run(profile, "conversations", "show", str(conversation)) == 0
    assert "replied although Sam had answered meanwhile" in capsys.readouterr().out
