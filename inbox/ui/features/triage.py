"""Triage in the window: a/e/s/l and Ctrl+Z on one or many rows, the deck switcher
(team / My work / Unassigned), who is at the keyboard, the rules dialog, notes and
history under the thread, the priority badge's explanation, desktop notifications."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QInputDialog,
    QLabel,
    QListView,
    QMessageBox,
    QToolTip,
)

from inbox.core import rules, sla
from inbox.core.clock import from_iso, to_iso
from inbox.core.errors import ConfigError
from inbox.core.events import Changed
from inbox.core.models import ColumnFilter, Status
from inbox.core.notify import NotifyPrefs
from inbox.engine import Engine
from inbox.engine import ops as engine_ops
from inbox.engine import triage as ops
from inbox.store import Store, reading
from inbox.ui import fmt
from inbox.ui.column_model import ID_ROLE
from inbox.ui.main_window import MainWindow
from inbox.ui.notifier import Notifier
from inbox.ui.rules_dialog import RulesDialog
from inbox.ui.triage_panel import TriagePanel
from inbox.ui.triage_settings import NotifyDialog, SlaDialog

SHARED, TEAM, MINE, UNASSIGNED = "shared", "team", "mine", "unassigned"
NOBODY = "Nobody (unassign)"
SNOOZES = ("1 hour", "3 hours", "Tomorrow 09:00", "Next Monday 09:00")


def install(window: MainWindow, engine: Engine) -> None:
    window.triage = Triage(window, engine)  # type: ignore[attr-defined]


def key_of(scope: tuple[str, int | None]) -> str:
    """A deck scope as the switcher's item data ("team:3"): Qt compares strings by value."""
    kind, team_id = scope
    return f"{kind}:{team_id}" if team_id is not None else kind


def scope_of(key: str) -> tuple[str, int | None]:
    kind, _, team = key.partition(":")
    return (kind, int(team) if team else None)


def explain_text(store: Store, conversation_id: int, now: datetime) -> str:
    """The priority badge's tooltip: the score, each rule that fired, the SLA."""
    row = reading.priority_facts(store, conversation_id)
    if row is None:
        return ""
    lines = [f"Priority {row['priority']} ({rules.band(row['priority'])})"]
    for name, points in json.loads(row["priority_explain"]):
        lines.append(f"  {points:+d}  {name}")
    if row["sla_due_at"] != sla.NO_DUE:
        due = from_iso(row["sla_due_at"])
        state = sla.state(due, now, sla.SlaPolicy())
        words = fmt.sla_words(due, now)
        lines.append(f"Response {words} ({state.value}; due {due:%d %b %H:%M} UTC)")
        if state is sla.SlaState.BREACHED:
            lines.append("An overdue conversation leads its priority band, it does not jump bands.")
    if row["sla_breaches"]:
        lines.append(f"SLA breaches so far: {row['sla_breaches']}")
    return "\n".join(lines)


def snooze_until(choice: str, now: datetime) -> datetime:
    """The time a snooze menu choice means, in the machine's local time."""
    local = now.astimezone()
    if choice == "1 hour":
        return now + timedelta(hours=1)
    if choice == "3 hours":
        return now + timedelta(hours=3)
    days = 1 if choice.startswith("Tomorrow") else (7 - local.weekday()) or 7
    day = (local + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=local.tzinfo)


class BadgeTips(QObject):
    """Tooltips on column rows: why a conversation has its priority."""

    def __init__(self, store: Store, now: Callable[[], datetime], parent: QObject) -> None:
        super().__init__(parent)
        self._store = store
        self._now = now

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            view = watched.parent()
            if isinstance(view, QListView):
                cid = view.indexAt(event.pos()).data(ID_ROLE)
                if cid:
                    QToolTip.showText(
                        event.globalPos(), explain_text(self._store, cid, self._now())
                    )
                    return True
        return False


