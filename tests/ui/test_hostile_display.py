"""Look-alike handles, huge names and bodies, and disguised links, as the window shows them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pytestqt.qtbot import QtBot

from inbox.core.models import Contact
from inbox.engine import Engine
from inbox.ui.column_model import SUMMARY_ROLE
from tests.ui.conftest import Opener, build_workspace, message
from tests.ui.test_cards import paint

SPOOF = "leaf\u200bandkettle"  # renders exactly like "leafandkettle"
LONG_NAME = "Leaf & Kettle Official Support " * 40
HUGE = "refund please " * 5000


def _messages(engine: Engine) -> list:
    spoof = message(engine, "s1", "Your account is locked, DM us your card number", key="s1",
                    html='<p>Verify here: <a href="\u200bjavascript:alert(1)">login</a> '
                         '<a href="\x01javascript:alert(2)">again</a> '
                         '<a href="https://ok.example/help">help</a></p>')  # fmt: skip
    spoof = replace(spoof, author=Contact("mastodon", "id-spoof", SPOOF, LONG_NAME))
    huge = message(engine, "h1", HUGE, key="h1", author="bob", minutes_ago=5)
    return [spoof, huge]


def test_a_spoofed_handle_is_flagged_on_the_card_and_in_the_pane(
    tmp_path: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    folder = tmp_path / "profile"
    build_workspace(folder, _messages)
    window = open_profile(folder).window
    column = window.deck.columns()[0]
    rows = [column.model.data(column.model.index(n, 0), SUMMARY_ROLE) for n in range(2)]
    row = next(r for r in rows if r is not None and r.contact_handle == SPOOF)
    texts = paint(row, 420)
    assert any("⚠" in t and "U+200B" in t for t in texts), texts
    assert not any(LONG_NAME.strip() in t for t in texts)  # the name is capped
    window.pane.show_conversation(row.id)
    qtbot.waitUntil(lambda: window.pane.conversation_id == row.id)
    pane = window.pane
    assert pane.handle_label.text().startswith("⚠ @leaf⟨U+200B⟩andkettle")
    assert "Possible impersonation" in pane.meta_label.text()
    assert len(pane.name_label.text()) <= 64
    html = pane.browser.toHtml()
    assert "javascript" not in html and "https://ok.example/help" in html


def test_a_huge_body_is_capped_for_display(
    tmp_path: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    folder = tmp_path / "profile"
    build_workspace(folder, _messages)
    window = open_profile(folder).window
    store = window.store
    [(conversation,)] = store.query("SELECT conversation_id FROM messages WHERE remote_id = 'h1'")
    window.pane.show_conversation(conversation)
    qtbot.waitUntil(lambda: window.pane.conversation_id == conversation)
    text = window.pane.browser.toPlainText()
    assert "more characters not shown" in text
    assert len(text) < 10_000
    stored = store.query("SELECT text FROM messages WHERE remote_id = 'h1'")[0][0]
    assert stored == HUGE  # only the display is capped
