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


def test_commands_given_before_the_engine_run_once_it_is_attached(
    tmp_path, qtbot: QtBot
) -> None:
    # The window paints before its engine starts (ui/app.open_window): what the user
    # asks in that moment waits, in order, and its answer still reaches the window.
    engine = Engine(tmp_path / "inbox.db")
    bridge = EngineBridge(None, db_path=engine.db_path, clock=engine.clock)
    try:
        answers: list[object] = []
        first = bridge.run(lambda e: "first", answers.append)
        second = bridge.run(lambda e: e.store.setting("ui.theme"), answers.append)
        dropped = bridge.run(lambda e: answers.append("never"))
        dropped.cancel()  # given up while it waited: it never runs
        assert not first.done() and answers == []
        engine.start()
        bridge.attach(engine)
        qtbot.waitUntil(lambda: len(answers) == 2, timeout=10_000)
        assert answers == ["first", "system"]
        assert first.result(5) == "first" and second.result(5) == "system"
        assert dropped.cancelled()
        with qtbot.waitSignal(bridge.changed):  # and it now listens to the engine
            engine.submit(lambda e: e.publish(Changed(conversations=frozenset({3}))))
    finally:
        bridge.detach()
        engine.stop()
