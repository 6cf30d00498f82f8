"""A Bluesky account in the window against the real local AT Protocol network: signed in
from the Add account page, a customer's mention lands in the deck's column, and the reply
typed in the reply box is on the PDS in thread, with the customer's mention as a facet."""

from __future__ import annotations

import io
import sys
from contextlib import closing
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QPushButton
from pytestqt.qtbot import QtBot

from inbox import secrets
from inbox.cli.main import main
from inbox.engine.accounts import token_key
from inbox.networks.bluesky.xrpc import Session
from inbox.store import Store
from inbox.ui.features import password_account
from inbox.ui.features.reply import ReplyBox
from tests.integration.bsky import expired, new_person, pds_url, png
from tests.ui.conftest import Opener, open_profile  # noqa: F401 (the fixture)

pytestmark = pytest.mark.integration


def test_mention_in_the_deck_and_reply_from_the_reply_box(
    bsky_network,
    tmp_path: Path,
    open_profile: Opener,  # noqa: F811 (the fixture imported above)
    qtbot: QtBot,
) -> None:
    shop, customer = new_person(bsky_network, "desk"), new_person(bsky_network, "buyer")
    photo = customer.image(png(4, 2), "The torn parcel on my doorstep")
    mention = customer.mention(shop, "Hi ", " my genmaicha never arrived, order 5521?", photo)
    customer.indexed(mention["uri"])

    session = open_profile(tmp_path / "profile")
    window = session.window
    dialog = password_account.PasswordAccountDialog(session.engine, window, network="bluesky")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.handle, shop.handle)
    qtbot.keyClicks(dialog.service, pds_url(bsky_network))
    qtbot.keyClicks(dialog.password, shop.app_password())
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=60_000)

    # A new profile's deck offers the usual columns in one click.
    assert window.deck.empty_card.isVisible()
    qtbot.mouseClick(window.deck.empty_card.usual_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.deck.columns()) == 3)

    # The first sync starts at once: the mention shows up as a card in a column.
    def card_texts() -> list[str]:
        texts = []
        for view in window.deck.columns():
            model = view.model
            for row in range(model.rowCount()):
                texts.append(str(model.index(row, 0).data(Qt.ItemDataRole.DisplayRole) or ""))
        return texts

    def arrived() -> bool:
        return any("never arrived" in t for t in card_texts())

    qtbot.waitUntil(arrived, timeout=90_000)
    column = next(
        v for v in window.deck.columns()
        if any("never arrived" in str(v.model.index(r, 0).data() or "")
               for r in range(v.model.rowCount()))
    )  # fmt: skip
    row = next(
        r for r in range(column.model.rowCount())
        if "never arrived" in str(column.model.index(r, 0).data() or "")
    )  # fmt: skip
    column.focus_list()
    column.list.setCurrentIndex(column.model.index(row, 0))
    with qtbot.waitSignal(window.pane.conversation_changed, timeout=10_000):
        window.deck.open_current()
    assert "never arrived" in window.pane.browser.toPlainText()
    # The picture is listed with its alt text, as a link: never loaded by the pane.
    assert "📎 The torn parcel on my doorstep" in window.pane.browser.toPlainText()
    assert window.pane.browser.refused == []  # nothing fetched by the view

    box = window.pane.findChild(ReplyBox)
    assert box is not None
    qtbot.waitUntil(box.isEnabled)
    # The live counter counts graphemes the way Bluesky does (300), and its 3,000 bytes.
    qtbot.keyClicks(box.editor, "Hello")  # typed: the counter follows each key
    assert box.counter.text() == "295" and box.send_button.isEnabled()
    box.editor.setPlainText("Héllo 👋🏽 👨‍👩‍👧")  # a skin tone and a family: one grapheme each
    assert box.counter.text() == str(300 - 9)
    box.editor.setPlainText("é" * 301)
    assert box.counter.text() == "-1" and not box.send_button.isEnabled()
    box.editor.setPlainText("👨‍👩‍👧" * 200)  # 200 graphemes but 3,600 bytes: too long too
    assert box.counter.text() == "-600 bytes" and not box.send_button.isEnabled()
    box.editor.clear()
    text = f"Sorry, @{customer.handle}! A new genmaicha left today, order 5521 ✨"
    box.editor.setPlainText(text)
    qtbot.keyClick(box.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    # What the user sees: the reply in the thread, confirmed by the network.
    def sent() -> bool:
        thread = window.pane.browser.toPlainText()
        return "A new genmaicha left today" in thread and "sending…" not in thread

    qtbot.waitUntil(sent, timeout=60_000)
    # What the server got: one reply, in thread, the mention at the right bytes.
    replies = [r for r in shop.posts() if r["value"].get("reply")]
    assert len(replies) == 1
    value = replies[0]["value"]
    assert value["text"] == text
    assert value["reply"]["parent"]["uri"] == mention["uri"]
    assert value["reply"]["root"]["uri"] == mention["uri"]
    [facet] = [f for f in value["facets"] if "mention" in f["features"][0]["$type"]]
    start = text.encode().index(f"@{customer.handle}".encode())
    assert facet["index"] == {"byteStart": start, "byteEnd": start + len(customer.handle) + 1}
    assert facet["features"][0]["did"] == customer.did


def test_a_revoked_app_password_asks_to_sign_in_again_and_a_new_one_works(
    bsky_network,
    tmp_path: Path,
    open_profile: Opener,  # noqa: F811 (the fixture imported above)
    qtbot: QtBot,
) -> None:
    shop, customer = new_person(bsky_network, "again"), new_person(bsky_network, "againc")
    folder = tmp_path / "profile"
    folder.mkdir()
    before, sys.stdin = sys.stdin, io.StringIO(shop.app_password() + "\n")
    try:
        add = ["accounts", "add", "bluesky", "--handle", shop.handle,
               "--service", pds_url(bsky_network), "--password-stdin"]  # fmt: skip
        assert main(["--profile", str(folder), *add]) == 0
    finally:
        sys.stdin = before
    mention = customer.mention(shop, "Hi ", " are you back?")
    customer.indexed(mention["uri"])
    # Revoked in Bluesky's settings; the access JWT of the day has run out too.
    shop.revoke_app_passwords()
    with closing(Store(folder / "inbox.db", readonly=True)) as store:
        key = token_key(store, store.accounts()[0])
    old = Session.loads(secrets.get_secret(key) or "")
    stale = Session(old.did, old.handle, old.service, expired(old.access_jwt), old.refresh_jwt)
    secrets.set_secret(key, stale.dumps())

    session = open_profile(folder)
    window = session.window

    def again_button() -> QPushButton | None:
        found = [b for b in window.statusBar().findChildren(QPushButton) if b.isVisible()]
        return next((b for b in found if b.text() == f"Sign in again: @{shop.handle}"), None)

    qtbot.waitUntil(lambda: again_button() is not None, timeout=60_000)
    label = next(iter(window._account_labels.values()))
    assert "sign in again" in label.text() and "no longer accepts" in label.toolTip()

    new_password = shop.app_password()
    seen: dict[str, str] = {}

    def answer_the_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, password_account.PasswordAccountDialog)
        seen.update(handle=dialog.handle.text(), service=dialog.service.text())
        qtbot.keyClicks(dialog.password, new_password)
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, answer_the_dialog)
    button = again_button()
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # returns when the dialog is done
    assert seen == {"handle": shop.handle, "service": pds_url(bsky_network)}  # filled in
    qtbot.waitUntil(lambda: again_button() is None, timeout=30_000)
    new = Session.loads(secrets.get_secret(key) or "")
    assert new.refresh_jwt != old.refresh_jwt

    # Working again: the mention that waited meanwhile arrives, and the label says so.
    def arrived() -> bool:
        with closing(Store(folder / "inbox.db", readonly=True)) as store:
            rows = store.query("SELECT count(*) FROM messages WHERE text LIKE '%are you back?%'")
        return bool(rows[0][0])

    qtbot.waitUntil(arrived, timeout=90_000)
    label = next(iter(window._account_labels.values()))
    qtbot.waitUntil(lambda: label.property("status") == "ok", timeout=30_000)
