"""Starting the window: profile, engine, demo seeding, first run, screenshot mode."""

from __future__ import annotations

import argparse
import functools
import gc
import importlib
import logging
import os
import pkgutil
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

import inbox.ui.features
from inbox import assets
from inbox.core.clock import Clock, SystemClock
from inbox.core.errors import InboxError
from inbox.core.events import ErrorEvent, Progress
from inbox.profile import Profile
from inbox.store import Store
from inbox.store.db import SCHEMA_VERSION, check_version
from inbox.ui import icon, theme
from inbox.ui.bridge import EngineBridge
from inbox.ui.collector import QuietCollector
from inbox.ui.main_window import MainWindow

if TYPE_CHECKING:
    from inbox.engine import Engine
    from inbox.ui import single

# The window's first paint needs Qt, the store and the deck only (docs/architecture.md,
# "Performance"): the features, the desktop integration (tray, notifications), the
# first-run dialog and the single-instance server are imported when they are used,
# the features and the desktop once every column has painted its first page. So is
# the engine (sync loops, outbox, operations: it writes, the deck only reads), unless
# the profile needs it first: a migration, a demo to seed, a team server.

log = logging.getLogger(__name__)
SCREENSHOT_SIZE = QSize(1600, 1000)
SCREENSHOT_WAIT_MS = 20_000
SHOT_REPLY = (
    "So sorry about that, {author.name}! I have refunded the second charge; it shows on "
    "your statement within 3–5 days. — {agent.name}"
)
GIL_SWITCH_S = 0.0005
# zlib level 4 instead of 6 for --screenshot PNGs: the same pixels, a 1-2% larger file,
# ~30% less CPU to encode (a 1600x1000 deck: ~95 -> ~65 ms), which the `startup`
# benchmark counts as start-up (the bare window's blank PNG costs next to nothing).
SHOT_PNG_QUALITY = 50
# The rest of start-up (features, desktop) waits for the deck's first paint, at most this.
FIRST_PAINT_WAIT_MS = 3000


