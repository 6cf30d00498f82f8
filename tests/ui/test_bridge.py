"""The bridge: engine events arrive on the GUI thread, and emitting signals is safe to repeat."""

from __future__ import annotations

import sys
import threading

from pytestqt.qtbot import QtBot

from inbox.core.events import AccountStatus, Changed, ErrorEvent
from inbox.engine import Engine
from inbox.ui.bridge import EngineBridge


def test_events_arrive_on_the_gui_thread_as_signals(tmp_path, qtbot: QtBot) -> None:
    engine = Engine(tmp_path / "inbox.db")
    engine.start()
    bridge = EngineBridge(engine)
    try:
        seen: list[tuple[object, bool]] = []
        gui = threading.current_thread()
        bridge.changed.connect(lambda e: seen.append((e, threading.current_thread() is gui)))
        with qtbot.waitSignal(bridge.changed):
            engine.submit(lambda e: e.publish(Changed(conversations=frozenset({7}))))
        assert seen == [(Changed(conversations=frozenset({7})), True)]
        with qtbot.waitSignal(bridge.account_status) as status:
            engine.submit(lambda e: e.publish(AccountStatus(1, "offline", "no route")))
        assert status.args == [AccountStatus(1, "offline", "no route")]
        with qtbot.waitSignal(bridge.error) as error:
            bridge.run(lambda e: e.store.account(404))  # KeyError: reported, not raised
        assert isinstance(error.args[0], ErrorEvent)
    finally:
        bridge.detach()
        engine.stop()


def test_emitting_many_signals_leaves_the_interpreter_intact(qtbot: QtBot, tmp_path) -> None:
    # PySide6 6.12.0 dropped a reference to True on every emit() and the app aborted
    # at exit (bool_dealloc); pyproject.toml excludes it. This catches a relapse.
    engine = Engine(tmp_path / "inbox.db")
    bridge = EngineBridge(engine)
    before = sys.getrefcount(True)
    for _ in range(2000):
        bridge.changed.emit(Changed())
    assert sys.getrefcount(True) > before - 100
