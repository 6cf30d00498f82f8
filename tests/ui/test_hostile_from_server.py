"""A look-alike handle and a disguised link as a hostile account sends them: signed in
with `accounts add` to an instance on a loopback port, fetched with `sync --once`, then
shown by the window. The card and the pane flag the handle; the pane keeps the safe link
and drops the disguised ones; the stored text stays whole."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from inbox.store import Store
from inbox.ui.column_model import SUMMARY_ROLE
from tests.cli_run import run
from tests.networks.mastodon.fake import TOKEN, FakeMastodon
from tests.servers.loopback import serve
from tests.ui.conftest import Opener
from tests.ui.test_cards import paint

SPOOF = "leaf\u200bandkettle"  # renders exactly like "leafandkettle"
LONG_NAME = "Leaf & Kettle Official Support " * 40


def test_a_spoofed_handle_from_the_server_is_flagged_and_its_disguised_links_dropped(
    tmp_path: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    fake = FakeMastodon()
    [mention] = [n for n in fake.notifications if n["id"] == "2005"]
    author = mention["status"]["account"]
    author.update(acct=SPOOF, username=SPOOF, display_name=LONG_NAME)
    mention["account"] = author
    mention["status"]["content"] = (
        '<p>Your account is locked: <a href="\u200bjavascript:alert(1)">verify</a> '
        '<a href="\x01javascript:alert(2)">again</a> '
        '<a href="https://ok.example/help">help</a></p>'
    )
    folder = tmp_path / "profile"
    folder.mkdir()
    store = Store(folder / "inbox.db")
    store.set_setting("sync.backfill_days", 36500)  # the recordings are from March 2026
    store.close()
    with serve(fake.handle) as url:
        assert run(folder, "accounts", "add", "mastodon", "--instance", url, "--token-stdin",
                   stdin=TOKEN + "\n") == 0  # fmt: skip
        assert run(folder, "sync", "--once") == 0
    assert fake.calls("GET", "/api/v1/notifications")

    session = open_profile(folder)
    window = session.window
    session.bridge.op("columns.add", name="Everything", filter={"statuses": []})
    qtbot.waitUntil(lambda: len(window.deck.columns()) >= 1, timeout=10_000)
    column = window.deck.columns()[-1]

    def spoofed():
        for n in range(column.model.rowCount()):
            row = column.model.data(column.model.index(n, 0), SUMMARY_ROLE)
            if row is not None and row.contact_handle.startswith(SPOOF):
                return row
        return None

    qtbot.waitUntil(lambda: spoofed() is not None, timeout=10_000)
    row = spoofed()
    texts = paint(row, 420)
    assert any("⚠" in t and "U+200B" in t for t in texts), texts
    assert not any(LONG_NAME.strip() in t for t in texts)  # the name is capped for display
    window.pane.show_conversation(row.id)
    qtbot.waitUntil(lambda: window.pane.conversation_id == row.id)
    assert window.pane.handle_label.text().startswith("⚠ @leaf⟨U+200B⟩andkettle")
    assert "Possible impersonation" in window.pane.meta_label.text()
    html = window.pane.browser.toHtml()
    assert "javascript" not in html and "https://ok.example/help" in html
    assert "verify" in window.pane.browser.toPlainText()  # the text stays, without the link
    [(handle, name)] = session.store.query(
        "SELECT handle, display_name FROM contacts WHERE handle LIKE ?", (SPOOF + "%",)
    )
    assert handle.startswith(SPOOF) and name == LONG_NAME  # stored as received