@dataclass
class Session:
    """One open profile: its engine, the GUI's read-only store, the bridge and the window.

    `finished` turns true once the engine, the features and the desktop integration are
    in (`finish()`, or one step per turn of the event loop with `finish_later()`).
    """

    profile: Profile
    store: Store
    bridge: EngineBridge
    window: MainWindow
    clock: Clock
    _engine: Engine | None = None
    finished: bool = False
    _finishing: bool = field(default=False, repr=False)
    successor: Session | None = None  # the session reopen() replaced this one with
    collector: QuietCollector | None = None  # full garbage collections at idle moments

    def reopen(self) -> Session:
        """The same profile in a new window, after the Team server form moved where its
        data lives (connect, migrate, disconnect): a new engine and store open it there,
        then this session closes. Returns the new session (also `successor`).

        Raises:
            InboxError: the profile cannot be opened where it now lives.
        """
        from inbox.ui import desktop

        geometry = self.window.saveGeometry()
        if self.finished:
            desktop.of(self.window).quitting = True  # this close is no "keep it in the tray?"
        new = open_session(self.profile)
        new.window.restoreGeometry(geometry)
        new.window.show()
        new.window.activateWindow()
        self.successor = new
        self.close()
        return new

    @property
    def engine(self) -> Engine:
        """The engine; started now if it was left for after the first paint."""
        if self._engine is None:
            self._engine = start_engine(self.profile, self.clock)
            self.bridge.attach(self._engine)
        return self._engine

    @property
    def engine_started(self) -> bool:
        return self._engine is not None

    def latest(self) -> Session:
        """This session, or the one that reopened it last."""
        session = self
        while session.successor is not None:
            session = session.successor
        return session

    def finish(self) -> None:
        """Install the features and the desktop integration now (open_session, first run)."""
        for step in self._steps():
            step()

    def finish_later(
        self,
        then: Callable[[], None] = lambda: None,
        failed: Callable[[InboxError], None] | None = None,
    ) -> None:
        """The same, one feature per turn of the event loop, then `then()`: the window
        stays responsive while the rest of start-up happens after its first paint.

        The engine starts first; if it cannot open the profile to write (locked, a
        read-only folder, a full disk) `failed(error)` is called and nothing else
        installs (without `failed` the error is raised)."""
        steps = self._steps()

        def next_step() -> None:
            if not shiboken6.isValid(self.window):
                return  # closed meanwhile
            step = next(steps, None)
            if step is None:
                then()
                return
            try:
                step()
            except InboxError as exc:
                if failed is None or self._engine is not None:
                    raise
                failed(exc)
                return
            QTimer.singleShot(0, next_step)

        QTimer.singleShot(0, next_step)

    def _steps(self) -> Iterator[Callable[[], object]]:
        if self.finished or self._finishing:
            return
        self._finishing = True
        yield lambda: self.engine  # starts it: the features are given the engine
        for name in feature_names():
            yield functools.partial(install_feature, self.window, self.engine, name)

        def last() -> None:
            from inbox.ui import desktop  # the tray, notifications, the window icon's menu

            desktop.install(self.window, self.profile)  # after the features: their notifiers
            app = QApplication.instance()
            if isinstance(app, QApplication):
                app.setWindowIcon(icon.app_icon())  # the large sizes too (task switchers)
            # What start-up built (modules, widgets, wrappers) lives as long as the window:
            # out of the collector's sight, a full collection during a sync scans only newer
            # objects (it took 300-500 ms with the interpreter lock held, a frozen window).
            gc.collect()
            gc.freeze()
            gc.enable()  # the command line turned it off for the first paint
            # From now on a full collection waits until no change lands (inbox.ui.collector).
            self.collector = QuietCollector(self.bridge, self.window)
            self.finished = True

        yield last

    def close(self) -> None:
        if self.collector is not None:
            self.collector.stop()
        self.window.close()
        self.bridge.detach()
        # Deliver the engine events already queued for the window while its store is
        # still open (the sync loops publish account statuses at any time).
        QCoreApplication.sendPostedEvents()
        self.store.close()
        if self._engine is not None:
            self._engine.stop()
        self.window.deleteLater()


class _Done(QObject):
    """Carries "the seeding thread finished" to the GUI thread.

    Signals:
        finished: emitted from the worker thread, delivered queued.
    """

    finished = Signal()


def seed_with_progress(engine: Engine, bridge: EngineBridge, parent: QWidget | None) -> None:
    """Run inbox.demo.seed off the GUI thread while a progress dialog stays responsive."""
    errors: list[BaseException] = []
    done = _Done()
    loop = QEventLoop()
    done.finished.connect(loop.quit)

    def work() -> None:
        try:
            import inbox.demo  # only a demo profile pays for the recordings and adapters

            inbox.demo.seed(engine)
        except BaseException as exc:  # handed to the GUI thread below
            errors.append(exc)
        done.finished.emit()

    from PySide6.QtWidgets import QProgressDialog  # each Qt class imported makes its enums

    dialog = QProgressDialog("Preparing the demo workspace…", "", 0, 0, parent)
    dialog.setWindowTitle("Social Inbox")
    dialog.setCancelButton(None)
    dialog.setMinimumDuration(400)  # a quick seed shows no dialog at all
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)

    def on_progress(event: Progress) -> None:
        if event.label:
            dialog.setLabelText(f"Preparing the demo workspace… {event.label}")

    bridge.progress.connect(on_progress)
    thread = threading.Thread(target=work, name="demo-seed", daemon=True)
    thread.start()
    loop.exec()
    thread.join()
    bridge.progress.disconnect(on_progress)
    dialog.close()
    dialog.deleteLater()
    if errors:
        raise errors[0]


