"""When the window's process collects cyclic garbage in full: only while nothing lands.

A full (generation 2) collection walks every object the process holds that is not
frozen, with the interpreter lock held. Left to CPython, one starts whenever enough
objects survive younger collections, which is exactly while a sync's changes land:
the thread that happened to allocate last (the GUI thread applying a column's rows,
the pool thread handing a batch to the ingest worker) then runs it, 60-70 ms on the
benchmark's profile, and the window is frozen for that long.

So the window's process turns automatic full collections off (younger generations
are still collected as usual: they are cheap and catch most cycles) and collects in
full once the deck has had no change for `IDLE_S`: then it freezes the survivors, so
the next full collection walks only what was made after. Objects freed by their
reference count (rows a column releases, cards) go at once as before; only garbage
in a cycle among frozen objects waits, and `THAW_GROWTH` bounds that: when the frozen
set has grown by half since the last thaw, an idle moment collects everything.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from inbox.ui.bridge import EngineBridge

IDLE_S = 5.0  # no deck change for this long: the window is idle
CHECK_MS = 2_000
THAW_GROWTH = 1.5
NEVER = 1_000_000_000  # generation 2's threshold: no automatic full collection


class QuietCollector(QObject):
    """Full collections at idle moments of the window, never while changes land."""

    def __init__(
        self,
        bridge: EngineBridge,
        parent: QObject,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._last_change = clock()
        self._thawed_at = max(1, gc.get_freeze_count())
        self._was = gc.get_threshold()
        gc.set_threshold(self._was[0], self._was[1], NEVER)
        self._bridge = bridge
        bridge.changed.connect(self._busy)
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.tick)
        self._timer.start()
        self.collections = 0  # full collections run (tests, the bench's trace)

    def _busy(self, _changed: object) -> None:
        self._last_change = self._clock()

    def tick(self) -> bool:
        """Collect in full if the deck has been quiet; True when it did."""
        if self._clock() - self._last_change < IDLE_S:
            return False
        if gc.get_count()[1:] == (0, 0):
            return False  # no younger collection since the last full one: nothing aged
        thaw = gc.get_freeze_count() > self._thawed_at * THAW_GROWTH
        if thaw:
            gc.unfreeze()  # everything, so cycles among older survivors are found too
        gc.collect()
        gc.freeze()
        if thaw:
            self._thawed_at = max(1, gc.get_freeze_count())
        self.collections += 1
        return True

    def stop(self) -> None:
        """The window closes: CPython's own thresholds again (tests open many windows)."""
        if not self._timer.isActive():
            return  # stopped already
        self._timer.stop()
        with contextlib.suppress(RuntimeError, TypeError):  # the bridge went first
            self._bridge.changed.disconnect(self._busy)
        gc.set_threshold(*self._was)
