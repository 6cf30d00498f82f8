"""The suggested answers beside the reply box, driven with keys and clicks in the real window:
on the demo, a "charged twice" complaint shows Sam's refund answer first and Alt+1 fills it
for this customer, with no trace of the earlier one."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from inbox.core import suggest as core
from tests.ui.conftest import Opener, build_workspace, message

WAIT = 15_000


def charged_twice(window) -> tuple[int, str, str]:
    rows = window.store.query(
        """SELECT c.id, p.display_name, m.text FROM conversations c
           JOIN messages m ON m.conversation_id = c.id JOIN contacts p ON p.id = c.contact_id
           WHERE c.status <> 'resolved' AND m.text LIKE 'I was charged twice for order #%'
           ORDER BY c.id DESC LIMIT 1"""
    )
    cid, name, text = rows[0]
    return cid, name.split()[0], re.search(r"#(\d+)", text).group(1)


def test_alt_1_fills_the_refund_answer_for_this_customer(
    tmp_path: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(tmp_path / "demo", demo=True)
    window = session.window
    pane = window.suggestions
    cid, first, order = charged_twice(window)
    window.open_conversation(cid)
    qtbot.waitUntil(lambda: len(pane.found.items) > 0, timeout=WAIT)
    top = pane.found.items[0]
    assert top.source == core.CONVERSATION and top.candidate.by == "Sam Okafor"
    card = pane.cards[0]
    assert card.isVisible()
    assert "Answered by Sam Okafor" in card.head.text()
    assert re.search(r" · (just now|\d+[mhd] ago|on \d+ \w+)( ·|$)", card.head.text())
    assert card.question.text().startswith("“I was charged twice for order #")
    earlier_name = re.search(r"Hi (\w+)", top.candidate.answer).group(1)
    earlier_order = re.search(r"#(\d+)", top.candidate.answer).group(1)

    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    box = pane.box
    text = box.editor.toPlainText()
    assert text.startswith(f"Hi {first}, so sorry about the double charge on order #{order}!")
    assert "refunded the duplicate payment" in text
    assert earlier_name not in text and earlier_order not in text and "@" not in text
    assert text.endswith("— Alex")  # signed by who is at the keyboard, not Sam
    assert box.send_button.isEnabled()  # nothing left to fill
    reused = top.candidate.uses + 1  # the demo's colleagues reused answers too
    words = f"reused {reused} time{'s' if reused != 1 else ''}"
    qtbot.waitUntil(lambda: words in card.head.text(), timeout=WAIT)

    # Ctrl+Enter sends it: the outbox row holds exactly this text.
    qtbot.keyClick(box.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not box.editor.toPlainText(), timeout=WAIT)
    rows = [r for r in window.store.outbox.for_conversation(cid) if r.kind == "reply"]
    assert rows[-1].payload["text"] == text
    uses = window.store.query(
        "SELECT source, source_id, rank FROM suggestion_uses WHERE conversation_id = ?", (cid,)
    )
    assert [tuple(u) for u in uses] == [(core.CONVERSATION, top.source_id, 1)]

    # A click on the third card fills that one.
    third = pane.found.items[2]
    qtbot.mouseClick(pane.cards[2], Qt.MouseButton.LeftButton)
    assert box.editor.toPlainText() == core.fill(third.text, pane.values())
    # The menu and `?` help know the keys.
    assert window.bound()["use_suggestion"].shortcut().toString() == "Alt+1"


def test_bad_questions_and_a_profile_without_solved_cases_say_so(
    tmp_path: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    folder = tmp_path / "profile"
    long = "My parcel never arrived and " * 180  # ~5,000 characters

    def messages(engine):
        return [
            message(engine, "m1", "", author="empty", minutes_ago=1),
            message(engine, "m2", "🙂🔥👍 !!", author="emoji", minutes_ago=2),
            message(engine, "m3", long, author="long", minutes_ago=3),
        ]

    build_workspace(folder, messages)
    window = open_profile(folder).window
    pane = window.suggestions
    ids = {
        r[0]: r[1]
        for r in window.store.query(
            "SELECT p.handle, c.id FROM conversations c JOIN contacts p ON p.id = c.contact_id"
        )
    }
    for who, note in (("empty", core.NO_WORDS), ("emoji", core.NO_WORDS), ("long", core.NO_SOLVED)):
        window.open_conversation(ids[who])
        qtbot.waitUntil(lambda note=note: pane.note.text() == note, timeout=WAIT)
        assert pane.note.isVisible() and not any(c.isVisible() for c in pane.cards)
        qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
        assert pane.box.editor.toPlainText() == ""  # nothing to use, nothing happens


def test_repeated_answers_offer_an_article_through_the_article_path(
    tmp_path: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    from inbox.ui.features.connectors import ArticleEditor

    folder = tmp_path / "demo"
    window = open_profile(folder, demo=True).window
    offer = window.repeated_offer
    # The demo's three refund answers by Sam (suggest.article_after is 3 by default).
    qtbot.waitUntil(offer.isVisible, timeout=WAIT)
    assert offer.text() == "3 conversations answered alike: Write article from these"
    group = offer.groups[0]
    qtbot.mouseClick(offer, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.findChild(ArticleEditor) is not None, timeout=WAIT)
    editor = window.findChild(ArticleEditor)
    assert window.pane.conversation_id == group.best
    question, answer = editor.question.toPlainText(), editor.answer.toPlainText()
    assert "charge" in question.lower() and "refunded the duplicate payment" in answer
    customer = window.pane.summary.contact_name.split()[0]
    assert customer not in question and customer not in answer  # redacted by default
    editor.title_edit.setText("Charged twice? How refunds work")
    editor.connector.setCurrentText("Knowledge base")
    editor.accept()
    kb = folder / "knowledge-base"
    qtbot.waitUntil(lambda: len(list(kb.glob("*.md"))) == 2, timeout=WAIT)
    assert "Charged twice? How refunds work" in "".join(p.read_text() for p in kb.glob("*.md"))
    # An article now covers them: the offer goes.
    qtbot.waitUntil(lambda: not offer.isVisible(), timeout=WAIT)


def test_a_short_window_keeps_the_reply_box_in_sight(
    tmp_path: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    """Under ~900 px the reply box used to sit below the cards. Now the cards give up rows
    (the earlier question, then one row each) until the reply box is in sight: in a tall
    window each card has its three rows, at 800 px and with the split dragged down to a
    small actions area the reply box and all three cards are in sight, unscrolled."""
    from PySide6.QtWidgets import QScrollArea

    window = open_profile(tmp_path / "demo", demo=True).window
    pane = window.suggestions
    scroll = window.findChild(QScrollArea, "paneActionsScroll")
    cid, first, _ = charged_twice(window)

    def inside(widget) -> bool:  # wholly within the actions area as it is scrolled now
        top = widget.mapTo(scroll.viewport(), widget.rect().topLeft()).y()
        return top >= 0 and top + widget.height() <= scroll.viewport().height()

    def all_in_sight() -> bool:
        shown = [pane.box.editor, pane.box.send_button, *pane.cards]
        return len(pane.found.items) == 3 and all(inside(w) for w in shown)

    window.resize(1280, 1400)
    window.open_conversation(cid)
    qtbot.waitUntil(all_in_sight, timeout=WAIT)
    assert all(card.lines == 3 for card in pane.cards)
    assert pane.cards[0].question.isVisible()

    window.resize(1280, 800)
    window.open_conversation(0)
    window.open_conversation(cid)
    qtbot.waitUntil(all_in_sight, timeout=WAIT)

    # The reader drags the split down (the pane keeps a dragged split): a small actions
    # area gets one-row cards.
    split = window.pane.thread_split
    split.moveSplitter(sum(split.sizes()) + split.handleWidth() - 260, 1)
    assert window.pane.split_dragged
    qtbot.waitUntil(lambda: all_in_sight() and pane.cards[0].lines == 1, timeout=WAIT)
    assert not pane.cards[0].question.isVisible() and not pane.title.isVisible()
    row = pane.cards[0].answer.text()  # who answered and the answer; all of it in the tooltip
    assert row.startswith("Alt+1 · Sam Okafor · ") and f"Hi {first}" in row
    assert pane.cards[0].toolTip().startswith("Answered by Sam Okafor")
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert pane.box.editor.toPlainText().startswith(f"Hi {first}, so sorry")
