"""The reply loop through the window, against a Mastodon server on a loopback port:
Ctrl+Enter shows "sending…" at once, then "sent" with its link; a refusal shows the
server's words with retry; the conversation is answered and the history says who."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from inbox.core.models import AccountInfo, ColumnFilter
from inbox.core.sla import SlaPolicy
from inbox.engine import Engine
from inbox.engine.accounts import connect_all, save_account
from inbox.engine.sync import sync_account
from inbox.profile import Profile
from inbox.ui.features.reply import ReplyBox
from inbox.ui.triage_panel import TriagePanel
from tests.networks.mastodon.fake import TOKEN
from tests.servers.mastodon_loopback import LoopbackMastodon
from tests.ui.conftest import Opener

WAIT = 20_000  # ms: the window's outbox worker looks every 5 s


@pytest.fixture
def server() -> Iterator[LoopbackMastodon]:
    with LoopbackMastodon().running() as s:
        yield s


@pytest.fixture
def profile(tmp_path: Path, server: LoopbackMastodon) -> Path:
    """Our account on the loopback server, synced once, with one column of everything."""
    folder = tmp_path / "profile"
    engine = Engine(Profile.resolve(folder).db_path)
    engine.start()
    try:
        info = AccountInfo("mastodon", server.url, "110000000000000001", "teashop", "The Tea Shop")

        async def setup(e: Engine) -> None:
            save_account(e.store, info, TOKEN)
            e.store.set_setting("sync.backfill_days", 3650)  # the recorded items are old
            e.store.teams.set_policy(None, SlaPolicy(first_response_minutes=60))
            e.store.columns.add("Everything", ColumnFilter())
            connect_all(e)
            for account_id in list(e.adapters):
                await sync_account(e, account_id)

        engine.call(setup)
    finally:
        engine.stop()
    return folder


def badge(summary) -> str:  # type: ignore[no-untyped-def]
    """The words of the card's SLA badge for this conversation, now."""
    from inbox.core.clock import SystemClock
    from inbox.ui import theme
    from inbox.ui.delegate import sla_badge

    return sla_badge(summary.sla_due_at, SystemClock().now(), theme.colours())[0]


def thread_text(window) -> str:
    return str(window.pane.browser.toPlainText())


def test_a_reply_shows_sending_then_sent_and_answers_the_conversation(
    profile: Path, server: LoopbackMastodon, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(profile)
    window = session.window
    column = window.deck.columns()[0]
    column.focus_list()
    # A conversation whose response time runs (the customer spoke last).
    running = next(n for n, r in enumerate(column.model.rows()) if r.sla_due_at is not None)
    column.list.setCurrentIndex(column.model.index(running, 0))
    with qtbot.waitSignal(window.pane.conversation_changed) as opened:
        qtbot.keyClick(column.list, Qt.Key.Key_Return)
    cid = int(opened.args[0])
    target = session.store.conversations.reply_target(cid)
    assert target is not None
    box = window.pane.findChild(ReplyBox)
    qtbot.waitUntil(box.isEnabled)
    before = session.store.conversations.get(cid)
    assert before.status.value != "pending"
    assert "overdue" in badge(before)  # the card's SLA badge runs before the reply

    server.posting.clear()  # hold the server's answer: the thread must show the reply now
    box.editor.setFocus()
    qtbot.keyClicks(box.editor, "We open at 10 tomorrow.")
    qtbot.keyClick(box.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "sending…" in thread_text(window), timeout=WAIT)
    assert "We open at 10 tomorrow." in thread_text(window)
    server.posting.set()
    qtbot.waitUntil(lambda: "sent ↗" in thread_text(window), timeout=WAIT)
    qtbot.waitUntil(lambda: "sending…" not in thread_text(window), timeout=WAIT)

    # What the server got: one status, in reply to the customer's message.
    [post] = server.fake.posts
    assert post["form"]["in_reply_to_id"] == [target.remote_id]
    assert post["form"]["status"][0].endswith("We open at 10 tomorrow.")
    # What the user sees: answered, waiting on the customer, and who did it.
    qtbot.waitUntil(lambda: "pending" in window.pane.meta_label.text(), timeout=WAIT)
    summary = session.store.conversations.get(cid)
    assert summary.status.value == "pending"
    assert badge(summary) == ""  # answered: the clock stopped, the card shows no SLA badge
    out = [m for m in session.store.conversations.messages(cid) if m.direction == "out"]
    assert out[-1].url == post["body"]["url"]
    panel = window.findChild(TriagePanel)
    qtbot.waitUntil(lambda: "You replied" in panel.view.toPlainText(), timeout=WAIT)
    assert "reply.queue" not in panel.view.toPlainText()


def test_a_refused_reply_shows_the_servers_words_and_retry_sends_it(
    profile: Path, server: LoopbackMastodon, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(profile)
    window = session.window
    window.deck.columns()[0].focus_list()
    with qtbot.waitSignal(window.pane.conversation_changed):
        qtbot.keyClick(window.deck.columns()[0].list, Qt.Key.Key_Return)
    box = window.pane.findChild(ReplyBox)
    qtbot.waitUntil(box.isEnabled)
    words = "Validation failed: Text contains a blocked link"
    server.fake.fail(
        lambda r: r.method == "POST" and r.url.path == "/api/v1/statuses",
        422,
        body={"error": words},
    )
    qtbot.keyClicks(box.editor, "See our shop")
    qtbot.keyClick(box.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "failed — retry" in thread_text(window), timeout=WAIT)
    assert words in thread_text(window)
    assert not server.fake.posts
    qtbot.mouseClick(box.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "sent ↗" in thread_text(window), timeout=WAIT)
    qtbot.waitUntil(lambda: "failed" not in thread_text(window), timeout=WAIT)
    assert [p["form"]["status"][0].endswith("See our shop") for p in server.fake.posts] == [True]


def test_the_accounts_window_shows_the_calls_the_server_says_are_left(
    profile: Path, server: LoopbackMastodon, open_profile: Opener, qtbot: QtBot
) -> None:
    """File → Accounts…: status, last sync and the rate-limit headroom the instance's
    X-RateLimit-* headers reported to the window's own engine."""
    from inbox.ui.accounts_window import AccountsWindow

    server.fake.rate_headers = {
        "X-RateLimit-Limit": "300",
        "X-RateLimit-Remaining": "287",
        "X-RateLimit-Reset": "2099-01-01T10:30:00.000Z",
    }
    session = open_profile(profile)
    window = session.window
    qtbot.waitUntil(lambda: session.engine.call(lambda e: bool(e.adapters)), timeout=WAIT)
    window.bound()["accounts"].trigger()
    qtbot.waitUntil(lambda: window.findChild(AccountsWindow) is not None)
    accounts = window.findChild(AccountsWindow)

    def cell(column: int) -> str:
        return str(accounts.table.item(0, column).text())

    # The engine's account loop asks the server; the window shows what it answered.
    def shown() -> bool:
        accounts.ask_headroom()
        return "287 of 300 calls left" in cell(3)

    qtbot.waitUntil(shown, timeout=WAIT)
    assert "resets 10:30 UTC" in cell(3)
    assert "@teashop" in cell(0) and cell(1) == "Up to date" and cell(2) != "never"
