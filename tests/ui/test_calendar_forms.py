"""Calendar hour grid, empty states, connector forms, search highlight, dark tick boxes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QFormLayout, QLabel
from pytestqt.qtbot import QtBot

from inbox.core.posts import Post
from inbox.core.schedule import utc_to_local
from inbox.engine import publishing as pub
from inbox.ui import theme
from inbox.ui.calendar import CalendarView
from inbox.ui.composer import Composer
from inbox.ui.connector_forms import EMPTY_LIST, ConnectorEditor, ConnectorsDialog
from inbox.ui.features import publishing
from tests.ui.conftest import Opener


def _post(session, text: str, days: int = 1):  # type: ignore[no-untyped-def]
    account = session.store.accounts()[0].id
    when = datetime.now(UTC).replace(hour=10, minute=30, second=0, microsecond=0)
    when += timedelta(days=days)
    return session.engine.call(lambda e: pub.submit(e, Post(text, (account,), scheduled_at=when)))


def test_week_is_an_hour_grid_with_network_account_and_state(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    long_text = "Our spring tea tasting opens on Saturday: " + "oolong, sencha, " * 10
    post = _post(session, long_text)
    day = utc_to_local(post.scheduled_at, "UTC").date()
    view = CalendarView(session.store, session.window.bridge, day, "UTC")
    qtbot.addWidget(view)
    cell = view.hours[(day, 10)]
    assert cell.count() == 1
    item = cell.item(0)
    first, second = item.text().split("\n")
    assert first == "10:30 · scheduled · @teashop"
    assert second.startswith("Our spring tea tasting") and second.endswith("…")
    assert not item.icon().isNull()  # the network's icon
    assert long_text in item.toolTip()  # the whole text on hover
    assert all(view.hours[(day, h)].count() == 0 for h in range(24) if h != 10)
    assert not view.empty.isVisible()
    # Double-click an empty hour: a post for that slot.
    asked = []
    view.compose_at.connect(asked.append)
    slot = view.hours[(day, 15)]
    qtbot.mouseDClick(slot.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    assert asked == [datetime.combine(day, datetime.min.time(), UTC).replace(hour=15)]
    view.step(3)  # a quiet week says what to do
    assert view.empty.isVisibleTo(view) and "Double-click an hour" in view.empty.text()


def test_an_hour_with_two_posts_grows_to_show_both_whole(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    first = _post(session, "Kettles are back in stock")
    _post(session, "Tasting on Saturday")
    day = utc_to_local(first.scheduled_at, "UTC").date()
    view = CalendarView(session.store, session.window.bridge, day, "UTC")
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    other = next(d for d in view.visible_days() if d != day)
    busy, quiet = view.hours[(day, 10)], view.hours[(other, 10)]
    assert busy.count() == 2
    qtbot.waitUntil(lambda: busy.height() >= busy.sizeHintForRow(0) * 2)
    assert busy.verticalScrollBar().maximum() == 0  # both entries whole, nothing to scroll
    assert quiet.height() == busy.height()  # the row grows across the week
    assert view.hours[(day, 12)].height() < busy.height()  # other hours keep their size


def test_double_click_in_the_window_calendar_opens_the_composer_at_that_hour(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    window = session.window
    window.store  # noqa: B018 - the calendar reads the window's store
    dialog = publishing.open_calendar(window, session.engine)
    view = dialog.findChild(CalendarView)
    day = view.visible_days()[2]
    view.zone = "UTC"
    view.compose_slot(day, 14)
    qtbot.waitUntil(lambda: window.findChild(Composer) is not None)
    composer = window.findChild(Composer)
    assert composer.schedule_box.isChecked()
    shown = composer.when.dateTime().toPython()
    assert (shown.date(), shown.hour) == (day, 14)
    composer.close()
    dialog.close()


def test_empty_approval_queue_and_connector_list_say_what_to_do(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    window = open_profile(workspace).window
    queue = publishing.open_approvals(window)
    assert queue.empty.isVisible() and "Nothing waits for approval" in queue.empty.text()
    queue.close()
    dialog = ConnectorsDialog(window.store, window.bridge, window)
    qtbot.addWidget(dialog)
    assert dialog.outcome.text() == EMPTY_LIST
    assert not dialog.buttons["test"].isEnabled() and not dialog.buttons["edit"].isEnabled()


def _labels(form: QFormLayout) -> list[QLabel]:
    out = []
    for row in range(form.rowCount()):
        item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        if item is not None and isinstance(item.widget(), QLabel):
            out.append(item.widget())
    return out


def test_connector_form_labels_read_as_words_and_no_system_is_preselected(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    window = open_profile(workspace).window
    editor = ConnectorEditor(window.bridge, None, window)
    qtbot.addWidget(editor)
    editor.show()
    assert editor.kind.currentData() is None and editor.form is None
    assert not editor.save_button.isEnabled()
    editor.kind.setCurrentIndex(editor.kind.findData("zendesk"))
    assert editor.form is not None and editor.save_button.isEnabled()
    labels = [label.text() for label in _labels(editor.form.layout())]
    assert "API token" in labels and not any("*" in t for t in labels)
    editor.kind.setCurrentIndex(editor.kind.findData("rt"))
    labels = _labels(editor.form.layout())
    assert "URL" in [label.text() for label in labels]
    head = editor.layout().itemAt(0).layout()
    assert isinstance(head, QFormLayout)

    def label_ends() -> set[int]:
        ends = {label.mapTo(editor, QPoint(label.width(), 0)).x() for label in labels}
        return ends | {label.mapTo(editor, QPoint(label.width(), 0)).x() for label in _labels(head)}

    # One label column: the kind/name labels end where the form's labels end.
    qtbot.waitUntil(lambda: max(label_ends()) - min(label_ends()) <= 2)


def test_search_ignores_our_own_handle_and_marks_the_words(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    window = open_profile(workspace).window
    window.focus_search()
    qtbot.keyClicks(window.search_field, "@teashop parcel")
    qtbot.keyClick(window.search_field, Qt.Key.Key_Return)
    view = window.deck.search_view
    assert view is not None
    qtbot.waitUntil(lambda: view.model.loaded and view.model.rowCount() == 1)
    assert "not @teashop" in view.name
    window.open_conversation(view.model.summary(0).id)
    html = window.pane.browser.toHtml()
    assert "#ffe066" in html.lower() and "parcel" in html.lower()
    window.go_back()  # closing the search drops the marks
    assert window.pane.highlight_words == ()


def test_dark_tick_boxes_have_a_visible_outline(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(theme.THEME_ENV, "dark")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme.apply(app)
    try:
        box = QCheckBox("Schedule for")
        qtbot.addWidget(box)
        box.show()
        image = box.grab().toImage()
        light = [
            image.pixelColor(x, y).lightness()
            for x in range(min(20, image.width()))
            for y in range(image.height())
        ]
        assert max(light) > 150  # the box's outline stands out from the dark window
    finally:
        monkeypatch.setenv(theme.THEME_ENV, "light")
        theme.apply(app)
