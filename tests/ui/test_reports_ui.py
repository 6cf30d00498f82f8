"""The Reports window on the demo workspace: opened by its shortcut, periods switched, every
export written and read back (CSV parsed, PNG and PDF checked), the same figures as the CLI."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QLabel
from pytestqt.qtbot import QtBot

from inbox.cli.main import main
from inbox.core import reports
from inbox.ui import fmt
from inbox.ui.reports import ChartCard, ReportsWindow, Tile, span_words

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _wait_report(qtbot: QtBot, window: ReportsWindow) -> None:
    qtbot.waitUntil(lambda: not window.busy(), timeout=60_000)


def _save_to(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """The save dialog answers path (the user typed it)."""
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), ""))
    )


def _cli(capsys: pytest.CaptureFixture[str], folder: Path, first: str, last: str) -> dict:
    capsys.readouterr()
    code = main(
        ["report", "--profile", str(folder), "--from", first, "--to", last, "--format", "json"]
    )
    assert code == 0
    return json.loads(capsys.readouterr().out)


def test_reports_window_switches_periods_and_exports(
    open_profile, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    folder = tmp_path / "demo"
    session = open_profile(folder, demo=True)
    qtbot.keyClick(
        session.window,
        Qt.Key.Key_R,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    window = session.window.findChild(ReportsWindow)
    assert window is not None and window.isVisible()
    _wait_report(qtbot, window)
    assert window.stack.currentIndex() == 2, window.message.text()
    assert window.period.currentData() == "last_7_days"

    # What the tiles say is what `social-inbox report` prints for the same days.
    period = window.figures.current.period
    assert period.days == 7
    cli = _cli(capsys, folder, period.first.isoformat(), period.last.isoformat())
    received = window.findChild(Tile, "tile-received")
    assert received.value.text() == str(cli["period"]["received"])
    assert cli["period"]["received"] > 100  # the demo fills the charts
    assert received.change.text().startswith(f"before {cli['previous']['received']}")
    assert set(window.cards) >= {"by_day", "backlog", "hour_of_week", "sentiment", "times", "sla"}
    # Listening: what the demo's search columns found, as a tile and a chart, as the CLI says.
    found = window.findChild(Tile, "tile-monitoring")
    assert found.value.text() == str(cli["period"]["monitoring"])
    assert cli["period"]["monitoring"] > 0
    card = window.cards["monitoring"]
    assert {row[0]: row[1] for row in card.rows} == {
        fmt.network_label(k): v for k, v in cli["period"]["monitoring_by_network"].items()
    }
    assert card.legend.text().startswith(f"{cli['period']['monitoring']} found")
    # Suggested answers: how often one was used, and first responses with one vs without
    # (the demo's colleagues reused the first answer of each solved family).
    used = window.findChild(Tile, "tile-suggestions")
    assert cli["period"]["suggestions_used"] >= 4
    assert used.value.text() == str(cli["period"]["suggestions_used"])
    assert "conversation" in used.toolTip()
    for key, figure in (
        ("frt_suggested", "with_suggestion"),
        ("frt_unsuggested", "without_suggestion"),
    ):
        minutes = cli["period"][f"first_response_median_{figure}_business_minutes"]
        assert window.findChild(Tile, f"tile-{key}").value.text() == reports.duration(minutes)
    assert cli["period"]["answered_with_suggestion"] >= 1
    # The demo's day: work routed to its three teams, posts that went out and got replies.
    posts = window.findChild(Tile, "tile-posts")
    assert cli["period"]["posts_published"] >= 2 and cli["period"]["post_replies"] >= 6
    assert posts.value.text() == (
        f"{cli['period']['posts_published']} · {cli['period']['post_replies']}"
    )
    teams = {row[0]: row[1] for row in window.cards["by_team"].rows}
    assert {"Support", "Billing", "Community"} <= {k for k, v in teams.items() if v}
    assert teams == {**dict.fromkeys(teams, 0), **cli["period"]["received_by_team"]}

    # Last 30 days: a new count, 30 days on the chart and in its CSV.
    window.period.setCurrentIndex(window.period.findData("last_30_days"))
    qtbot.waitUntil(
        lambda: (
            window.figures is not None
            and window.figures.current.period.days == 30
            and not window.busy()
        ),
        timeout=60_000,
    )
    heading = window.area.widget().findChild(QLabel, "reportHeading")
    assert span_words(window.figures.current.period) in heading.text()

    out = tmp_path / "exports"
    out.mkdir()
    _save_to(monkeypatch, out / "by-day")  # no suffix typed: .csv is added
    qtbot.mouseClick(window.cards["by_day"].csv_button, Qt.MouseButton.LeftButton)
    rows = list(csv.DictReader((out / "by-day.csv").open(encoding="utf-8")))
    assert len(rows) == 30
    assert list(rows[0]) == ["day", "received", "day before", "received before"]
    assert sum(int(r["received"]) for r in rows) == window.figures.current.received
    assert window.status.text() == f"Saved {out / 'by-day.csv'}"

    _save_to(monkeypatch, out / "backlog.png")
    qtbot.mouseClick(window.cards["backlog"].png_button, Qt.MouseButton.LeftButton)
    image = QImage(str(out / "backlog.png"))
    assert not image.isNull()
    assert 300 <= image.width() <= 1200 and 200 <= image.height() <= 800

    _save_to(monkeypatch, out / "all.csv")
    qtbot.mouseClick(window.export_csv, Qt.MouseButton.LeftButton)
    everything = list(csv.DictReader((out / "all.csv").open(encoding="utf-8")))
    cell = {(r["period"], r["metric"], r["key"]): r["value"] for r in everything}
    assert cell[("current", "received", "")] == str(window.figures.current.received)
    assert ("change", "received", "") in cell

    _save_to(monkeypatch, out / "period.pdf")
    qtbot.mouseClick(window.export_pdf, Qt.MouseButton.LeftButton)
    pdf = (out / "period.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000  # the charts are in it

    # A folder that cannot be written: the words say so, nothing crashes.
    _save_to(monkeypatch, tmp_path / "missing" / "x.csv")
    qtbot.mouseClick(window.cards["sla"].csv_button, Qt.MouseButton.LeftButton)
    assert window.status.text().startswith(f"Could not save {tmp_path / 'missing' / 'x.csv'}")


def test_custom_period_empty_and_backwards(open_profile, qtbot: QtBot, tmp_path: Path) -> None:
    session = open_profile(tmp_path / "demo", demo=True)
    window = ReportsWindow(session.window.store, session.window.bridge, session.window)
    qtbot.addWidget(window)
    window.show()
    _wait_report(qtbot, window)
    window.period.setCurrentIndex(window.period.findData("custom"))
    assert window.first.isEnabled() and window.last.isEnabled()
    window.first.setDate(QDate(2020, 1, 1))
    window.last.setDate(QDate(2020, 1, 7))
    qtbot.waitUntil(lambda: window.stack.currentIndex() == 1, timeout=60_000)
    assert "Nothing in 1 Jan – 7 Jan 2020, nor in the 7 days before" in window.message.text()
    window.last.setDate(QDate(2019, 12, 1))
    qtbot.waitUntil(lambda: "ends before it starts" in window.message.text(), timeout=60_000)
    assert not window.export_csv.isEnabled()


def test_charting_library_loads_only_with_the_window() -> None:
    code = (
        "import sys; import inbox.ui.main_window, inbox.ui.features.reports, inbox.ui.app;"
        " assert 'pyqtgraph' not in sys.modules and 'numpy' not in sys.modules, 'loaded early'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_dark_mode_charts(open_profile, qtbot: QtBot, tmp_path: Path) -> None:
    """Dark mode: the charts take the dark palette's base colour (readable, not white)."""
    from inbox.ui import theme

    session = open_profile(tmp_path / "demo", demo=True)
    theme.set_preference("dark")
    try:
        from PySide6.QtWidgets import QApplication

        theme.apply(QApplication.instance())
        window = ReportsWindow(session.window.store, session.window.bridge, session.window)
        qtbot.addWidget(window)
        window.show()
        _wait_report(qtbot, window)
        card = window.cards["by_day"]
        assert isinstance(card, ChartCard)
        background = card.plot.backgroundBrush().color()
        assert background.lightness() < 80
    finally:
        theme.set_preference("system")
        theme.apply(QApplication.instance())
