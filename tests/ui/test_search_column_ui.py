"""A search (monitoring) column made in the window, against a Mastodon server on a loopback
port: Column → New search column…, type the terms, OK; the column fills with what the
server's hashtag timeline and full-text search found, its header says what it listens for
and when it was fetched, and a server without full-text search is said there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from inbox.core.models import AccountInfo, ColumnFilter
from inbox.engine import Engine
from inbox.engine.accounts import save_account
from inbox.profile import Profile
from inbox.ui.column_model import ID_ROLE
from inbox.ui.filter_dialog import SearchDialog
from tests.networks.mastodon.fake import TOKEN
from tests.servers.mastodon_loopback import LoopbackMastodon
from tests.ui.conftest import Opener

WAIT = 30_000


@pytest.fixture
def server() -> Iterator[LoopbackMastodon]:
    with LoopbackMastodon().running() as s:
        yield s


@pytest.fixture
def profile(tmp_path: Path, server: LoopbackMastodon) -> Path:
    folder = tmp_path / "profile"
    engine = Engine(Profile.resolve(folder).db_path)
    engine.start()
    try:
        info = AccountInfo("mastodon", server.url, "110000000000000001", "teashop", "The Tea Shop")

        def setup(e: Engine) -> None:
            save_account(e.store, info, TOKEN)
            e.store.set_setting("sync.backfill_days", 3650)  # the recorded mentions are old
            e.store.columns.add("Everything", ColumnFilter())

        engine.call(setup)
    finally:
        engine.stop()
    return folder


def make_search_column(window, qtbot: QtBot, terms: str, exclude: str = "") -> None:
    """Column → New search column…, filled in with keys, OK clicked."""
    seen: list[SearchDialog] = []

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SearchDialog)
        seen.append(dialog)
        assert not dialog.ok_button.isEnabled()  # no name, no terms yet
        qtbot.keyClicks(dialog.name_edit, "Competitors")
        qtbot.keyClicks(dialog.terms_edit, terms)
        qtbot.keyClicks(dialog.exclude_edit, exclude)
        assert dialog.ok_button.isEnabled()
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, fill)
    window.actions_by_name["new_search_column"].trigger()
    assert seen  # the dialog was shown and answered


def column(window, name: str):
    return next((v for v in window.deck.columns() if v.name == name), None)


def test_a_search_column_made_in_the_window_fills_and_says_where_it_stands(
    profile: Path, server: LoopbackMastodon, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(profile)
    window = session.window
    make_search_column(window, qtbot, "Kettleco, #leafkettle", "giveaway")
    qtbot.waitUntil(lambda: column(window, "Competitors") is not None, timeout=WAIT)
    view = column(window, "Competitors")
    assert view.source.text() == "Search: Kettleco, #leafkettle − giveaway · every network"
    qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=WAIT)
    qtbot.waitUntil(lambda: view.fetch_state.text() == "fetched just now", timeout=WAIT)
    assert view.source.isVisible() and view.fetch_state.isVisible()
    shown = {view.model.index(r).data(ID_ROLE) for r in range(3)}
    handles = {session.store.conversations.get(int(c)).contact_handle for c in shown}
    authority = server.url.removeprefix("http://")
    assert handles == {"maya@social.example", "kim@tea.town", f"ben@{authority}"}
    assert {session.store.conversations.get(int(c)).kind.value for c in shown} == {"monitoring"}
    # what the server was asked, with our token
    words = server.fake.calls("GET", "/api/v2/search")
    assert words and words[0].url.params["q"] == "Kettleco"
    assert words[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert server.fake.calls("GET", "/api/v1/timelines/tag/leafkettle")
    # opened, it says nobody asked us
    view.focus_list()
    with qtbot.waitSignal(window.pane.conversation_changed):
        qtbot.keyClick(view.list, Qt.Key.Key_Return)
    assert "found by a search (via @teashop), nobody asked you" in window.pane.meta_label.text()
    assert "monitoring" in window.pane.meta_label.text()

    # Edit filter… on a search column opens the same dialog, filled in; a new term refetches
    def edit() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SearchDialog)
        assert dialog.terms_edit.text() == "Kettleco, #leafkettle"
        assert dialog.exclude_edit.text() == "giveaway"
        dialog.terms_edit.clear()
        qtbot.keyClicks(dialog.terms_edit, "Kettleco, #leafkettle, teashop")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, edit)
    view.edit_requested.emit()
    qtbot.waitUntil(lambda: "teashop" in view.source.text(), timeout=WAIT)
    qtbot.waitUntil(
        lambda: any(
            c.url.params.get("q") == "teashop" for c in server.fake.calls("GET", "/api/v2/search")
        ),
        timeout=WAIT,
    )

    # an ordinary column has no search line and lists the work, not what searches found
    everything = column(window, "Everything")
    assert everything is not None and everything.source.isHidden()
    qtbot.waitUntil(lambda: everything.model.rowCount() > 0, timeout=WAIT)  # the mentions
    listed = [everything.model.index(r).data(ID_ROLE) for r in range(everything.model.rowCount())]
    assert not {int(c) for c in listed} & {int(c) for c in shown}


def test_a_server_without_full_text_search_is_said_in_the_column_header(
    profile: Path, server: LoopbackMastodon, open_profile: Opener, qtbot: QtBot
) -> None:
    server.fake.full_text = False
    session = open_profile(profile)
    window = session.window
    make_search_column(window, qtbot, "Kettleco, #leafkettle")
    qtbot.waitUntil(lambda: column(window, "Competitors") is not None, timeout=WAIT)
    view = column(window, "Competitors")
    qtbot.waitUntil(lambda: "full-text search" in view.fetch_state.text(), timeout=WAIT)
    assert view.fetch_state.text().startswith("⚠ fetched just now · Mastodon: ")
    assert "found no posts for “Kettleco”" in view.fetch_state.text()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=WAIT)  # the #leafkettle post
