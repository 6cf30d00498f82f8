"""The open window while a sync lands: how late its event loop runs, and its memory.

Run by bench_gui in a child process (its own interpreter, so its RSS is the app's):

    QT_QPA_PLATFORM=offscreen python -m tests.bench.gui_stall PROFILE_DIR

The real main window (`open_session`: engine, bridge, reader thread, deck with the
profile's 8 columns) on a copy of the 1M-message dataset. A probe timer asks to
run every PROBE_MS; how much later than asked it runs is the event loop's lateness,
i.e. how long the window was frozen. Pairs, interleaved (A B A B ...):
  A (baseline): the idle open window, probed for IDLE_S seconds;
  B: the engine syncs ITEMS new items (half into existing conversations, half new
     ones, newest first in every column) through `sync_account` (adapter pages ->
     rules -> store -> Changed -> deck -> columns), probed until the sync is done and
     the columns have applied its last change.
Prints one JSON object: the per-pair max lateness of both sides, p99s, the GUI thread's
longest stretch of CPU between two ticks (its own work; on a busy machine the lateness is
several times that, waiting for a core), and RSS figures.

Finding where a freeze comes from:
  STALL_TRACE=1: for each tick later than 40 ms, print (stderr) the GUI thread's CPU, its
     wait for a core and its sleep (the interpreter lock) over it (Linux schedstat), and
     which of its entry points ran (bridge deliveries, column paints); and sample every
     thread's Python stack while the probe is late.
  STALL_DUMP=PREFIX (with STALL_TRACE): py-spy dumps of native stacks; each dump stops
     the process for a while, so the figures of such a run are not the window's.
  STALL_PROFILE=FILE: cProfile of the GUI thread over the syncs, by thread CPU.
STALL_IN_PROCESS=1 stores the batches on the engine thread instead of the ingest worker
process (engine/ingest_worker.py), as the window did before it: the figure to compare.
STALL_CPYTHON_GC=1 leaves full garbage collections to CPython (they start whenever enough
objects age, mid-sync) instead of the window's idle-time collector (ui/collector.py).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import overload

from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication

from inbox.core.models import AccountInfo, Contact, Direction, Kind, Message
from inbox.engine.sync import sync_account
from inbox.networks.base import DMS, MENTIONS
from inbox.networks.replay import ReplayAdapter
from inbox.profile import Profile
from inbox.ui.app import open_session

PAIRS = int(os.environ.get("STALL_PAIRS", "5"))
ITEMS = 10_000
PROBE_MS = 5
IDLE_S = 1.5
SETTLE_S = 0.5  # probing goes on this long after the sync returned (the last Changed lands)
WORDS = [
    "refund",
    "order",
    "tea",
    "thanks",
    "shipping",
    "broken",
    "matcha",
    "charged",
    "parcel",
    "lost",
    "hello",
    "my",
    "the",
]


def rss_mb(field: str = "VmRSS") -> float:
    with open("/proc/self/status") as status:
        kb = next(line.split()[1] for line in status if line.startswith(f"{field}:"))
    return int(kb) / 1024


class Tracer:
    """STALL_TRACE=1: while the probe is late by more than 60 ms, sample the Python stack
    of the GUI thread and of every other thread not waiting for work (the engine, the
    reader, the ingest worker's pipe threads) every 10 ms, and print each stall's
    samples to stderr (where it waits)."""

    def __init__(self) -> None:
        import os
        import threading

        self.on = bool(os.environ.get("STALL_TRACE"))
        self.last = time.perf_counter()
        self.gui = threading.get_ident()
        self.samples: list[str] = []
        self.dumps = 0
        self.active = False
        if self.on:
            threading.Thread(target=self._watch, daemon=True, name="stall-trace").start()

    def _watch(self) -> None:
        import collections
        import os
        import subprocess
        import threading
        import traceback

        spy: subprocess.Popen[bytes] | None = None
        while True:
            time.sleep(0.01)
            late = time.perf_counter() - self.last
            if not self.active:
                continue
            dump = os.environ.get("STALL_DUMP")
            if late > 0.08 and dump and self.dumps < 8 and (spy is None or spy.poll() is not None):
                self.dumps += 1  # where every thread is, natively (py-spy, pip install py-spy)
                spy = subprocess.Popen(
                    ["py-spy", "dump", "--native", "--pid", str(os.getpid())],
                    stdout=open(f"{dump}.{self.dumps}", "w"),  # noqa: SIM115 (the child writes it)
                    stderr=subprocess.STDOUT,
                )
            if late > 0.06:
                frames = sys._current_frames()
                names = {t.ident: t.name for t in threading.enumerate()}
                for ident, frame in frames.items():
                    name = "GUI" if ident == self.gui else names.get(ident, "?")
                    if name == "stall-trace":
                        continue
                    stack = traceback.extract_stack(frame)[-5:]
                    if name != "GUI" and stack and stack[-1].name in _IDLE:
                        continue  # a thread waiting for work
                    where = " < ".join(f"{f.name}:{f.lineno}" for f in reversed(stack))
                    self.samples.append(f"{name[:12]} {where}")
            elif self.samples:
                counts = collections.Counter(self.samples)
                print(f"STALL ~{len(self.samples) * 5} ms:", file=sys.stderr)
                for where, n in counts.most_common(8):
                    print(f"  {n:3d} {where}", file=sys.stderr)
                self.samples = []


TRACER: Tracer | None = None
# STALL_PROFILE=FILE: the GUI thread's CPU during the syncs, by Python function (cProfile
# with the thread's CPU clock; Qt's own work outside a Python call counts in the loop's exec).
PROFILE = None
if os.environ.get("STALL_PROFILE"):
    import cProfile

    PROFILE = cProfile.Profile(time.thread_time)
# Where a thread waits for work (its samples say nothing about a stall).
_IDLE = frozenset({"select", "wait", "_worker", "get", "_wait_for_tstate_lock", "recv_bytes"})


def _schedstat() -> tuple[int, int]:
    """The calling thread's ns on a core and ns waiting for one (Linux schedstat)."""
    import threading

    with open(f"/proc/self/task/{threading.get_native_id()}/schedstat") as f:
        ran, queued, _ = f.read().split()
    return int(ran), int(queued)


TURN: list[tuple[str, float]] = []  # (what, GUI thread CPU ms) since the last probe tick


def _instrument() -> None:
    """STALL_TRACE: time the GUI thread's entry points, to say what a late tick ran."""
    from inbox.ui import bridge, column_view, deck

    def timed(cls: type, name: str, label: Callable[..., str] | None = None) -> None:
        inner = getattr(cls, name)

        def wrapper(*args: object) -> object:
            start = time.thread_time()
            try:
                return inner(*args)
            finally:
                what = label(*args) if label else f"{cls.__name__}.{name}"
                TURN.append((what, (time.thread_time() - start) * 1000))

        setattr(cls, name, wrapper)

    def names(fn: object, depth: int = 0) -> list[str]:
        """The qualified names of fn and of the callables its closure wraps."""
        found = [getattr(fn, "__qualname__", type(fn).__name__).replace(".<locals>", "")]
        for cell in getattr(fn, "__closure__", None) or ():
            inner = cell.cell_contents
            if depth < 3 and callable(inner) and not isinstance(inner, type):
                found += names(inner, depth + 1)
        return found

    def callback(_self: object, fn: object, _value: object = None) -> str:
        return "deliver " + " / ".join(n for n in names(fn) if "<lambda>" not in n)[:90]

    def event(_self: object, ev: object) -> str:
        return "dispatch " + type(ev).__name__

    import gc
    import threading

    started: list[float] = []

    def collecting(phase: str, info: dict[str, int]) -> None:
        # A collection holds the interpreter lock whichever thread runs it.
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started:
            name = threading.current_thread().name[:12]
            what = f"gc generation {info['generation']} on {name} (wall)"
            TURN.append((what, (time.perf_counter() - started[0]) * 1000))

    gc.callbacks.append(collecting)
    timed(bridge.EngineBridge, "_deliver", callback)
    timed(bridge.EngineBridge, "_dispatch", event)
    timed(column_view.ColumnList, "paintEvent")
    timed(deck.Deck, "_flush_changes")


class Probe:
    """A timer that should fire every PROBE_MS; records how late each tick came."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self._tick)
        self.late: list[float] = []
        # The GUI thread's CPU between two ticks: what the window itself worked in one
        # stretch (lateness is that times how long a busy machine makes it wait for a core).
        self.cpu: list[float] = []
        self._last = 0
        self._thread_cpu = 0.0
        self._cpu = self._queued = 0

    def start(self) -> None:
        if TRACER is not None:
            TRACER.last, TRACER.active = time.perf_counter(), True
        self.late, self.cpu = [], []
        self.clock.start()
        self._last = 0
        self._thread_cpu = time.thread_time()
        if TRACER is not None and TRACER.on:
            self._cpu, self._queued = _schedstat()
        self.timer.start()

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed()
        if TRACER is not None:
            TRACER.last = time.perf_counter()
        late = max(0.0, (now - self._last) / 1e6 - PROBE_MS)
        self.late.append(late)
        self._last = now
        thread_cpu = time.thread_time()
        self.cpu.append((thread_cpu - self._thread_cpu) * 1000)
        self._thread_cpu = thread_cpu
        if TRACER is not None and TRACER.on:
            # Over a late tick, the GUI thread's CPU (it worked), its wait for a core (the
            # machine), and the rest: it slept (for the interpreter lock, or nothing to do).
            cpu, queued = _schedstat()
            turn, TURN[:] = list(TURN), []
            if late > 40 or self.cpu[-1] > 20:
                ran, waited = (cpu - self._cpu) / 1e6, (queued - self._queued) / 1e6
                print(
                    f"LATE {late:.0f} ms: GUI ran {ran:.0f} ms, waited for a core"
                    f" {waited:.0f} ms, slept {late + PROBE_MS - ran - waited:.0f} ms",
                    file=sys.stderr,
                )
                summed: dict[str, list[float]] = {}
                for what, ms in turn:
                    summed.setdefault(what, []).append(ms)
                for what, mss in sorted(summed.items(), key=lambda kv: -sum(kv[1]))[:6]:
                    print(f"    {sum(mss):6.1f} ms {len(mss):3d}x {what}", file=sys.stderr)
            self._cpu, self._queued = cpu, queued

    def stop(self) -> list[float]:
        if TRACER is not None:
            TRACER.active = False
        self.timer.stop()
        return self.late


def spin(seconds: float, until: Callable[[], bool] | None = None) -> None:
    """Run the event loop (blocking in it, as the app does) for `seconds` or until until()."""
    loop = QEventLoop()
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    deadline.start(int(seconds * 1000))
    check = QTimer()
    if until is not None:
        if until():
            return
        check.timeout.connect(lambda: loop.quit() if until() else None)
        check.start(20)
    loop.exec()
    check.stop()
    deadline.stop()


def items(round_no: int, existing: list[str]) -> list[Message]:
    """ITEMS messages for account 1: half to existing conversations, half to new ones."""
    base = datetime.now(UTC) - timedelta(minutes=30) + timedelta(seconds=round_no * 100)
    out = []
    for i in range(ITEMS):
        key = existing[(i * 7919 + round_no) % len(existing)] if i % 2 else f"g{round_no}-{i}"
        out.append(
            Message(
                remote_id=f"stall-{round_no}-{i}",
                conversation_key=key,
                kind=Kind.DM if i % 5 == 0 else Kind.MENTION,
                # An author keeps their name (a feed does not rename someone every message).
                author=Contact("mastodon", f"c{1 + i % 900}", f"user{i % 900}", f"User {i % 900}"),
                text=" ".join(WORDS[(i * k) % len(WORDS)] for k in range(1, 12)),
                created_at=base + timedelta(milliseconds=i),
                direction=Direction.IN,
                language="en",
            )
        )
    return out


class Tail(Sequence[Message]):
    """A replay stream whose first `skip` items were synced in earlier rounds (not kept)."""

    def __init__(self, skip: int, items: list[Message]) -> None:
        self.skip, self.items = skip, items

    def __len__(self) -> int:
        return self.skip + len(self.items)

    @overload
    def __getitem__(self, index: int) -> Message: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Message]: ...
    def __getitem__(self, index: int | slice) -> Message | Sequence[Message]:
        if isinstance(index, slice):
            start = max(0, (index.start or 0) - self.skip)
            stop = None if index.stop is None else max(0, index.stop - self.skip)
            return self.items[start:stop]
        return self.items[index - self.skip]


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


def main(folder: Path) -> dict[str, object]:
    app = QApplication.instance() or QApplication([])
    if os.environ.get("STALL_TRACE"):
        _instrument()  # before the window connects its slots
    session = open_session(Profile.resolve(folder))
    window = session.window
    window.resize(1600, 1000)
    window.show()
    spin(60, window.deck.loaded)
    spin(0.5)
    rss_open = rss_mb()
    engine = session.engine
    if os.environ.get("STALL_IN_PROCESS"):  # the window before the ingest worker: compare
        engine.ingest_worker = None
    if os.environ.get("STALL_CPYTHON_GC") and session.collector is not None:
        session.collector.stop()  # the window before its idle-time collector: compare
    info = AccountInfo("mastodon", "mastodon.bench", "0", "shop0")
    existing = [
        r[0]
        for r in session.store.query(
            "SELECT key FROM conversations WHERE account_id = 1 ORDER BY id LIMIT 20000"
        )
    ]
    global TRACER
    TRACER = Tracer()
    probe = Probe()
    idle, busy, idle_all, busy_all, sync_s = [], [], [], [], []
    idle_cpu, busy_cpu = [], []
    for round_no in range(PAIRS):
        probe.start()
        spin(IDLE_S)
        late = probe.stop()
        idle.append(max(late))
        idle_cpu.append(max(probe.cpu))
        idle_all += late

        stream = Tail(round_no * ITEMS, items(round_no, existing))
        adapter = ReplayAdapter(info, {MENTIONS: stream, DMS: []}, page_size=100)
        engine.call(lambda e, a=adapter: e.adapters.__setitem__(1, a))
        probe.start()
        if PROFILE is not None:
            PROFILE.enable()
        started = time.perf_counter()
        future = engine.submit(lambda e: sync_account(e, 1))
        spin(600, future.done)
        sync_s.append(time.perf_counter() - started)
        future.result()
        spin(SETTLE_S)
        late = probe.stop()
        if PROFILE is not None:
            PROFILE.disable()
        busy.append(max(late))
        busy_cpu.append(max(probe.cpu))
        busy_all += late
    # Scroll every column deep and back: rows far away are let go.
    for view in window.deck.columns():
        for _ in range(20):
            if view.model.canFetchMore():
                view.model.fetchMore()
                spin(2, lambda v=view: not v.model._loading)
        view.list.scrollToBottom()
    spin(0.3)
    rss_deep = rss_mb()
    for view in window.deck.columns():
        view.list.scrollToTop()
    spin(0.5)
    result = {
        "busy_max_ms": busy,
        "busy_cpu_max_ms": busy_cpu,
        "idle_cpu_max_ms": idle_cpu,
        "idle_max_ms": idle,
        "busy_p99_ms": p99(busy_all),
        "idle_p99_ms": p99(idle_all),
        "sync_s": sync_s,
        "rss_open_mb": rss_open,
        "rss_deep_mb": rss_deep,
        "rss_after_mb": rss_mb(),
        "hwm_mb": rss_mb("VmHWM"),
        "rows_loaded": sum(v.model.rowCount() for v in window.deck.columns()),
        "columns": len(window.deck.columns()),
    }
    session.close()
    app.processEvents()
    if PROFILE is not None:
        PROFILE.dump_stats(os.environ["STALL_PROFILE"])
    return result


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))), flush=True)
