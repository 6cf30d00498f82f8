"""Triage in the window: rules dialog, the deck switcher, keys, notes, notifications."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from inbox.core.models import ColumnFilter, Kind, Role
from inbox.core.rules import Action, Condition, Do, Rule, When
from inbox.engine import triage as ops
from inbox.ui.column_model import ID_ROLE
from inbox.ui.features.triage import MINE, UNASSIGNED, explain_text
from inbox.ui.rules_dialog import RuleEditor
from tests.ui.conftest import Opener, ingest, message


def _me(session, name: str = "Ann") -> int:
    member = session.engine.call(lambda e: ops.add_member(e, name, Role.ADMIN))
    session.engine.call(lambda e: ops.set_current_member(e, member.id))
    return member.id


def test_rules_dialog_adds_a_rule_reorders_disables_and_reapplies(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    triage = session.window.triage
    column = session.window.deck.columns()[0]
    dialog = triage.open_rules()
    assert dialog.rules() == []  # the test workspace starts without rules

    editor = RuleEditor(session.store, None, dialog)
    editor.name.setText("Shipping questions")
    editor.add_condition(Condition(When.KEYWORDS, ("ship", "parcel")))
    editor.add_action(Action(Do.PRIORITY, 40))
    editor.update_preview()
    assert editor.preview.text() == "Matches 2 of the last 5 conversations"
    dialog.save(editor.rule())
    qtbot.waitUntil(lambda: len(dialog.rules()) == 1)
    dialog.save(Rule("Praise", (Condition(When.KEYWORDS, ("loving",)),), (Action(Do.PRIORITY, 5),)))
    qtbot.waitUntil(lambda: len(dialog.rules()) == 2)
    dialog.list.setCurrentRow(1)
    dialog.move_rule(-1)
    qtbot.waitUntil(lambda: [r.name for r in dialog.rules()] == ["Praise", "Shipping questions"])
    assert "matches 1 of the last 5" in dialog.preview.text()

    with qtbot.waitSignal(
        session.bridge.progress, check_params_cb=lambda p: p.label == "Rules re-applied"
    ):
        dialog.reapply()
    assert dialog.progress.isVisible() and dialog.progress.value() == 1
    qtbot.waitUntil(lambda: column.model.summary(0).priority == 40)
    assert {column.model.summary(i).snippet for i in (0, 1)} == {
        "Where is my parcel",
        "Do you ship to Norway",
    }
    assert column.model.summary(2).snippet == "Loving the jasmine blend"

    dialog.list.item(0).setCheckState(Qt.CheckState.Unchecked)  # disable "Praise"
    qtbot.waitUntil(lambda: not dialog.rules()[0].enabled)
    with qtbot.waitSignal(
        session.bridge.progress, check_params_cb=lambda p: p.label == "Rules re-applied"
    ):
        dialog.reapply()
    qtbot.waitUntil(lambda: all(column.model.summary(i).priority == 0 for i in (2, 3, 4)))
    dialog.close()


def test_assigning_moves_a_conversation_from_unassigned_to_my_work(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    triage = session.window.triage
    deck = session.window.deck
    me = _me(session)
    qtbot.waitUntil(lambda: triage.member_box.currentData() == me)

    triage.show_deck((UNASSIGNED, None))
    column = deck.columns()[0]
    qtbot.waitUntil(deck.loaded)  # a new deck's first pages come from the reader thread
    assert column.model.rowCount() == 5
    picked = [column.model.index(i).data(ID_ROLE) for i in (0, 2)]
    selection = column.list.selectionModel()
    for i in (0, 2):
        selection.select(column.model.index(i), QItemSelectionModel.SelectionFlag.Select)
    assert sorted(triage.targets()) == sorted(picked)  # a bulk action on the selection
    triage.assign_to(me)
    qtbot.waitUntil(lambda: column.model.rowCount() == 3)
    assert not set(picked) & {column.model.summary(i).id for i in range(3)}

    triage.show_deck((MINE, None))
    mine = deck.columns()[0]
    qtbot.waitUntil(deck.loaded)
    assert sorted(mine.model.summary(i).id for i in range(mine.model.rowCount())) == sorted(picked)
    assert mine.model.summary(0).assignee_name == "Ann"

    triage.undo()  # Ctrl+Z: both go back to nobody
    qtbot.waitUntil(lambda: mine.model.rowCount() == 0)


def test_keys_resolve_and_undo_the_open_conversation(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    window = session.window
    column = window.deck.columns()[0]
    target = column.model.summary(0).id
    window.open_conversation(target)
    qtbot.keyClick(window, Qt.Key.Key_1)
    column.list.clearSelection()
    qtbot.keyClick(column.list, Qt.Key.Key_E)
    qtbot.waitUntil(lambda: column.model.row_of(target) < 0)  # resolved leaves the column
    assert session.store.conversations.get(target).status.value == "resolved"
    qtbot.keyClick(column.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: column.model.row_of(target) >= 0)
    assert session.store.conversations.get(target).status.value == "new"


def test_notes_show_under_the_thread_in_their_own_style(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    window = session.window
    panel = window.triage.panel
    target = window.deck.columns()[0].model.summary(0).id
    window.open_conversation(target)
    panel.note_box.setText("Called her back, refund approved")
    panel.add_note()
    thread = window.pane.browser
    qtbot.waitUntil(lambda: "refund approved" in thread.toPlainText())
    assert "Internal note" in thread.toPlainText() and "(never sent)" in thread.toPlainText()
    assert "#fff4c2" in thread.toHtml().lower()  # the note's own colour
    qtbot.waitUntil(lambda: "added an internal note" in panel.view.toPlainText())  # history
    assert len(session.store.conversations.messages(target)) == 1  # not a message
    assert session.store.query("SELECT count(*) FROM outbox")[0][0] == 0


def test_a_notification_click_opens_its_conversation(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    notifier = session.window.triage.notifier
    rule = Rule("DM", (Condition(When.KIND, ("dm",)),), (Action(Do.PRIORITY, 60),))
    session.engine.call(lambda e: ops.save_rule(e, rule))
    urgent = message(session.engine, "d1", "My order never arrived", kind=Kind.DM, author="zoe")
    with qtbot.waitSignal(notifier.notified) as shown:
        ingest(session.engine, [urgent])
    notification = shown.args[0]
    assert notification.title == "New high-priority conversation"
    assert "My order never arrived" in notification.body
    with qtbot.waitSignal(session.window.pane.conversation_changed) as opened:
        notifier.clicked()
    assert opened.args == [notification.conversation_ids[0]]
    assert "My order never arrived" in session.window.pane.browser.toPlainText()


def test_the_badge_tooltip_lists_the_rules_that_fired(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    rule = Rule("Parcel", (Condition(When.KEYWORDS, ("parcel",)),), (Action(Do.PRIORITY, 40),))
    session.engine.call(lambda e: ops.save_rule(e, rule))
    session.engine.call(ops.reapply)
    top = session.store.conversations.page(ColumnFilter())[0]
    text = explain_text(session.store, top.id, session.engine.clock.now())
    assert text.splitlines()[:2] == ["Priority 40 (high)", "  +40  Parcel"]


def test_settings_forms_give_back_what_they_show(qtbot: QtBot) -> None:
    from datetime import time

    import pytest

    from inbox.core.errors import ConfigError
    from inbox.core.notify import NotifyPrefs
    from inbox.core.sla import BusinessHours, SlaPolicy
    from inbox.ui.triage_settings import NotifyDialog, SlaDialog

    policy = SlaPolicy(30, 120, 10, BusinessHours("Europe/Berlin", time(8), time(18), (0, 2)))
    sla_form = SlaDialog("Support", policy)
    qtbot.addWidget(sla_form)
    assert sla_form.policy() == policy
    sla_form.tz.setText("Nowhere/Town")
    with pytest.raises(ConfigError):
        sla_form.policy()
    prefs = NotifyPrefs(True, 25, False, True, time(22), time(7), "Europe/Paris")
    notify_form = NotifyDialog(prefs)
    qtbot.addWidget(notify_form)
    assert notify_form.prefs() == prefs
    notify_form.quiet.setChecked(False)
    assert notify_form.prefs().dnd_start is None


def test_member_notification_settings_reach_the_notifier(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    from inbox.core.notify import NotifyPrefs

    session = open_profile(workspace)
    me = _me(session)
    prefs = NotifyPrefs(min_priority=5, only_mine=True)
    session.engine.call(lambda e: ops.set_notify_prefs(e, me, prefs))
    assert session.window.triage.notifier.prefs() == (prefs, me)


# The offscreen platform cannot raise the tooltip window; showing it is what matters here.
@pytest.mark.qt_log_ignore("does not support raise")
def test_hovering_a_row_shows_why_it_has_its_priority(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    session = open_profile(workspace)
    rule = Rule("Parcel", (Condition(When.KEYWORDS, ("parcel",)),), (Action(Do.PRIORITY, 40),))
    session.engine.call(lambda e: ops.save_rule(e, rule))
    session.engine.call(ops.reapply_settled)
    column = session.window.deck.columns()[0]
    qtbot.waitUntil(lambda: column.model.summary(0).priority == 40)
    viewport = column.list.viewport()
    where = column.list.visualRect(column.model.index(0)).center()
    event = QHelpEvent(QEvent.Type.ToolTip, where, viewport.mapToGlobal(where))
    QApplication.sendEvent(viewport, event)
    assert "+40  Parcel" in QToolTip.text()
    QToolTip.hideText()


def test_an_sla_breach_is_notified_once(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    from PySide6.QtWidgets import QApplication

    from inbox.core.events import Changed
    from inbox.core.sla import SlaPolicy

    session = open_profile(workspace)
    notifier = session.window.triage.notifier
    shown = []
    notifier.notified.connect(shown.append)
    session.engine.call(lambda e: ops.set_policy(e, None, SlaPolicy()))  # the workspace has none
    late = message(session.engine, "late1", "hello?", author="kim", minutes_ago=90)
    ingest(session.engine, [late])  # already overdue, scored 0 by no rule
    # A breach leads its band ("low": 9), it does not make the conversation high priority.
    assert session.store.conversations.page(ColumnFilter())[0].priority == 9
    with qtbot.waitSignal(notifier.notified) as breach:
        session.engine.call(ops.sla_tick)
    assert breach.args[0].title == "SLA breached"
    assert "hello?" in breach.args[0].body
    assert session.engine.call(ops.sla_tick) == Changed()  # nothing new: nothing published
    audit = session.store.query(
        "SELECT actor, conversation_id FROM audit_log WHERE action = 'sla.breached'"
    )
    assert [(r[0], r[1]) for r in audit] == [("engine", breach.args[0].conversation_ids[0])]
    QApplication.processEvents()
    assert [n.title for n in shown] == ["SLA breached"]


def test_routing_to_a_team_shows_the_conversation_on_that_teams_deck(
    workspace: Path, open_profile: Opener, qtbot: QtBot
) -> None:
    session = open_profile(workspace)
    triage = session.window.triage
    team = session.engine.call(lambda e: ops.add_team(e, "Billing"))
    qtbot.waitUntil(lambda: triage.switcher.findData(f"team:{team.id}") >= 0)
    target = session.window.deck.columns()[0].model.summary(0).id
    session.engine.call(
        lambda e: e.store.columns.add("Billing queue", ColumnFilter(team_id=team.id), team.id)
    )
    triage.route_to(team.id, [target])
    qtbot.waitUntil(lambda: session.store.conversations.get(target).team_name == "Billing")
    triage.switcher.activated.emit(triage.switcher.findData(f"team:{team.id}"))
    assert triage.switcher.currentText() == "Team: Billing"
    (column,) = session.window.deck.columns()
    assert column.name == "Billing queue"
    qtbot.waitUntil(lambda: column.model.rowCount() == 1)  # the first page loads when shown
    assert column.model.summary(0).id == target


def test_the_switcher_names_the_team_whose_deck_the_demo_opens_on(
    tmp_path: Path, open_profile: Opener
) -> None:
    session = open_profile(tmp_path / "demo", demo=True)
    deck = session.window.deck
    first = deck.shown_team()
    assert first is not None and deck.team_id == first
    names = session.store.teams.all()
    switcher = session.window.findChild(QComboBox, "deckSwitcher")
    assert switcher is not None and switcher.currentText() == f"Team: {names[first]}"


def test_new_team_and_member_from_the_menu_are_audited_and_ctrl_z_removes_them(
    workspace: Path, open_profile: Opener, qtbot: QtBot, monkeypatch
) -> None:
    """Triage › New team… / New member… run teams.add / members.add (audited with who is at
    the keyboard); the deck switcher and the "I am" box show them; Ctrl+Z takes them back."""
    from PySide6.QtWidgets import QInputDialog

    session = open_profile(workspace)
    window = session.window
    triage = window.triage
    me = _me(session)
    actions = {a.text(): a for a in window.menu("Triage").actions()}
    for text, name in (("New team…", "Billing"), ("New member…", "Sam")):
        monkeypatch.setattr(QInputDialog, "getText", lambda *_a, n=name, **_k: (n, True))
        actions[text].trigger()
    qtbot.waitUntil(lambda: triage.switcher.findText("Team: Billing") >= 0)
    qtbot.waitUntil(lambda: triage.member_box.findText("Sam · contributor") >= 0)
    rows = session.store.query(
        "SELECT actor, action FROM audit_log WHERE action IN ('teams.add', 'members.add')"
        " ORDER BY id"
    )
    assert [(r[0], r[1]) for r in rows][-2:] == [
        (f"member:{me}", "teams.add"),
        (f"member:{me}", "members.add"),
    ]
    column = window.deck.columns()[0]
    qtbot.keyClick(column.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: triage.member_box.findText("Sam · contributor") < 0)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "Undone: add member")
    assert triage.switcher.findText("Team: Billing") >= 0  # the older change stays
