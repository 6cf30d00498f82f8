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

    def prefs(self, store: Store | None = None) -> tuple[NotifyPrefs, int | None]:
        """The member's notification settings (from `store`: the reader thread's)."""
        store = store or self._store
        me = store.teams.current()
        if me is None:
            return NotifyPrefs(), None
        try:
            return NotifyPrefs.from_json(store.teams.member_settings(me.id).get("notify")), me.id
        except ConfigError:
            return NotifyPrefs(), me.id

    def on_changed(self, changed: Changed) -> None:
        if not changed.conversations:
            return
        ids = changed.conversations
        if self._reads is None:
            self._alerted(self._candidates(self._store, ids, self._now()))
            return
        # A sync's batch touches up to a thousand conversations: which of them alert, the
        # settings and the plan are worked out on the reader thread, not in the window.
        now = self._now()
        self._reads.read(lambda s: self._candidates(s, ids, now), self._alerted)

    def _candidates(
        self, store: Store, ids: frozenset[int], now: datetime
    ) -> tuple[list[Alert], list[Notification], datetime]:
        """(alerts not shown yet, their plan, now), read on the reader thread. `_seen` is
        only added to on the GUI thread, which checks the few alerts again."""
        floor, since, seen = self._floor_id, self._since, self._seen
        fresh = [
            a for a in store.triage.alerts(ids) if _fresh(a, floor, since) and _key(a) not in seen
        ]
        if not fresh:
            return [], [], now
        prefs, me = self.prefs(store)
        return fresh, plan(fresh, prefs, now, me), now

    def _alerted(self, candidates: tuple[list[Alert], list[Notification], datetime]) -> None:
        if not shiboken6.isValid(self):  # the window closed while the query ran
            return
        alerts, notifications, now = candidates
        fresh = [a for a in alerts if _key(a) not in self._seen]
        if not fresh:
            return
        self._seen.update(_key(a) for a in fresh)
        if len(fresh) != len(alerts):  # shown meanwhile by an earlier batch's answer
            prefs, me = self.prefs()
            notifications = plan(fresh, prefs, now, me)
        for notification in notifications:
            self.last = notification
            self.notified.emit(notification)

    def clicked(self) -> None:
        """The user clicked the latest notification: open its (first) conversation."""
        if self.last is not None and self.last.conversation_ids:
            self.open_requested.emit(self.last.conversation_ids[0])


def _key(alert: Alert) -> tuple[str, int, str]:
    return (alert.kind.value, alert.conversation_id, alert.due)


def _fresh(alert: Alert, floor_id: int, since: str) -> bool:
    """Not known at start-up: a newer conversation, or a breach due since."""
    if alert.kind is AlertKind.NEW:
        return alert.conversation_id > floor_id
    # a breach missed after start-up, or on a conversation that arrived since
    return alert.due >= since or alert.conversation_id > floor_id