def open_session(profile: Profile) -> Session:
    """Start the engine on a profile (seeding a fresh demo), then build the whole window.

    Raises:
        InboxError: the store cannot be opened (newer file, locked, damaged, ...).
    """
    session = open_window(profile)
    session.finish()
    return session


def open_window(profile: Profile) -> Session:
    """Build the window with its deck on a profile, without the features and the desktop
    integration (`Session.finish`). The engine starts first when the profile needs it
    (a migration, a fresh demo to seed, a team server); otherwise on `Session.engine`,
    which `finish` calls first: the deck reads the database by itself.

    Raises:
        InboxError: the store cannot be opened (newer file, locked, damaged, ...).
    """
    # The engine and reader threads run Python while the window paints: every paint,
    # data() or slot call from Qt waits for the interpreter lock up to the switch
    # interval (5 ms by default), a hundred of them per repaint. 0.5 ms keeps a sync
    # from freezing the window (docs/architecture.md, "Performance").
    sys.setswitchinterval(GIL_SWITCH_S)
    clock: Clock = SystemClock()
    engine = None if _engine_can_wait(profile) else start_engine(profile, clock)
    try:
        bridge = EngineBridge(engine, db_path=profile.db_path, clock=clock)
        if profile.demo and not _has_accounts(profile.db_path):
            if engine is None:
                engine = start_engine(profile, clock)
                bridge.attach(engine)
            seed_with_progress(engine, bridge, None)
        store = Store(profile.db_path, clock=clock, readonly=True)
    except BaseException:
        if engine is not None:
            engine.stop()
        raise
    apply_theme_setting(store)
    window = MainWindow(store, bridge, clock.now)
    session = Session(profile, store, bridge, window, clock, engine)

    def add_account() -> None:
        from inbox.ui import first_run

        first_run.add_account(window, session.engine)

    window.bind("add_account", add_account)
    # After the form's slot has returned: the form is a child of the window that goes.
    window.reopen_requested.connect(lambda: QTimer.singleShot(0, _reopen(session)))
    return session


def start_engine(profile: Profile, clock: Clock) -> Engine:
    """The profile's engine, started (its writer store opened and migrated).

    Raises:
        InboxError: the store cannot be opened (newer file, locked, damaged, ...).
    """
    from inbox.engine import Engine

    # Sync batches are stored by a worker process (engine/ingest_worker.py): ingest and
    # the rules never take the interpreter lock from the window.
    engine = Engine(profile.db_path, clock=clock, ingest_process=True)
    engine.start()
    return engine


def _engine_can_wait(profile: Profile) -> bool:
    """Whether the window may open before the engine: the database is there at this
    app's schema (nothing to migrate) and is not a team server's (the engine decides
    between the server and the offline replica)."""
    from inbox.store import team

    path = profile.db_path
    return path.exists() and team.dsn_of(path) is None and check_version(path) == SCHEMA_VERSION


def _reopen(session: Session) -> Callable[[], None]:
    def run() -> None:
        try:
            session.reopen()
        except InboxError as exc:  # the server went away between the form and the reopen
            session.window.bridge.error.emit(ErrorEvent(f"Could not reopen the profile: {exc}"))

    return run


def apply_theme_setting(store: Store) -> None:
    """Preferences → theme (ui.theme) of this profile, before the window is styled."""
    theme.set_preference(str(store.setting("ui.theme")))
    app = QApplication.instance()
    if isinstance(app, QApplication):
        theme.apply(app)


def install_features(window: MainWindow, engine: Engine) -> list[str]:
    """Call install(window, engine) of every module in inbox.ui.features, in name order.

    A feature that fails to install is reported in the status bar; the deck still opens.
    """
    return [name for name in feature_names() if install_feature(window, engine, name)]


def feature_names() -> list[str]:
    """The modules of inbox.ui.features, in name order."""
    return sorted(m.name for m in pkgutil.iter_modules(inbox.ui.features.__path__))


