"""Composer, calendar, approval queue and "/" templates in the real window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit
from pytestqt.qtbot import QtBot

from inbox.core.models import ColumnFilter
from inbox.core.posts import Post, PostState, TeamPolicy
from inbox.core.schedule import utc_to_local
from inbox.core.templates import Template, context
from inbox.engine import Engine
from inbox.engine import publishing as pub
from inbox.ui.approvals import ApprovalQueue
from inbox.ui.calendar import CalendarView
from inbox.ui.composer import Composer
from inbox.ui.template_picker import TemplatePicker, unresolved
from tests.ui.conftest import Opener


def _add_members(engine: Engine) -> None:
    def run(e: Engine) -> None:
        with e.store.transaction() as conn:
            conn.execute("INSERT INTO members (id, name, role) VALUES (1, 'Ann', 'approver')")
            conn.execute("INSERT INTO members (id, name, role) VALUES (2, 'Cy', 'contributor')")

    engine.call(run)


def test_publishing_menu_is_installed(workspace: Path, open_profile: Opener) -> None:
    window = open_profile(workspace).window
    titles = [a.text() for a in window.menu("Publishing").actions() if not a.isSeparator()]
    assert titles == [
        "New post…",
        "Calendar…",
        "Approval queue…",
        "Saved replies…",
        "Posting slots…",
        "Import schedule (CSV)…",
        "Export schedule…",
        "Publishing settings…",
    ]


def test_composer_counts_blocks_highlights_and_submits(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    composer = Composer(session.store, session.window.bridge)
    qtbot.addWidget(composer)
    account = session.store.accounts()[0].id
    composer.set_accounts((account,))
    composer.main_editor.setPlainText("a" * 501)
    assert composer.remaining == {account: -1}
    assert not composer.submit_button.isEnabled()
    assert "1 over the 500 limit" in composer.problems_label.text()

    composer.main_editor.setPlainText("Hi @user1 see https://example.com/x #tea")
    assert composer.submit_button.isEnabled()
    assert composer.remaining[account] == 500 - len("Hi @user1 see ") - 23 - len(" #tea")
    formats = composer.main_editor.document().firstBlock().layout().formats()
    starts = sorted(f.start for f in formats)
    assert starts == [3, 14, 36]  # mention, link, hashtag

    with qtbot.waitSignal(composer.saved, timeout=5000) as blocker:
        composer.submit()
    assert blocker.args[0].state is PostState.SCHEDULED  # no members: a one-person install


def test_a_post_typed_in_the_composer_is_one_operation_and_ctrl_z_takes_it_back(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    """New post… from the menu, typed and submitted with the mouse: posts.submit (audited),
    autosaves before it change the same post (the window's key); Ctrl+Z cancels it."""
    session = open_profile(workspace)
    window = session.window
    new_post = next(a for a in window.menu("Publishing").actions() if a.text() == "New post…")
    new_post.trigger()
    composer = window.findChild(Composer)
    assert composer is not None
    composer.set_accounts((session.store.accounts()[0].id,))
    qtbot.mouseClick(composer.schedule_box, Qt.MouseButton.LeftButton)  # in an hour
    assert composer.schedule_box.isChecked()
    qtbot.keyClicks(composer.main_editor, "Fresh tea")
    composer.save_draft()  # an autosave before the first id is known
    qtbot.waitUntil(lambda: len(session.store.posts.find()) == 1, timeout=5000)
    with qtbot.waitSignal(composer.saved, timeout=5000):
        qtbot.mouseClick(composer.submit_button, Qt.MouseButton.LeftButton)
    posts = session.store.posts.find()
    assert [(p.text, p.state) for p in posts] == [("Fresh tea", PostState.SCHEDULED)]
    actions = session.store.query(
        "SELECT action FROM audit_log WHERE action LIKE 'post.%' ORDER BY id"
    )
    assert [r[0] for r in actions] == ["post.saved", "post.scheduled"]

    # The composer closes itself and is deleted (WA_DeleteOnClose): gone or hidden.
    qtbot.waitUntil(lambda: not shiboken6.isValid(composer) or not composer.isVisible())
    window.activateWindow()  # the composer closed; the deck has the keyboard again
    qtbot.waitUntil(window.isActiveWindow)
    column = window.deck.columns()[0]
    qtbot.keyClick(column.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: session.store.posts.get(posts[0].id).state is PostState.DRAFT)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "Undone: submit post")


