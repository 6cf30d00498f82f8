"""The window on a team profile whose server is gone: the deck opens on the laptop's replica,
the status bar says "Offline — N changes waiting to sync", a resolve made with the keyboard
is kept, and when the server is back (the TCP proxy to the real PostgreSQL heals) it lands
there and the status bar clears."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from inbox.core.clock import SystemClock
from inbox.core.models import AccountInfo, ColumnFilter, Contact, Kind, Message
from inbox.engine import Engine, offline
from inbox.store import Store
from inbox.store import team as team_profile
from tests.servers.tcp_proxy import TcpProxy
from tests.ui.conftest import Opener


@pytest.fixture
def proxy(pg_dsn: str) -> Iterator[TcpProxy]:
    p = TcpProxy("127.0.0.1", int(urlsplit(pg_dsn).port or 5432)).start()
    yield p
    p.stop()


def test_the_deck_works_offline_and_says_what_waits_to_sync(
    tmp_path: Path,
    pg_dsn: str,
    proxy: TcpProxy,
    open_profile: Opener,
    qtbot: QtBot,
    memory_keyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(offline, "RETRY", 0.2)  # look for the server often
    sam = Store(tmp_path / "sam" / "inbox.db", clock=SystemClock(), dsn=pg_dsn)
    account = sam.add_account(AccountInfo("mastodon", "https://shop.test", "1", "shop"))
    customer = Contact("mastodon", "900", "c@elsewhere.test", "Customer")
    mention = Message(
        "770", "c-770", Kind.MENTION, customer, "where is my tea?", SystemClock().now()
    )
    [cid] = sam.ingest.messages(account.id, [mention]).conversations
    sam.columns.add("Everything", ColumnFilter())

    folder = tmp_path / "alex"
    parts = urlsplit(pg_dsn)
    address = urlunsplit(parts._replace(netloc=f"{parts.netloc.rsplit(':', 1)[0]}:{proxy.port}"))
    team_profile.save(folder / "inbox.db", address, None)
    first = Engine(folder / "inbox.db")  # a first start online makes the replica
    first.start()
    assert first.refreshing is not None
    first.refreshing.join()
    first.stop()

    proxy.cut()
    session = open_profile(folder)
    window = session.window
    label = window.findChild(QLabel, "syncState")
    assert label is not None
    qtbot.waitUntil(lambda: label.isVisible(), timeout=10_000)
    assert label.text() == "<b>Offline — 0 changes waiting to sync</b>"
    assert "cannot be reached" in label.toolTip()
    column = window.deck.columns()[0]
    ids = lambda: [s.id for s in column.model.rows()]  # noqa: E731
    assert ids() == [cid]  # the last known deck
    with qtbot.waitSignal(window.pane.conversation_changed):
        column.focus_list()
        qtbot.keyClick(column.list, Qt.Key.Key_Return)
    qtbot.keyClick(column.list, Qt.Key.Key_E)  # resolve
    qtbot.waitUntil(lambda: cid not in ids(), timeout=10_000)
    # Opening it (marked read) and resolving it: two changes, both waiting.
    qtbot.waitUntil(lambda: "2 changes waiting" in label.text(), timeout=10_000)
    assert label.text() == "<b>Offline — 2 changes waiting to sync</b>"
    assert sam.query("SELECT status FROM conversations WHERE id = ?", (cid,))[0][0] != "resolved"

    proxy.heal()  # back online: the engine replays and the label clears
    qtbot.waitUntil(lambda: not label.isVisible(), timeout=30_000)
    assert sam.query("SELECT status FROM conversations WHERE id = ?", (cid,))[0][0] == "resolved"
    applied = sam.query("SELECT op FROM journal_applied ORDER BY applied_at")
    assert sorted(r[0] for r in applied) == ["conversations.mark_read", "conversations.set_status"]
    sam.close()


def test_the_server_dropping_mid_session_switches_the_open_deck_to_the_replica(
    tmp_path: Path,
    pg_dsn: str,
    proxy: TcpProxy,
    open_profile: Opener,
    qtbot: QtBot,
    memory_keyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(offline, "RETRY", 0.2)
    sam = Store(tmp_path / "sam" / "inbox.db", clock=SystemClock(), dsn=pg_dsn)
    account = sam.add_account(AccountInfo("mastodon", "https://shop.test", "1", "shop"))
    customer = Contact("mastodon", "900", "c@elsewhere.test", "Customer")
    mention = Message(
        "770", "c-770", Kind.MENTION, customer, "where is my tea?", SystemClock().now()
    )
    [cid] = sam.ingest.messages(account.id, [mention]).conversations
    sam.columns.add("Everything", ColumnFilter())
    folder = tmp_path / "alex"
    parts = urlsplit(pg_dsn)
    address = urlunsplit(parts._replace(netloc=f"{parts.netloc.rsplit(':', 1)[0]}:{proxy.port}"))
    team_profile.save(folder / "inbox.db", address, None)

    session = open_profile(folder)  # online: the first start makes the replica
    window = session.window
    assert session.engine.refreshing is not None
    session.engine.refreshing.join()
    label = window.findChild(QLabel, "syncState")
    assert label is not None and not label.isVisible()
    column = window.deck.columns()[0]
    assert [s.id for s in column.model.rows()] == [cid]

    proxy.cut()  # the connection drops under the open window
    qtbot.waitUntil(lambda: label.isVisible(), timeout=20_000)
    assert label.text().startswith("<b>Offline — ")
    with qtbot.waitSignal(window.pane.conversation_changed):
        column.focus_list()
        qtbot.keyClick(column.list, Qt.Key.Key_Return)
    qtbot.keyClick(column.list, Qt.Key.Key_E)  # resolve, offline
    qtbot.waitUntil(lambda: cid not in [s.id for s in column.model.rows()], timeout=10_000)
    qtbot.waitUntil(lambda: "2 changes waiting" in label.text(), timeout=10_000)
    assert window.store.replica_of is not None  # the window's own look-ups read the replica
    assert sam.query("SELECT status FROM conversations WHERE id = ?", (cid,))[0][0] != "resolved"

    proxy.heal()
    qtbot.waitUntil(lambda: not label.isVisible(), timeout=30_000)
    assert sam.query("SELECT status FROM conversations WHERE id = ?", (cid,))[0][0] == "resolved"
    qtbot.waitUntil(lambda: window.store.replica_of is None, timeout=10_000)
    sam.close()