def install_feature(window: MainWindow, engine: Engine, name: str) -> bool:
    """Import inbox.ui.features.<name> and call its install(window, engine); True if it did.

    A failure is reported in the status bar, never raised.
    """
    try:
        module = importlib.import_module(f"inbox.ui.features.{name}")
        install = getattr(module, "install", None)
        if install is None:
            return False
        install(window, engine)
        return True
    except Exception as exc:  # one broken feature must not keep the inbox closed
        log.exception("feature %s failed to install", name)
        window.bridge.error.emit(ErrorEvent(f"The {name} feature failed to start: {exc}"))
        return False


def _has_accounts(db: Path) -> bool:
    store = Store(db, readonly=True)
    try:
        return bool(store.accounts())
    finally:
        store.close()


def _first_run(session: Session) -> Session:
    """No account and no demo: offer both; the demo replaces this session."""
    from inbox.ui import first_run

    session.finish()  # the accounts feature brings the add-account flow
    FirstRunDialog = first_run.FirstRunDialog
    dialog = FirstRunDialog()
    dialog.exec()
    if dialog.choice == FirstRunDialog.DEMO:
        session.close()
        from inbox import secrets  # keyring costs ~1 s of imports: only the demo needs it here

        secrets.use_memory_backend()
        return open_session(Profile.resolve(None, demo=True))
    cancelled = dialog.choice == FirstRunDialog.ACCOUNT and not first_run.add_account(
        session.window, session.engine
    )
    if cancelled:
        return _first_run(session)  # back to the choices, the demo included
    return session


def parse_size(text: str | None) -> QSize:
    """ "1024x768" -> QSize; anything else is the default screenshot size."""
    width, _, height = (text or "").lower().partition("x")
    if width.isdigit() and height.isdigit() and int(width) >= 320 and int(height) >= 240:
        return QSize(int(width), int(height))
    return SCREENSHOT_SIZE


