"""Columns are added, edited, renamed, reordered and removed through the engine, and stay so."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox
from pytestqt.qtbot import QtBot

from inbox.core.models import ColumnFilter, Kind
from inbox.ui.deck import Deck
from inbox.ui.filter_dialog import FilterDialog
from tests.ui.conftest import Opener


def names(deck: Deck) -> list[str]:
    return [v.name for v in deck.columns()]


def test_column_changes_persist_across_a_restart(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    deck = session.window.deck
    assert names(deck) == ["Everything", "DMs"]

    with qtbot.waitSignal(deck.layout_changed):
        deck.add_column("Urgent", ColumnFilter(min_priority=30))
    assert names(deck) == ["Everything", "DMs", "Urgent"]
    urgent = deck.columns()[2]
    qtbot.waitUntil(lambda: urgent.model.loaded)
    assert urgent.is_empty  # nothing that urgent in the workspace

    with qtbot.waitSignal(deck.layout_changed):
        deck.rename(urgent.column_id or 0, "Fire")
    with qtbot.waitSignal(deck.layout_changed):
        deck.move_column(urgent, -1)
    assert names(deck) == ["Everything", "Fire", "DMs"]
    assert deck.columns()[1] is urgent  # reused, not rebuilt
    with qtbot.waitSignal(deck.layout_changed):
        deck.remove_column(deck.columns()[0], confirm=False)
    assert names(deck) == ["Fire", "DMs"]

    session.close()
    again = open_profile(workspace)  # waits for the first pages
    assert names(again.window.deck) == ["Fire", "DMs"]
    assert again.window.deck.columns()[0].model.filter.min_priority == 30


def test_the_filter_editor_narrows_a_column(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    deck = session.window.deck
    everything = deck.columns()[0]
    assert everything.model.rowCount() == 5

    def fill_in() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, FilterDialog)
        dialog.name_edit.setText("Parcels")
        dialog.query_edit.setText("parcel")
        dialog.kind_checks[list(Kind).index(Kind.MENTION)].setChecked(True)
        dialog.accept()

    QTimer.singleShot(0, fill_in)
    with qtbot.waitSignal(deck.layout_changed):
        deck.edit_column(everything)
    assert everything.name == "Parcels"
    qtbot.waitUntil(lambda: everything.model.loaded)
    assert [r.snippet for r in everything.model.rows()] == ["Where is my parcel"]
    assert everything.model.filter.kinds == (Kind.MENTION,)


def test_rename_and_remove_ask_first(
    workspace: Path, open_profile: Opener, qtbot: QtBot, monkeypatch
) -> None:
    session = open_profile(workspace)
    deck = session.window.deck
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Inbox", True))
    with qtbot.waitSignal(deck.layout_changed):
        deck.rename_column(deck.columns()[0])
    assert names(deck) == ["Inbox", "DMs"]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    deck.remove_column(deck.columns()[1])
    assert names(deck) == ["Inbox", "DMs"]  # declined: nothing was written
