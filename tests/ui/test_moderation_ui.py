"""Moderation and guidelines through the window, against a Mastodon server on a loopback port:
a spam author blocked from their card in two keys (B, Enter) with the team's guideline picked;
a forbidden phrase typed in the composer or the reply box is flagged as you type, and what
is sent lands in the approval queue, not at the server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from inbox.core.guidelines import Guideline, Severity
from inbox.core.models import AccountInfo, ColumnFilter
from inbox.core.posts import PostState
from inbox.engine import Engine
from inbox.engine.accounts import connect_all, save_account
from inbox.engine.sync import sync_account
from inbox.profile import Profile
from inbox.ui.approvals import ApprovalQueue
from inbox.ui.composer import open_composer
from inbox.ui.delegate import BLOCKED, moderation_badges
from inbox.ui.features.reply import ReplyBox
from inbox.ui.moderation import ModerateDialog
from tests.networks.mastodon.fake import TOKEN
from tests.servers.mastodon_loopback import LoopbackMastodon
from tests.ui.conftest import Opener

WAIT = 20_000  # ms: the window's outbox worker wakes on the change, else looks every 5 s
NO_PROMISES = Guideline(
    "No promises", "forbidden", ("guaranteed refund",), severity=Severity.APPROVAL,
    note="Refunds are decided case by case",
)  # fmt: skip


@pytest.fixture
def server() -> Iterator[LoopbackMastodon]:
    with LoopbackMastodon().running() as s:
        yield s


@pytest.fixture
def profile(tmp_path: Path, server: LoopbackMastodon) -> Path:
    """Our account on the loopback server, synced once; the team's guidelines."""
    folder = tmp_path / "profile"
    engine = Engine(Profile.resolve(folder).db_path)
    engine.start()
    try:
        info = AccountInfo("mastodon", server.url, "110000000000000001", "teashop", "The Tea Shop")

        async def setup(e: Engine) -> None:
            save_account(e.store, info, TOKEN)
            e.store.set_setting("sync.backfill_days", 3650)  # the recorded items are old
            e.store.columns.add("Everything", ColumnFilter())
            e.store.guidelines.save(Guideline("No spam", "conduct", note="Ads, scams, bots"))
            e.store.guidelines.save(NO_PROMISES)
            connect_all(e)
            for account_id in list(e.adapters):
                await sync_account(e, account_id)

        engine.call(setup)
    finally:
        engine.stop()
    return folder


def account_id_of(server: LoopbackMastodon, handle: str) -> str:
    user = handle.lstrip("@").split("@")[0]
    [found] = {
        n["account"]["id"]
        for n in server.fake.notifications
        if n["account"]["acct"].split("@")[0] == user
    }
    return found