def test_variant_per_network_is_counted_that_networks_way(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    composer = Composer(session.store, session.window.bridge)
    qtbot.addWidget(composer)
    account = session.store.accounts()[0].id
    composer.set_accounts((account,))
    composer.main_editor.setPlainText("shared")
    composer.editors["mastodon"].setPlainText("only on mastodon")
    assert composer.current_post().text_for("mastodon") == "only on mastodon"
    assert composer.remaining[account] == 500 - len("only on mastodon")


# The offscreen platform cannot raise or grab for popups; these warnings say only that.
@pytest.mark.qt_log_ignore("This plugin does not support")
def test_mention_completion_from_known_contacts(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    composer = Composer(session.store, session.window.bridge)
    qtbot.addWidget(composer)
    editor = composer.main_editor
    editor.setFocus()
    qtbot.keyClicks(editor, "Thanks @us")
    editor.completer.setCompletionPrefix("us")
    assert editor.completer.completionCount() == 5  # user0 … user4 from the workspace
    editor.insert_completion("user3")
    assert editor.toPlainText() == "Thanks @user3 "


def test_media_needs_alt_text(
    workspace: Path, open_profile: Opener, qtbot: QtBot, tmp_path
) -> None:
    session = open_profile(workspace)
    composer = Composer(session.store, session.window.bridge)
    qtbot.addWidget(composer)
    composer.set_accounts((session.store.accounts()[0].id,))
    composer.main_editor.setPlainText("A picture")
    composer.add_files([str(tmp_path / "cat.png")])
    assert "Add alt text to cat.png." in composer.problems_label.text()
    assert not composer.submit_button.isEnabled()
    composer.set_alt(0, "A grey cat asleep")
    assert composer.submit_button.isEnabled()
    assert composer.current_post().media[0].alt == "A grey cat asleep"


def test_closing_the_composer_saves_the_draft(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    composer = Composer(session.store, session.window.bridge)
    qtbot.addWidget(composer)
    composer.show()
    composer.main_editor.setPlainText("half a thought")
    composer.close()
    qtbot.waitUntil(lambda: len(session.store.posts.find()) == 1, timeout=5000)
    draft = session.store.posts.find()[0]
    assert draft.text == "half a thought" and draft.state is PostState.DRAFT


def _scheduled(session, days: int, text: str, member: int | None = None) -> Post:
    account = session.store.accounts()[0].id
    when = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(
        days=days
    )
    return session.engine.call(
        lambda e: pub.submit(e, Post(text, (account,), scheduled_at=when), member)
    )


def test_calendar_week_and_month_and_drag_to_reschedule(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    post = _scheduled(session, 1, "Tomorrow's post")
    day = utc_to_local(post.scheduled_at, "UTC").date()
    view = CalendarView(session.store, session.window.bridge, day, "UTC")
    qtbot.addWidget(view)
    entry = "10:00 · scheduled · @teashop\nTomorrow's post"
    assert view.items(day) == [entry]
    assert len(view.visible_days()) == 7
    view.set_mode("month")
    assert len(view.visible_days()) == 42
    assert view.items(day) == [entry]

    target = day + timedelta(days=2)
    if target not in view.days:
        view.set_mode("week")
        view.go_to(target)
    view.move_post(post.id, target)
    qtbot.waitUntil(lambda: view.items(target) == [entry], timeout=5000)
    assert view.items(day) == []
    assert session.store.posts.get(post.id).scheduled_at.date() == target


def test_approval_queue_approve_and_reject(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    _add_members(session.engine)
    first = _scheduled(session, 1, "Needs a look", member=2)
    second = _scheduled(session, 2, "Another one", member=2)
    assert first.state is PostState.AWAITING_APPROVAL
    queue = ApprovalQueue(session.store, session.window.bridge, member_id=1)
    qtbot.addWidget(queue)
    assert queue.list.count() == 2
    shown = queue.list.item(0).text()  # in words: state, when, who, where, what
    assert shown.startswith("Needs approval · ") and "\nto @" in shown
    assert shown.endswith("Needs a look") and "[" not in shown
    queue.list.setCurrentRow(0)
    queue.editor.setPlainText("Needs a look (edited)")
    queue.approve()
    qtbot.waitUntil(lambda: queue.list.count() == 1, timeout=5000)
    approved = session.store.posts.get(first.id)
    assert approved.state is PostState.SCHEDULED and approved.text == "Needs a look (edited)"
    queue.list.setCurrentRow(0)
    queue.reject_post("Wrong day")
    qtbot.waitUntil(lambda: queue.list.count() == 0, timeout=5000)
    assert session.store.posts.get(second.id).review_comment == "Wrong day"


# The offscreen platform cannot raise or grab for popups; these warnings say only that.
@pytest.mark.qt_log_ignore("This plugin does not support")
def test_slash_inserts_a_rendered_template_and_flags_unknown_fields(qtbot: QtBot) -> None:
    editor = QPlainTextEdit()
    qtbot.addWidget(editor)
    editor.show()
    templates = [
        Template("Thanks", "Thanks {author.name}!", shortcut="ty"),
        Template("Ticket", "Your ticket is {ticket.id}", shortcut="tk"),
    ]
    picker = TemplatePicker(editor, lambda: templates, lambda: context(author_name="Alice"))
    editor.setFocus()
    qtbot.keyClicks(editor, "Hello /ty")
    assert picker.popup.isVisible() and picker.popup.item(0).text().startswith("/ty")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert editor.toPlainText() == "Hello Thanks Alice!"
    assert not picker.popup.isVisible()
    qtbot.keyClicks(editor, " /tk")
    with qtbot.waitSignal(picker.inserted) as blocker:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert blocker.args[0].unknown == ("ticket.id",)
    assert unresolved(editor.toPlainText()) == ["ticket.id"]


@pytest.mark.qt_log_ignore("This plugin does not support")
def test_reply_box_inserts_templates_and_refuses_placeholders(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    from inbox.ui.features.reply import ReplyBox

    session = open_profile(workspace)
    session.engine.call(
        lambda e: [
            e.store.templates.save(Template("Thanks", "Thanks {author.name}!", shortcut="ty")),
            e.store.templates.save(Template("Ticket", "Ticket {ticket.id}", shortcut="tk")),
        ]
    )
    window = session.window
    conversation = session.store.conversations.page(ColumnFilter(), 1)[0]
    window.open_conversation(conversation.id)
    box = window.findChild(ReplyBox)
    assert box is not None and box.summary is not None and box.summary.id == conversation.id
    box.editor.setFocus()
    qtbot.keyClicks(box.editor, "/tk")
    qtbot.keyClick(box.editor, Qt.Key.Key_Return)
    assert box.editor.toPlainText() == "Ticket {ticket.id}"
    assert not box.send_button.isEnabled()
    # The same words `social-inbox reply` prints (tests/cli/test_mastodon_cli.py).
    assert box.problem.text() == "Fill in {ticket.id}: placeholders are never sent."

    box.editor.clear()
    qtbot.keyClicks(box.editor, "/ty")
    qtbot.keyClick(box.editor, Qt.Key.Key_Return)
    assert box.editor.toPlainText() == f"Thanks {conversation.contact_name}!"
    with qtbot.waitSignal(box.queued, timeout=5000) as blocker:
        box.send()
    item = blocker.args[0]
    assert item.kind == "reply" and item.payload["text"] == f"Thanks {conversation.contact_name}!"
    assert box.editor.toPlainText() == ""


def test_reply_box_fills_the_ticket_number_once_the_conversation_has_a_ticket(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    from inbox.core.handoff import ExternalRef
    from inbox.ui.features.reply import ReplyBox

    session = open_profile(workspace)
    conversation = session.store.conversations.page(ColumnFilter(), 1)[0]
    session.engine.call(
        lambda e: [
            e.store.templates.save(Template("Ticket", "Ticket {ticket.id}", shortcut="tk")),
            e.store.connectors.save_ref(
                conversation.id, ExternalRef("desk", "4711", "https://rt.test/Ticket/4711")
            ),
        ]
    )
    window = session.window
    window.open_conversation(conversation.id)
    box = window.findChild(ReplyBox)
    assert box is not None
    box.editor.setFocus()
    qtbot.keyClicks(box.editor, "/tk")
    qtbot.keyClick(box.editor, Qt.Key.Key_Return)
    assert box.editor.toPlainText() == "Ticket 4711"
    assert box.send_button.isEnabled()


def test_templates_dialog_saves_imports_and_exports(
    workspace: Path, open_profile: Opener, qtbot: QtBot, tmp_path: Path
) -> None:
    from inbox.ui.templates_dialog import TemplatesDialog

    session = open_profile(workspace)
    dialog = TemplatesDialog(session.store, session.window.bridge)
    qtbot.addWidget(dialog)
    dialog.new()
    dialog.name.setText("Order")
    dialog.shortcut.setText("/order")
    dialog.body.setPlainText("Hi {author.name}, order {order.no} ships today")
    assert "order.no" in dialog.check.text()
    dialog.save()
    qtbot.waitUntil(lambda: dialog.list.count() == 1, timeout=5000)
    saved = session.store.templates.all()[0]
    assert saved.shortcut == "order" and saved.custom_fields == ("order.no",)
    out = tmp_path / "t.json"
    dialog.export_file(str(out))
    dialog.import_file(str(out))  # same names: replaced, not doubled
    qtbot.waitUntil(lambda: "Imported 1" in dialog.status.text(), timeout=5000)
    assert len(session.store.templates.all()) == 1


def test_import_dialog_previews_every_row_and_imports_all_or_nothing(
    workspace: Path, open_profile: Opener, qtbot: QtBot, tmp_path: Path
) -> None:
    import icalendar

    from inbox.ui.schedule_tools import ImportDialog, export_schedule

    session = open_profile(workspace)
    now = datetime.now(UTC)
    later = (now + timedelta(days=3)).strftime("%d/%m/%Y 10:00")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{later},fine\n01/01/2020 10:00,old\nsoon,what\n", encoding="utf-8")
    dialog = ImportDialog(session.store, session.window.bridge, now, "UTC")
    qtbot.addWidget(dialog)
    dialog.account.setCurrentIndex(1)
    dialog.load(bad)
    assert dialog.table.rowCount() == 3
    assert dialog.table.item(0, 4).text() == "ok"
    assert "in the past" in dialog.table.item(1, 4).text()
    assert "Bad date" in dialog.table.item(2, 4).text()
    assert not dialog.import_button.isEnabled()
    assert "2 of 3 rows have problems" in dialog.summary.text()

    good = tmp_path / "good.csv"
    good.write_text(f"{later},one\n{later},two\n", encoding="utf-8")
    dialog.load(good)
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.run_import()
    assert [p.text for p in session.store.posts.find()] == ["one", "two"]

    out = tmp_path / "schedule.ics"
    assert export_schedule(session.store, out, now) == 2
    events = list(icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT"))
    assert sorted(str(e["DESCRIPTION"]) for e in events) == ["one", "two"]


def test_slots_dialog_saves_a_schedule(workspace: Path, open_profile: Opener, qtbot: QtBot) -> None:
    from inbox.ui.schedule_tools import SlotsDialog

    session = open_profile(workspace)
    dialog = SlotsDialog(session.store, session.window.bridge, "Europe/Berlin")
    qtbot.addWidget(dialog)
    dialog.spec.setText("mon 25:00")
    dialog.save()
    assert "Bad time" in dialog.status.text()
    dialog.spec.setText("mon-fri 09:30")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.status.text() == "Saved.", timeout=5000)
    account = session.store.accounts()[0].id
    schedule = session.store.posts.posting_schedule(account)
    assert schedule is not None and schedule.zone == "Europe/Berlin"


def test_publishing_settings_dialog(workspace: Path, open_profile: Opener, qtbot: QtBot) -> None:
    from inbox.core.schedule import MissedPolicy
    from inbox.ui.publishing_settings import PublishingSettings

    session = open_profile(workspace)
    _add_members(session.engine)
    dialog = PublishingSettings(session.store, session.window.bridge)
    qtbot.addWidget(dialog)
    dialog.member.setCurrentIndex(dialog.member.findData(2))
    dialog.missed.setCurrentIndex(dialog.missed.findData("skip"))
    dialog.grace.setValue(45)
    dialog.alt.setChecked(False)
    dialog.save()
    qtbot.waitUntil(lambda: dialog.status.text() == "Saved.", timeout=5000)
    policy = TeamPolicy.from_data(session.store.posts.team_policy_data(None))
    assert policy.missed is MissedPolicy.SKIP and policy.grace_minutes == 45
    me = session.store.teams.current()
    assert me is not None and me.id == 2
    assert session.store.posts.require_alt() is False


def test_a_composer_outliving_its_engine_autosaves_into_nothing_instead_of_crashing(
    workspace: Path, open_profile: Opener, qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    """The app closing: the engine stops while a composer's autosave timer is pending. The
    timer's save must not raise into Qt's event loop ('Event loop is closed')."""
    session = open_profile(workspace)
    window = session.window
    next(a for a in window.menu("Publishing").actions() if a.text() == "New post…").trigger()
    composer = window.findChild(Composer)
    assert composer is not None
    qtbot.keyClicks(composer.main_editor, "Typed as the app closes")
    session.engine.stop()
    with caplog.at_level("INFO", logger="inbox.ui.bridge"):
        composer.save_draft()  # what the pending autosave timer does
        qtbot.wait(50)
    assert "Not run: the engine has stopped" in caplog.text
    # The fixture closes only sessions whose engine runs: close this one, so its window and
    # composer are not left for Python's exit to destroy (a crash at exit).
    session.close()