def take_screenshot(window: MainWindow, path: str, size: QSize = SCREENSHOT_SIZE) -> bool:
    """Render the window at exactly size (1600x1000 by default) and save it as PNG."""
    window.resize(size)
    pixmap = window.grab()
    if pixmap.size() != size:  # a HiDPI screen renders more pixels
        pixmap = pixmap.scaled(
            size,
            Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    return pixmap.save(path, "PNG", SHOT_PNG_QUALITY)


class Screenshot(QObject):
    """Waits until every column shows its first page and start-up is over, opens the top
    conversation, shoots, quits.

    of: "deck" (the default: the top conversation open), "calendar", "reply" (a reply
    just sent), or "start": the window as it first paints, every column's first page
    and nothing opened, shot before the rest of start-up (the `startup` benchmark).
    """

    def __init__(
        self,
        app: QApplication,
        window: MainWindow,
        path: str,
        size: QSize = SCREENSHOT_SIZE,
        of: str = "deck",
        session: Session | None = None,
    ) -> None:
        super().__init__(window)
        self.app, self.window, self.path, self.size, self.of = app, window, path, size, of
        self.session = session
        window.resize(size)  # the layout settles at this width before the shot
        self.code = 0
        self._done = False
        self._waited = 0
        for view in window.deck.columns():
            view.model.counts_changed.connect(self.maybe)
        QTimer.singleShot(0, self.maybe)  # after the first paint, if already loaded
        QTimer.singleShot(SCREENSHOT_WAIT_MS, lambda: self._shoot())  # never hang

    def maybe(self) -> None:
        """Shoot if the window is ready (the session's start-up over, unless of "start")."""
        started = self.of == "start" or self.session is None or self.session.finished
        if started and self.window.deck.loaded():
            self._shoot()

    def _shoot(self) -> None:
        if self._done:
            return
        self._done = True
        if self.of == "start":
            QTimer.singleShot(0, self._grab)  # one turn: the views lay their rows out
            return
        deck = self.window.deck
        first = deck.columns()[0] if deck.columns() else None
        if first is not None and first.model.rowCount():
            first.focus_list()
            deck.open_current()
        if self.of == "calendar" and "calendar" in self.window.bound():
            self.window.bound()["calendar"].trigger()
            QTimer.singleShot(300, self._grab_dialog)
            return
        if self.of == "reply" and first is not None and first.model.rowCount():
            QTimer.singleShot(300, self._reply)
            return
        # The reader answers in order: a read asked now comes back after what opening the
        # conversation asked (suggested answers); two more turns of the loop let the
        # pane's layout settle before the grab.
        def settled(_: object) -> None:
            QTimer.singleShot(0, lambda: QTimer.singleShot(0, self._grab))

        self.window.bridge.read(lambda _store: None, settled, lambda _exc: settled(None))

    def _reply(self) -> None:
        """Answer the open conversation the way a user does (reply box, Send), then shoot
        once the network confirmed it: the thread shows our reply as "sent"."""
        from inbox.ui.features.reply import ReplyBox

        box = self.window.pane.findChild(ReplyBox)
        if box is None or not box.isEnabled():
            self._grab()
            return
        from inbox.core import templates

        # As a saved reply fills it: the placeholders become this customer's name and ours.
        box.editor.setPlainText(templates.render(SHOT_REPLY, box.values()).text)
        box.send()
        self._waited = 0
        QTimer.singleShot(200, self._until_sent)

    def _until_sent(self) -> None:
        thread = self.window.pane.browser.toPlainText()
        self._waited += 200
        if ("sending…" in thread or "(us)" not in thread) and self._waited < 8000:
            QTimer.singleShot(200, self._until_sent)
            return
        QTimer.singleShot(0, self._grab)

    def _grab_dialog(self) -> None:
        """The newest dialog the window opened (the calendar), at the screenshot size."""
        from PySide6.QtWidgets import QDialog

        dialogs = [d for d in self.window.findChildren(QDialog) if d.isVisible()]
        if not dialogs:
            self._grab()
            return
        dialog = dialogs[-1]
        dialog.resize(self.size)
        from inbox.ui.calendar import CalendarView

        view = dialog.findChild(CalendarView)
        if view is not None and view.empty.isVisibleTo(view):
            view.step(1)  # a quiet week (a Sunday): show the next, where the posts are
        QTimer.singleShot(200, lambda: self._save(dialog.grab()))

    def _save(self, pixmap: Any) -> None:
        if not pixmap.save(self.path, "PNG", SHOT_PNG_QUALITY):
            print(f"social-inbox: could not write {self.path}", file=sys.stderr)
            self.code = 1
        self.app.quit()

    def _grab(self) -> None:
        if not take_screenshot(self.window, self.path, self.size):
            print(f"social-inbox: could not write {self.path}", file=sys.stderr)
            self.code = 1
        self.app.quit()


def _show_error(message: str, screenshot: bool) -> None:
    if screenshot:  # no one is there to click a dialog away
        print(f"social-inbox: {message}", file=sys.stderr)
    else:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, "Social Inbox", message)


def after_first_paint(window: MainWindow, fn: Callable[[], None]) -> None:
    """Call fn once the window has painted every column's first page (or after
    FIRST_PAINT_WAIT_MS, whatever the deck is doing): what is not needed to show the
    deck waits until the user sees it."""
    fired = False

    def fire() -> None:
        nonlocal fired
        if fired or not shiboken6.isValid(window):
            return
        fired = True
        if window.isVisible():
            window.repaint()  # the pending paint now, before the rest of start-up
        fn()

    def maybe() -> None:
        if not fired and window.deck.loaded():
            QTimer.singleShot(0, fire)  # one turn: the views lay their rows out first

    for view in window.deck.columns():
        view.model.counts_changed.connect(maybe)
    QTimer.singleShot(0, maybe)  # an empty deck, or pages already in
    QTimer.singleShot(FIRST_PAINT_WAIT_MS, fire)


