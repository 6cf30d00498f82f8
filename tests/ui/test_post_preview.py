"""The composer previews the post as each selected account's network will show it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from inbox.ui.composer import Composer
from inbox.ui.post_preview import PreviewCard
from tests.ui.conftest import Opener


def _composer() -> Composer:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, Composer)]
    assert found, "New post… opened no composer"
    return found[-1]


def test_preview_per_account_updates_as_you_type(
    tmp_path: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(tmp_path / "demo", demo=True)
    new_post = next(
        a for a in session.window.menu("Publishing").actions() if a.text() == "New post…"
    )
    new_post.trigger()
    composer = _composer()
    qtbot.addWidget(composer)
    by_network = {a.network: a for a in session.store.accounts()}
    composer.set_accounts((by_network["mastodon"].id, by_network["x"].id))
    qtbot.keyClicks(composer.main_editor, "Launch day! https://example.com/launch #tea ")
    qtbot.keyClicks(composer.main_editor, "more " * 60)

    cards = {c.preview.network: c for c in composer.preview.findChildren(PreviewCard)}
    assert set(cards) == {"mastodon", "x"}
    x, masto = cards["x"], cards["mastodon"]
    # X refuses past 280 (the link counting 23): the cut is struck through in its card only.
    assert x.preview.over and "line-through" in x.body.text()
    assert not masto.preview.over and "line-through" not in masto.body.text()
    assert any("over X" in n or "over" in n for n in x.preview.notes)
    # The first link becomes the network's card; the hashtag and link are marked.
    assert x.card.text().count("example.com") == 1 and masto.card.text().count("example.com")
    assert "underline" in masto.body.text()

    # Folding the preview away stops drawing it; unfolding shows the current text again.
    composer.preview_box.setChecked(False)
    composer.main_editor.setPlainText("Short")
    composer.preview_box.setChecked(True)
    cards = {c.preview.network: c for c in composer.preview.findChildren(PreviewCard)}
    assert "Short" in cards["x"].body.text() and not cards["x"].preview.over
