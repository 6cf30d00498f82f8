"""A network is one package plus its registration: Echo, registered only here, works
end to end without a line changed outside its package: the CLI signs in to it, the
engine syncs it and delivers a reply to it, and the window's words come from its
capabilities."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from inbox.cli.main import main
from inbox.engine import Engine, accounts
from inbox.engine.outbox import deliver_due
from inbox.engine.replies import queue_reply
from inbox.engine.sync import sync_account
from inbox.networks import registry
from inbox.store import Store
from tests.networks import echo


@pytest.fixture(autouse=True)
def registered():
    echo.register()
    echo.SERVER.inbox.clear()
    echo.SERVER.sent.clear()
    yield
    registry.unregister(echo.NAME)


def test_echo_signs_in_from_the_cli_syncs_and_sends_through_the_engine(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    folder = tmp_path / "profile"
    monkeypatch.setattr("sys.stdin", io.StringIO("echo-token\n"))
    code = main(
        ["--profile", str(folder), "accounts", "add", "echo", "--instance", "echo.test",
         "--token-stdin"]
    )  # fmt: skip
    assert code == 0
    assert "Added echo account 1: @me@echo.test" in capsys.readouterr().out

    echo.SERVER.mention("m1", "Is the shop open today?")
    engine = Engine(folder / "inbox.db")
    engine.start()
    try:
        assert engine.call(lambda e: accounts.connect_all(e)) == [1]
        changed = engine.call(lambda e: sync_account(e, 1))
        [conversation] = changed.conversations
        engine.call(lambda e: queue_reply(e, conversation, "Yes, until six.", "k-echo"))
        assert engine.call(lambda e: deliver_due(e)) == 1
    finally:
        engine.stop()
    [sent] = echo.SERVER.sent
    assert sent.text.endswith("Yes, until six.")
    store = Store(folder / "inbox.db", readonly=True)
    try:
        [row] = store.outbox.for_conversation(conversation)
        assert (row.status, row.remote_id) == ("done", "sent-1")
    finally:
        store.close()


def test_what_the_window_shows_about_echo_comes_from_its_capabilities() -> None:
    from inbox.ui import fmt

    assert fmt.network_label("echo") == "Echo"
    assert fmt.network_colour("echo") == "#00a000"
    assert [c.name for c in registry.known()][-1] == "echo"
    count = registry.count("echo", "x" * 50)
    assert count is not None and count.over and count.limit == 42
    caps = registry.capabilities("echo")
    assert not caps.visibilities and not caps.content_warning  # the reply box hides both
    assert caps in registry.signing_in()


def test_once_unregistered_echo_is_unknown_again() -> None:
    registry.unregister(echo.NAME)
    assert registry.find("echo") is None
    assert registry.label("echo") == "Echo"  # an unknown id is title-cased, never a crash
    echo.register()