def test_a_spam_author_is_blocked_from_the_card_in_two_keys(
    profile: Path, server: LoopbackMastodon, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(profile)
    window = session.window
    column = window.deck.columns()[0]
    column.focus_list()
    qtbot.waitUntil(lambda: column.list.currentIndex().isValid())
    feature = window.moderation  # type: ignore[attr-defined]
    cid = feature.target()
    summary = session.store.conversations.get(cid)
    target = account_id_of(server, summary.contact_handle)

    qtbot.keyClick(column.list, Qt.Key.Key_B)  # key 1: the confirm dialog
    dialog = feature.dialog
    assert isinstance(dialog, ModerateDialog)
    qtbot.waitExposed(dialog)
    assert dialog.windowTitle() == f"Block @{summary.contact_handle.lstrip('@')}"
    assert dialog.guideline.currentText() == "No spam"  # the community rule comes first
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # key 2: confirm

    qtbot.waitUntil(
        lambda: server.fake.relationships.get(target, {}).get("blocking") is True, timeout=WAIT
    )
    assert len(server.fake.calls("POST", f"/api/v1/accounts/{target}/block")) == 1
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Blocked @"))
    [row] = session.store.query(
        "SELECT actor, detail_json FROM audit_log WHERE action = 'moderation.block'"
    )
    assert json.loads(row["detail_json"])["guideline"] == "No spam"


def test_hiding_a_reply_on_mastodon_says_why_not_and_sends_nothing(
    profile: Path, server: LoopbackMastodon, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(profile)
    window = session.window
    column = window.deck.columns()[0]
    column.focus_list()
    qtbot.waitUntil(lambda: column.list.currentIndex().isValid())
    qtbot.keyClick(column.list, Qt.Key.Key_H)
    dialog = window.moderation.dialog  # type: ignore[attr-defined]
    qtbot.waitExposed(dialog)
    refusal = dialog.findChild(QLabel, "moderateRefusal")
    assert refusal is not None and "Mastodon cannot hide a reply" in refusal.text()
    assert not hasattr(dialog, "confirm")
    dialog.reject()
    assert [
        r for r in session.store.outbox.all(include_finished=True) if r.kind == "moderate"
    ] == []


def test_a_forbidden_phrase_in_the_composer_is_flagged_and_held_for_approval(
    profile: Path, server: LoopbackMastodon, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(profile)
    composer = open_composer(session.window, session.engine)
    qtbot.waitExposed(composer)
    composer.set_accounts((1,))
    composer.main_editor.setFocus()
    qtbot.keyClicks(composer.main_editor, "Spring sale: a guaranteed refund if you don't love it")
    note = composer.guideline_note
    qtbot.waitUntil(note.isVisible)
    assert "No promises (needs approval): uses “guaranteed refund”." in note.text()
    assert "approval queue" in note.text()
    assert composer.submit_button.text() == "Submit for approval"
    qtbot.mouseClick(composer.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: session.store.posts.find([PostState.AWAITING_APPROVAL]) != [])
    [post] = session.store.posts.find([PostState.AWAITING_APPROVAL])
    assert "No promises" in post.note
    queue = ApprovalQueue(session.store, session.bridge, None, session.window)
    qtbot.addWidget(queue)
    assert "guaranteed refund" in queue.list.item(0).text()
    # The window's outbox loop runs: nothing reaches the server while it waits.
    session.engine.call(lambda e: e.delivery_wake.set())
    qtbot.wait(300)
    assert server.fake.posts == []


def test_the_reply_box_warns_as_you_type_and_holds_the_reply(
    profile: Path, server: LoopbackMastodon, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(profile)
    window = session.window
    window.deck.columns()[0].focus_list()
    with qtbot.waitSignal(window.pane.conversation_changed) as opened:
        qtbot.keyClick(window.deck.columns()[0].list, Qt.Key.Key_Return)
    cid = int(opened.args[0])
    box = window.pane.findChild(ReplyBox)
    qtbot.waitUntil(box.isEnabled)
    box.editor.setFocus()
    qtbot.keyClicks(box.editor, "Sure, a Guaranteed Refund")
    assert box.guideline_note.isVisible()
    assert "No promises (needs approval): uses “guaranteed refund”." in box.guideline_note.text()
    assert box.send_button.text() == "Send for approval"
    qtbot.keyClick(box.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: box.problem.text().startswith("Held for approval"))
    assert box.editor.toPlainText() == ""
    [held] = session.store.held_replies.waiting()
    assert held.conversation_id == cid and held.text == "Sure, a Guaranteed Refund"
    assert session.store.outbox.for_conversation(cid) == []
    box.open(0)  # another day: the conversation opened again still says so
    box.open(cid)
    assert box.problem.text().startswith("Held for approval (1)")

    queue = ApprovalQueue(session.store, session.bridge, None, window)
    qtbot.addWidget(queue)
    assert queue.list.item(0).text().startswith("Reply held")
    queue.list.setCurrentRow(0)
    assert "No promises" in queue.info.text()
    qtbot.mouseClick(queue.approve_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(server.fake.posts) == 1, timeout=WAIT)
    qtbot.waitUntil(lambda: not box.problem.text().startswith("Held"), timeout=WAIT)
    assert server.fake.posts[0]["form"]["status"][0].endswith("Sure, a Guaranteed Refund")


def test_a_block_the_server_refuses_says_so_under_the_conversation(
    profile: Path, server: LoopbackMastodon, open_profile: Opener, qtbot: QtBot
) -> None:
    server.fake.scopes = "read write:statuses write:media"  # signed in before moderation
    session = open_profile(profile)
    window = session.window
    column = window.deck.columns()[0]
    column.focus_list()
    with qtbot.waitSignal(window.pane.conversation_changed):
        qtbot.keyClick(column.list, Qt.Key.Key_Return)
    box = window.pane.findChild(ReplyBox)
    qtbot.waitUntil(box.isEnabled)
    column.focus_list()
    qtbot.keyClick(column.list, Qt.Key.Key_B)
    dialog = window.moderation.dialog  # type: ignore[attr-defined]
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "did not go through" in box.problem.text(), timeout=WAIT)
    assert "outside the authorized scopes" in box.problem.text()
    assert box.problem.text().startswith("⚠ Block @")
    assert box.retry_button.isHidden()  # Retry there sends replies; this says how instead


def test_a_blocked_author_cards_say_so_until_ctrl_z_unblocks(
    profile: Path, server: LoopbackMastodon, open_profile: Opener, qtbot: QtBot
) -> None:
    """B, Enter: once the server confirms the block, every card of that person on the
    account carries the "Blocked" pill; Ctrl+Z sends the unblock and the pill goes."""
    session = open_profile(profile)
    window = session.window
    column = window.deck.columns()[0]
    column.focus_list()
    qtbot.waitUntil(lambda: column.list.currentIndex().isValid())
    cid = window.moderation.target()  # type: ignore[attr-defined]
    summary = session.store.conversations.get(cid)
    target = account_id_of(server, summary.contact_handle)
    model = column.model

    def marked() -> dict[int, list[str]]:
        return {row.id: moderation_badges(row) for row in model.rows()}

    assert all(badges == [] for badges in marked().values())
    theirs = {row.id for row in model.rows() if row.contact_handle == summary.contact_handle}
    assert cid in theirs

    qtbot.keyClick(column.list, Qt.Key.Key_B)
    dialog = window.moderation.dialog  # type: ignore[attr-defined]
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: all(marked()[i] == [BLOCKED] for i in theirs), timeout=WAIT)
    assert server.fake.relationships[target]["blocking"] is True
    assert all(badges == [] for i, badges in marked().items() if i not in theirs)
    window.open_conversation(cid)  # the pane says it in words too
    qtbot.waitUntil(lambda: "blocked by @teashop" in window.pane.meta_label.text())

    window.activateWindow()  # the dialog has closed: back to the deck
    qtbot.waitUntil(window.isActiveWindow)
    column.focus_list()
    qtbot.keyClick(column.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: all(marked()[i] == [] for i in theirs), timeout=WAIT)
    assert server.fake.relationships[target]["blocking"] is False
    assert len(server.fake.calls("POST", f"/api/v1/accounts/{target}/unblock")) == 1
    qtbot.waitUntil(lambda: "blocked" not in window.pane.meta_label.text())
    actions = [
        r["action"]
        for r in session.store.query(
            "SELECT action FROM audit_log WHERE action LIKE 'moderation.%' ORDER BY id"
        )
    ]
    assert actions == [
        "moderation.block", "moderation.block.done",
        "moderation.unblock", "moderation.unblock.done",
    ]  # fmt: skip


def test_guidelines_edited_while_writing_apply_to_the_open_composer_and_reply_box(
    profile: Path, server: LoopbackMastodon, open_profile: Opener, qtbot: QtBot
) -> None:
    """A rule added in Triage → Guidelines… while a post and a reply are being written
    flags both texts at once (the Changed event), and its removal clears both; what is
    then sent goes out, not to the approval queue."""
    session = open_profile(profile)
    window = session.window
    column = window.deck.columns()[0]
    column.focus_list()
    with qtbot.waitSignal(window.pane.conversation_changed) as opened:
        qtbot.keyClick(column.list, Qt.Key.Key_Return)
    cid = int(opened.args[0])
    box = window.pane.findChild(ReplyBox)
    qtbot.waitUntil(box.isEnabled)
    box.editor.setFocus()
    qtbot.keyClicks(box.editor, "This blend is a miracle cure for colds")
    composer = open_composer(window, session.engine)
    qtbot.waitExposed(composer)
    composer.set_accounts((1,))
    composer.main_editor.setFocus()
    qtbot.keyClicks(composer.main_editor, "New blend out today: a miracle cure for colds")
    assert composer.guideline_note.isHidden() and box.guideline_note.isHidden()
    assert composer.submit_button.text() == "Submit" and box.send_button.text() == "Send"

    dialog = window.moderation.open_guidelines()  # type: ignore[attr-defined]
    qtbot.waitExposed(dialog)
    qtbot.mouseClick(dialog.new_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.name, "Health claims")
    dialog.kind.setCurrentIndex(dialog.kind.findData("claims"))
    dialog.severity.setCurrentIndex(dialog.severity.findData(Severity.APPROVAL.value))
    qtbot.keyClicks(dialog.words, "miracle cure")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    said = "Health claims (needs approval): makes an unverified claim: “miracle cure”."
    qtbot.waitUntil(lambda: said in composer.guideline_note.text())
    assert composer.guideline_note.isVisible()
    assert composer.submit_button.text() == "Submit for approval"
    qtbot.waitUntil(lambda: said in box.guideline_note.text())
    assert box.send_button.text() == "Send for approval"

    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(composer.guideline_note.isHidden)
    qtbot.waitUntil(box.guideline_note.isHidden)
    assert composer.submit_button.text() == "Submit" and box.send_button.text() == "Send"
    dialog.accept()

    box.editor.setFocus()
    qtbot.keyClick(box.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(server.fake.posts) == 1, timeout=WAIT)
    assert server.fake.posts[0]["form"]["status"][0].endswith("a miracle cure for colds")
    assert session.store.held_replies.waiting() == []
    assert [r.kind for r in session.store.outbox.for_conversation(cid)] == ["reply"]
