"""Presence on a team server names each laptop's own member, with no name passed anywhere:
Alex's window and Sam's engine are two team profiles on the suite's real PostgreSQL, each
with its current member in its own laptop.json. Sam opens the conversation Alex has open:
Alex's window says "Sam is viewing" (pane and card); Sam's laptop sees "Alex", viewing, then
replying once Alex types; the server's presence rows name Alex and Sam; when Jordan takes
over Alex's laptop, Sam sees Jordan."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from PySide6.QtCore import QModelIndex, QRect, Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from inbox.engine import Engine, ops, team
from inbox.profile import Profile
from inbox.store import team as team_store
from inbox.ui import theme
from inbox.ui.column_model import ID_ROLE, SUMMARY_ROLE
from inbox.ui.delegate import ConversationDelegate
from inbox.ui.features.reply import ReplyBox
from inbox.ui.main_window import MainWindow
from tests.ui.conftest import Opener, build_workspace, message


def card_of(window: MainWindow, conversation_id: int) -> QModelIndex:
    model = window.deck.columns()[0].list.model()
    [index] = [
        model.index(r, 0)
        for r in range(model.rowCount())
        if model.index(r, 0).data(ID_ROLE) == conversation_id
    ]
    return index


def pill_pixels(window: MainWindow, conversation_id: int) -> int:
    """Pixels of the presence pill's colour in the right half of the card's bottom line."""
    view = window.deck.columns()[0].list
    rect = view.visualRect(card_of(window, conversation_id))
    strip = QRect(rect.center().x(), rect.bottom() - 30, rect.width() // 2, 30)
    image = view.viewport().grab(strip).toImage()
    pill = QColor(theme.colours().unread).rgb()
    return sum(
        image.pixel(x, y) == pill for x in range(image.width()) for y in range(image.height())
    )


def member_named(engine: Engine, name: str) -> int:
    return engine.call(lambda e: e.store.teams.add_member(name).id)


def be(engine: Engine, member_id: int) -> None:
    engine.call(lambda e: ops.run(e, "members.set_current", member_id=member_id))


def test_presence_names_each_laptops_own_member_on_a_team_server(
    tmp_path: Path, pg_dsn: str, open_profile: Opener, qtbot: QtBot
) -> None:
    alex_folder, sam_folder = tmp_path / "alex", tmp_path / "sam"
    for folder in (alex_folder, sam_folder):
        team_store.connect(Profile.resolve(folder).db_path, pg_dsn)
    build_workspace(
        alex_folder,
        lambda e: [message(e, f"m{n}", f"Question {n}", minutes_ago=n) for n in range(3)],
    )
    setup = Engine(Profile.resolve(alex_folder).db_path)
    setup.start()
    try:
        alex_id = member_named(setup, "Alex")
        sam_id = member_named(setup, "Sam")
        be(setup, alex_id)  # Alex's laptop: its laptop.json, not the shared database
    finally:
        setup.stop()
    assert json.loads((alex_folder / "laptop.json").read_text())["current_member"] == alex_id

    session = open_profile(alex_folder)
    window = session.window
    assert session.store.dsn is not None
    with qtbot.waitSignal(window.pane.conversation_changed) as opened:
        window.deck.columns()[0].focus_list()
        qtbot.keyClick(window.deck.columns()[0].list, Qt.Key.Key_Return)
    cid = int(opened.args[0])
    box = window.pane.findChild(ReplyBox)
    qtbot.waitUntil(box.isEnabled)
    label = window.pane.presence_label
    delegate = window.deck.columns()[0].list.itemDelegate()
    assert isinstance(delegate, ConversationDelegate)

    # The card as it stays (opened: read), painted once, so its picture is cached.
    qtbot.waitUntil(lambda: not card_of(window, cid).data(SUMMARY_ROLE).unread)
    before = pill_pixels(window, cid)
    sam = Engine(Profile.resolve(sam_folder).db_path)
    sam.start()
    try:
        be(sam, sam_id)
        assert json.loads((sam_folder / "laptop.json").read_text())["current_member"] == sam_id
        sam.call(lambda e: team.set_presence(e, cid, "viewing"))  # no name: the laptop's
        qtbot.waitUntil(lambda: label.isVisible() and label.text() == "Sam is viewing")
        assert delegate.presence == {cid: "Sam is viewing"}
        # The pill is painted on the card (a cached card without it once hid it).
        qtbot.waitUntil(lambda: pill_pixels(window, cid) > before + 100)
        window.grab().save(str(tmp_path / "presence-team.png"))

        def others() -> list[tuple[str, str]]:
            found = sam.call(lambda e: e.store.presence.others(e.holder).get(cid, []))
            return [(p.member, p.activity) for p in found]

        qtbot.waitUntil(lambda: others() == [("Alex", "viewing")])
        qtbot.keyClicks(box.editor, "On it")
        qtbot.waitUntil(lambda: others() == [("Alex", "replying")])
        with psycopg.connect(pg_dsn) as server:  # what the server holds: one row per laptop
            rows = server.execute(
                "SELECT member, activity FROM presence WHERE conversation_id = %s ORDER BY member",
                (cid,),
            ).fetchall()
        assert rows == [("Alex", "replying"), ("Sam", "viewing")]
        # Jordan takes over Alex's laptop (Publishing › who I am): Sam sees the new name.
        jordan_id = session.engine.call(lambda e: e.store.teams.add_member("Jordan").id)
        window.bridge.op("members.set_current", member_id=jordan_id)
        qtbot.waitUntil(lambda: others() == [("Jordan", "replying")])
    finally:
        sam.stop()
    qtbot.waitUntil(lambda: not label.isVisible())
