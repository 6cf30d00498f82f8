"""Files from spreadsheets in the window's schedule import, and what its export writes:
a Latin-1 or UTF-16 file is previewed with its encoding named, one that cannot be told
says what to save it as, and an exported cell that a spreadsheet would run stays text."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.ui.conftest import Opener

TEXT = "Crème brûlée à 5 € — façade"


@pytest.mark.parametrize(("encoding", "named"), [("cp1252", "cp1252"), ("utf-16", "UTF-16")])
def test_the_import_dialog_reads_a_spreadsheets_encoding_and_imports_the_users_text(
    workspace: Path, open_profile: Opener, qtbot: QtBot, tmp_path: Path, encoding, named
) -> None:
    from inbox.ui.schedule_tools import ImportDialog, export_schedule

    session = open_profile(workspace)
    now = datetime.now(UTC)
    later = (now + timedelta(days=3)).strftime("%d/%m/%Y 10:00")
    file = tmp_path / "plan.csv"
    file.write_bytes(f'{later},"{TEXT}"\n{later},"=1+2 is not a formula"\n'.encode(encoding))
    dialog = ImportDialog(session.store, session.window.bridge, now, "UTC")
    qtbot.addWidget(dialog)
    dialog.account.setCurrentIndex(1)
    dialog.load(file)
    assert f"Read as {named}." in dialog.summary.text()
    assert dialog.table.rowCount() == 2 and dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert [p.text for p in session.store.posts.find()] == [TEXT, "=1+2 is not a formula"]

    out = tmp_path / "schedule.csv"
    assert export_schedule(session.store, out, now) == 2
    cells = [row[1] for row in csv.reader(io.StringIO(out.read_text(encoding="utf-8")))][1:]
    assert sorted(cells) == sorted([TEXT, "'=1+2 is not a formula"])


def test_a_file_whose_encoding_cannot_be_told_says_what_to_save_it_as(
    workspace: Path, open_profile: Opener, qtbot: QtBot, tmp_path: Path
) -> None:
    from inbox.ui.schedule_tools import ImportDialog

    session = open_profile(workspace)
    file = tmp_path / "broken.csv"
    file.write_bytes(b"\xff\xfe" + b"\x00\xd8" * 20)  # UTF-16 by its mark, lone halves after
    dialog = ImportDialog(session.store, session.window.bridge, datetime.now(UTC), "UTC")
    qtbot.addWidget(dialog)
    dialog.load(file)
    assert "CSV UTF-8" in dialog.summary.text()
    assert dialog.table.rowCount() == 0 and not dialog.import_button.isEnabled()
    assert session.store.posts.find() == []