class Triage(QObject):
    """Everything triage adds to the window; every write goes through the engine."""

    def __init__(self, window: MainWindow, engine: Engine) -> None:
        super().__init__(window)
        self.window = window
        self.engine = engine
        self.bridge = window.bridge
        self.store = window.store
        self.deck = window.deck
        self.now = engine.clock.now
        self.scope: tuple[str, int | None] = (SHARED, None)

        self.switcher = QComboBox()
        self.switcher.setObjectName("deckSwitcher")
        self.member_box = QComboBox()
        self.member_box.setObjectName("memberSwitcher")
        window.toolbar.addWidget(QLabel(" Deck "))
        window.toolbar.addWidget(self.switcher)
        window.toolbar.addWidget(QLabel(" I am "))
        window.toolbar.addWidget(self.member_box)
        self.switcher.activated.connect(
            lambda i: self.show_deck(scope_of(self.switcher.itemData(i)))
        )
        self.member_box.activated.connect(lambda i: self.set_member(self.member_box.itemData(i)))
        self.reload_people()
        shown = self.deck.shown_team()
        if shown is not None:  # the shared deck has no columns: the deck opened on a team's
            self.show_deck((TEAM, shown))

        bind = window.bind
        self.actions = {
            "assign": bind("assign", self.assign),
            "route": bind("route", self.route),
            "resolve": bind("resolve", self.resolve),
            "snooze": bind("snooze", self.snooze),
            "tag": bind("tag", self.tag),
            "pending": bind("pending", self.pending),
            "spam": bind("spam", self.spam),
            "priority": bind("priority", self.priority),
            "note": bind("note", self.focus_note),
            "undo": bind("undo", self.undo),
            "rules": bind("rules", self.open_rules),
            "team": bind("new_team", self.new_team),
            "member": bind("new_member", self.new_member),
            "sla": bind("sla", self.edit_sla),
            "notify": bind("notifications", self.edit_notifications),
        }

        self.panel = TriagePanel(self.store, self.bridge, window.current_conversation_id)
        window.pane.add_action_widget(self.panel)
        window.pane.conversation_changed.connect(self.panel.show_for)
        if window.current_conversation_id():
            self.panel.show_for(window.current_conversation_id())

        self.tips = BadgeTips(self.store, self.now, self)
        self.deck.layout_changed.connect(self.prepare_columns)
        self.prepare_columns()

        self.notifier = Notifier(self.store, self.now, self, reads=self.bridge)
        self.notifier.prime()
        self.bridge.changed.connect(self.notifier.on_changed)
        self.notifier.open_requested.connect(window.open_conversation)
        self.bridge.changed.connect(self._on_changed)

        def start_sla(e: Engine) -> None:
            e.spawn(ops.sla_loop(e), name="sla")  # not returned: the loop never ends

        self.bridge.run(start_sla)

    # -- the deck switcher and who I am -------------------------------------------

    def reload_people(self) -> None:
        current = self.scope
        self.switcher.clear()
        self.switcher.addItem("Shared deck", key_of((SHARED, None)))
        for tid, name in self.store.teams.all().items():
            self.switcher.addItem(f"Team: {name}", key_of((TEAM, tid)))
        self.switcher.addItem("My work", key_of((MINE, None)))
        self.switcher.addItem("Unassigned", key_of((UNASSIGNED, None)))
        index = self.switcher.findData(key_of(current))
        self.switcher.setCurrentIndex(max(0, index))
        self.member_box.clear()
        self.member_box.addItem("(nobody)", None)
        for member in self.store.teams.members():
            self.member_box.addItem(f"{member.name} · {member.role.value}", member.id)
        me = self.store.teams.current()
        self.member_box.setCurrentIndex(max(0, self.member_box.findData(me.id if me else None)))

    def me(self) -> int | None:
        member = self.store.teams.current()
        return member.id if member else None

    def show_deck(self, scope: tuple[str, int | None]) -> None:
        """One deck per team, or every column narrowed to mine / to nobody's."""
        kind, team_id = scope
        self.scope = (kind, team_id)
        me = self.me()
        self.deck.team_id = team_id if kind == TEAM else None
        narrow: Callable[[ColumnFilter], ColumnFilter] | None = None
        if kind == MINE:
            mine = me if me is not None else -1  # nobody at the keyboard: nothing is mine

            def narrow(f: ColumnFilter) -> ColumnFilter:
                return replace(f, assignee_id=mine, unassigned=False)

        elif kind == UNASSIGNED:

            def narrow(f: ColumnFilter) -> ColumnFilter:
                return replace(f, unassigned=True, assignee_id=None)

        self.deck.scope = narrow
        self.deck.reload_columns()
        index = self.switcher.findData(key_of(self.scope))
        if index >= 0:
            self.switcher.setCurrentIndex(index)

    def set_member(self, member_id: int | None) -> None:
        self.bridge.op("members.set_current", member_id=member_id)

    def _on_changed(self, changed: Changed) -> None:
        if changed.teams:
            self.reload_people()
            if self.scope[0] == MINE:
                self.show_deck(self.scope)

    def prepare_columns(self) -> None:
        for view in self.deck.columns():
            lst = view.list
            lst.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
            if not lst.property("triageTips"):
                lst.viewport().installEventFilter(self.tips)
                lst.setProperty("triageTips", True)

    # -- what an action applies to --------------------------------------------------

    def targets(self) -> list[int]:
        """The selected rows of the current column (bulk), else the open conversation."""
        view = self.deck.current_column()
        ids: list[int] = []
        if view is not None:
            ids = [
                int(i.data(ID_ROLE))
                for i in view.list.selectionModel().selectedIndexes()
                if i.data(ID_ROLE)
            ]
        if not ids and self.window.current_conversation_id():
            ids = [self.window.current_conversation_id()]
        return ids

    def _run(self, fn: Callable[[Engine], Any], done: Callable[[Any], None] | None = None) -> None:
        self.bridge.run(fn, done)

    def _status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 5000)

    # -- actions ----------------------------------------------------------------------

    def assign(self) -> None:
        ids = self.targets()
        if not ids:
            return
        members = self.store.teams.members()
        names = [m.name for m in members] + [NOBODY]
        choice, ok = QInputDialog.getItem(self.window, "Assign", "Assign to", names, 0, False)
        if ok:
            target = next((m.id for m in members if m.name == choice), None)
            self.assign_to(target, ids)

    def assign_to(self, member_id: int | None, ids: list[int] | None = None) -> None:
        ids = ids or self.targets()
        self.bridge.op("conversations.assign", ids=ids, member_id=member_id)

    def route(self) -> None:
        ids = self.targets()
        if not ids:
            return
        teams = self.store.teams.all()
        names = [*teams.values(), "No team"]
        choice, ok = QInputDialog.getItem(self.window, "Route", "Route to team", names, 0, False)
        if ok:
            self.route_to(next((tid for tid, n in teams.items() if n == choice), None), ids)

    def route_to(self, team_id: int | None, ids: list[int] | None = None) -> None:
        ids = ids or self.targets()
        self.bridge.op("conversations.route", ids=ids, team_id=team_id)

    def resolve(self) -> None:
        """Resolve, then move on to the next conversation of the column (open it if one was)."""
        ids = self.targets()
        if not ids:
            return
        following = self.deck.following(ids)
        was_open = self.window.current_conversation_id() in ids
        self.bridge.op(
            "conversations.set_status",
            on_done=lambda _r: self._advance(following, was_open),
            ids=ids,
            status=Status.RESOLVED.value,
        )
        self._status(f"Resolved {len(ids)}  (Ctrl+Z undoes)")

    def _advance(self, following: int | None, was_open: bool) -> None:
        if following is not None and self.deck.select(following):
            if was_open:
                self.window.open_conversation(following)
        elif was_open:
            self.window.pane.clear()

    def pending(self) -> None:
        ids = self.targets()
        if ids:
            self.bridge.op("conversations.set_status", ids=ids, status=Status.PENDING.value)

    def snooze(self) -> None:
        ids = self.targets()
        if not ids:
            return
        choice, ok = QInputDialog.getItem(self.window, "Snooze", "Snooze until", SNOOZES, 0, False)
        if ok:
            self.snooze_to(snooze_until(choice, self.now()), ids)

    def snooze_to(self, until: datetime, ids: list[int] | None = None) -> None:
        ids = ids or self.targets()
        self.bridge.op("conversations.snooze", ids=ids, until=to_iso(until))

    def tag(self) -> None:
        ids = self.targets()
        if not ids:
            return
        text, ok = QInputDialog.getText(
            self.window, "Tag", "Tags, comma-separated (-tag removes one)"
        )
        if ok:
            self.tag_with(text, ids)

    def tag_with(self, text: str, ids: list[int] | None = None) -> None:
        ids = ids or self.targets()
        words = [w.strip() for w in text.split(",") if w.strip()]
        add = [w for w in words if not w.startswith("-")]
        remove = [w[1:] for w in words if w.startswith("-")]
        self.bridge.op("conversations.tag", ids=ids, add=add, remove=remove)

    def spam(self) -> None:
        ids = self.targets()
        if ids:
            self.bridge.op("conversations.spam", ids=ids, spam=True)

    def priority(self) -> None:
        ids = self.targets()
        if not ids:
            return
        text, ok = QInputDialog.getText(
            self.window, "Priority", "Priority (empty: back to the rules)"
        )
        if ok:
            value = int(text) if text.strip().lstrip("-").isdigit() else None
            self.bridge.op("conversations.set_priority", ids=ids, priority=value)

    def focus_note(self) -> None:
        if self.window.current_conversation_id():
            self.window.pane.reveal(self.panel.note_box)
            self.panel.note_box.setFocus()

    def undo(self) -> None:
        """Ctrl+Z: undo the newest undoable operation (triage, columns, …) of this window."""
        self._run(
            engine_ops.undo,
            lambda label: self._status(f"Undone: {label}" if label else "Nothing to undo"),
        )

    def open_rules(self) -> RulesDialog:
        dialog = RulesDialog(self.store, self.bridge, self.window)
        dialog.show()
        return dialog

    def edit_sla(self) -> None:
        """The policy of the team whose deck is shown (the default one on the shared deck)."""
        team_id = self.deck.team_id
        policies = self.store.teams.policies()
        name = (
            self.store.teams.all().get(team_id, "") if team_id else "conversations without a team"
        )
        dialog = SlaDialog(name, policies.get(team_id) or policies[None], self.window)
        if not dialog.exec():
            return
        try:
            policy = dialog.policy()
        except ConfigError as exc:
            QMessageBox.warning(self.window, "SLA", str(exc))
            return
        self.bridge.op("teams.set_sla_policy", team_id=team_id, policy=policy.to_json())

    def edit_notifications(self) -> None:
        me = self.me()
        if me is None:
            self._status("Choose who you are first (I am …)")
            return
        prefs, _ = self.notifier.prefs()
        dialog = NotifyDialog(prefs, self.window)
        if dialog.exec():
            try:
                chosen = NotifyPrefs.from_json(dialog.prefs().to_json())  # validates the zone
            except ConfigError as exc:
                QMessageBox.warning(self.window, "Notifications", str(exc))
                return
            self.bridge.op("members.set_notify_prefs", member_id=me, prefs=chosen.to_json())

    def new_team(self) -> None:
        name, ok = QInputDialog.getText(self.window, "New team", "Team name")
        if ok and name.strip():
            self.bridge.op("teams.add", name=name.strip())

    def new_member(self) -> None:
        name, ok = QInputDialog.getText(self.window, "New member", "Name")
        if ok and name.strip():
            self.bridge.op("members.add", name=name.strip())


__all__ = ["Triage", "explain_text", "install", "snooze_until"]
