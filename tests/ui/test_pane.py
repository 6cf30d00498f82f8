"""The conversation pane shows remote HTML as text and never loads anything remote."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from inbox.ui.safe_browser import SafeBrowser
from tests.ui.conftest import Opener, build_workspace, message

HOSTILE = (
    "<p>Hello <b>team</b>, see <a href='https://shop.test/o/1'>my order</a></p>"
    "<img src='https://tracker.test/pixel.gif'>"
    "<script>document.title='pwned'</script>"
    "<style>body{background:url(https://tracker.test/bg.png)}</style>"
    "<iframe src='https://evil.test/'></iframe>"
    "<a href='javascript:alert(1)'>click me</a>"
    "<p style='background:url(https://tracker.test/css.png)'>styled</p>"
)


def test_hostile_html_shows_as_text_and_loads_nothing(
    tmp_path: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    folder = tmp_path / "p"
    build_workspace(folder, lambda e: [message(e, "h1", "Hello team", html=HOSTILE)])
    window = open_profile(folder).window
    column = window.deck.columns()[0]
    column.focus_list()
    window.deck.open_current()
    browser = window.pane.browser
    text = browser.toPlainText()
    assert "Hello team, see my order" in text
    assert "click me" in text and "styled" in text
    assert "pwned" not in text and "background" not in text
    assert browser.refused == []  # sanitized away before it could even ask
    html = browser.toHtml()
    assert "tracker.test" not in html and "javascript:" not in html
    assert "https://shop.test/o/1" in html  # the link stays, to open on click only


def test_the_browser_refuses_every_resource_even_unsanitized(qtbot: QtBot) -> None:
    browser = SafeBrowser()
    qtbot.addWidget(browser)
    browser.setHtml("<p>hi</p><img src='https://tracker.test/p.gif'><img src='file:///etc/x.png'>")
    browser.show()
    qtbot.waitExposed(browser)
    assert "https://tracker.test/p.gif" in browser.refused
    assert "file:///etc/x.png" in browser.refused
    assert browser.toPlainText().strip().startswith("hi")


def test_features_add_pane_actions_that_follow_the_open_conversation(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QLabel

    window = open_profile(workspace).window
    pane = window.pane
    seen: list[int] = []
    label = QLabel("reply box")
    action = QAction("Assign", pane)
    pane.add_action(action)
    pane.add_action_widget(label)
    pane.conversation_changed.connect(seen.append)
    column = window.deck.columns()[0]
    column.focus_list()
    window.deck.open_current()
    assert label.isVisibleTo(pane) and pane.toolbar.isVisibleTo(pane)
    assert seen == [column.model.summary(0).id] == [window.current_conversation_id()]
    # The thread keeps room for its messages; the actions get the rest, below it.
    thread, actions = pane.thread_split.sizes()
    assert thread >= 100 and actions > 0
    pane.clear()
    assert seen[-1] == 0