def run_gui(args: argparse.Namespace) -> int:
    """Open the window on the chosen profile and run until it closes.

    The window shows as soon as its deck is built; the features (menus' entries, the
    reply box, triage, ...) and the desktop integration install after the deck's first
    paint, one per turn of the event loop (`Session.finish_later`).
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Social Inbox")
    app.setApplicationDisplayName("Social Inbox")
    app.setDesktopFileName(assets.APP_ID)  # Wayland finds the icon through the desktop entry
    app.setWindowIcon(icon.app_icon(icon.FIRST_SIZES))  # every size once it has painted
    chosen = getattr(args, "theme", None)
    if chosen in ("light", "dark"):
        os.environ[theme.THEME_ENV] = chosen  # wins over the profile's ui.theme, this run
    follower = theme.ThemeFollower(app)
    screenshot: str | None = getattr(args, "screenshot", None)
    shot_of = str(getattr(args, "shot_of", "deck") or "deck")
    demo = bool(getattr(args, "demo", False))
    if demo:
        from inbox import secrets  # keyring costs ~1 s of imports: only the demo needs it here

        secrets.use_memory_backend()
    request: dict[str, Any] = {"compose": bool(getattr(args, "compose", False)), "open": None}
    instance: single.Instance | None = None
    try:
        if getattr(args, "open", None) or not (demo or screenshot):
            from inbox.ui import single  # QtNetwork: only a profile window listens

        if getattr(args, "open", None):
            request["open"] = single.conversation_id(args.open)
        profile = Profile.resolve(getattr(args, "profile", None), demo)
        if not demo and not screenshot:
            name = single.server_name(profile.db_path)
            if single.forward(name, request):
                print("social-inbox: already running on this profile: its window came forward")
                follower.deleteLater()
                return 0
            instance = single.Instance(name, app)
            instance.listen()
        session = open_window(profile)
        if not demo and not screenshot and not session.store.accounts():
            session = _first_run(session)
    except InboxError as exc:
        _show_error(str(exc), bool(screenshot))
        follower.deleteLater()
        return 2

    window = session.window
    shot: Screenshot | None = None
    if screenshot:
        shot = Screenshot(
            app, window, screenshot, parse_size(getattr(args, "size", None)), shot_of, session
        )

    # A second launch's request (--open, --compose, bring forward) waits until the
    # features and the desktop are in, like this launch's own.
    waiting: list[dict[str, Any]] | None = []

    def forwarded(asked: dict[str, Any]) -> None:
        if waiting is not None:
            waiting.append(asked)
        else:  # to the window of the latest reopening
            from inbox.ui import desktop

            desktop.of(session.latest().window).handle(asked, raise_window=True)

    if instance is not None:
        instance.requested.connect(forwarded)

    def started() -> None:
        """The features and the desktop are in: what the launches asked for."""
        nonlocal waiting
        from inbox.ui import desktop

        desktop.of(window).handle(request, raise_window=False)
        early, waiting = waiting or [], None
        for asked in early:
            forwarded(asked)
        if shot is not None:
            shot.maybe()

    # desktop.START_MINIMISED: the desktop integration loads after the first paint.
    def no_engine(exc: InboxError) -> None:
        """The engine could not open the profile to write after the deck painted: said
        as when it fails before the window (the inbox cannot work read-only)."""
        _show_error(str(exc), bool(screenshot))
        app.exit(2)

    if screenshot or not session.store.setting("desktop.start_minimised"):
        window.show()
        if shot_of != "start" or not screenshot:  # "start" shows the first paint, then quits
            after_first_paint(window, lambda: session.finish_later(started, no_engine))
    else:  # only the tray (or minimised): nothing to paint first
        from inbox.ui import desktop

        session.finish()
        desktop.of(window).show_initial()
        started()
    code = app.exec()
    if instance is not None:
        instance.close()
    session.latest().close()
    follower.deleteLater()
    return (shot.code if shot else 0) or code
