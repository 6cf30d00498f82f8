"""Which notifications to show (core.notify.plan); ui.desktop.Desktop shows them (tray, desktop
notification service or in-window bar)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import shiboken6
from PySide6.QtCore import QObject, Signal

from inbox.core.clock import to_iso
from inbox.core.errors import ConfigError
from inbox.core.events import Changed
from inbox.core.notify import Alert, AlertKind, Notification, NotifyPrefs, plan
from inbox.store import Store, reading
from inbox.ui.reader import Reads


class Notifier(QObject):
    """Watches Changed for new high-priority conversations and SLA breaches.

    Each alert is shown once (a breach once per due time); several at once are
    grouped. Clicking the notification opens its first conversation.

    Signals:
        notified(Notification): a notification is due; ui.desktop.Desktop.present shows it.
        open_requested(int): the user clicked a notification.
    """

    notified = Signal(object)
    open_requested = Signal(int)

    def __init__(
        self,
        store: Store,
        now: Callable[[], datetime],
        parent: QObject | None = None,
        reads: Reads | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._reads = reads  # the reader thread: a sync's alerts query never blocks the window
        self._now = now
        self._seen: set[tuple[str, int, str]] = set()
        self._floor_id = 0
        self._since = ""
        self.last: Notification | None = None

    def prime(self) -> None:
        """Alert only for what happens from now on: newer conversations, later breaches.

        O(1) at start-up however large the store: ids only grow, due times are times.
        """
        self._floor_id = reading.newest_conversation_id(self._store)
        self._since = to_iso(self._now())

    def _fresh(self, alert: Alert) -> bool:
        if alert.kind is AlertKind.NEW:
            return alert.conversation_id > self._floor_id
        # a breach missed after start-up, or on a conversation that arrived since
        return alert.due >= self._since or alert.conversation_id > self._floor_id

    def prefs(self) -> tuple[NotifyPrefs, int | None]:
        me = self._store.teams.current()
        if me is None:
            return NotifyPrefs(), None
        try:
            return NotifyPrefs.from_json(
                self._store.teams.member_settings(me.id).get("notify")
            ), me.id
        except ConfigError:
            return NotifyPrefs(), me.id

    def on_changed(self, changed: Changed) -> None:
        if not changed.conversations:
            return
        ids = changed.conversations
        if self._reads is None:
            self._alerted(self._store.triage.alerts(ids))
        else:
            self._reads.read(lambda s: s.triage.alerts(ids), self._alerted)

    def _alerted(self, alerts: list[Alert]) -> None:
        if not shiboken6.isValid(self):  # the window closed while the query ran
            return
        fresh = []
        for alert in alerts:
            key = (alert.kind.value, alert.conversation_id, alert.due)
            if self._fresh(alert) and key not in self._seen:
                self._seen.add(key)
                fresh.append(alert)
        if not fresh:
            return
        prefs, me = self.prefs()
        for notification in plan(fresh, prefs, self._now(), me):
            self.last = notification
            self.notified.emit(notification)

    def clicked(self) -> None:
        """The user clicked the latest notification: open its (first) conversation."""
        if self.last is not None and self.last.conversation_ids:
            self.open_requested.emit(self.last.conversation_ids[0])
