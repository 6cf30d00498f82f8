"""File → Team server…: connect this profile to the team's PostgreSQL server, move its data
there, or disconnect it — the window's form of `social-inbox team connect|migrate|disconnect`.

The form calls what the CLI calls (`store.team.probe`, `connect`, `migrate`, `forget`), on
the engine thread through the bridge (the GUI thread never waits on the server; a move
blocks the engine's own writes to the file it copies, so the counts add up). The password
goes to the keyring only (store.team.save → secrets); a failure says why in the form and
saves nothing. After a connect, a move or a disconnect the window reopens on the profile
where its data now lives (MainWindow.reopen_requested → app.Session.reopen).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from inbox.core.errors import InboxError, user_words
from inbox.core.events import Progress
from inbox.engine import Engine
from inbox.store import team
from inbox.store.db import SCHEMA_VERSION
from inbox.ui import theme
from inbox.ui.main_window import MainWindow

log = logging.getLogger(__name__)

MOVE_TASK = "team.migrate"
DEFAULT_PORT = 5432


def install(window: MainWindow, engine: Engine) -> None:
    def open_form() -> TeamServerForm:
        shown = window.findChild(TeamServerForm)
        if shown is not None:  # one form: bring it forward
            shown.raise_()
            shown.activateWindow()
            return shown
        form = TeamServerForm(window, engine.db_path)
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.open()
        return form

    window.bind("team_server", open_form)
    dsn = window.store.dsn
    if dsn is not None:  # which deck this is: the team's, on that server
        where = team.where_of(dsn)
        label = QLabel(f"Team: {where.rsplit('/', 1)[-1]}")
        label.setObjectName("teamServerLabel")
        label.setToolTip(f"This deck is the team's, on the PostgreSQL server {where}")
        window.statusBar().addPermanentWidget(label)


def dsn_from(host: str, port: int, database: str, user: str) -> str:
    """postgresql://user@host:port/database, each part quoted (never a password)."""
    host = host.strip()
    if ":" in host and not host.startswith("["):  # an IPv6 address
        host = f"[{host}]"
    return (
        f"postgresql://{quote(user.strip(), safe='')}@{host}:{port}/"
        f"{quote(database.strip(), safe='')}"
    )


class TeamServerForm(QDialog):
    """Host, port, database, user, password; Test connection, Connect, Move this profile's
    data to the server, Disconnect; what happened, in words, under the buttons."""

    def __init__(self, window: MainWindow, db_path: Path) -> None:
        super().__init__(window)
        self.window_ = window
        self.db_path = db_path
        self.connected = team.dsn_of(db_path)
        self.reopen_on_close = False
        self.busy = False
        self.setWindowTitle("Team server")
        self.setMinimumWidth(560)
        layout = self.body = QVBoxLayout(self)
        self.where = QLabel(self._where_words())
        self.where.setObjectName("teamWhere")
        self.where.setWordWrap(True)
        layout.addWidget(self.where)
        layout.addLayout(self._init_fields())
        layout.addLayout(self._init_buttons())
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.answer = QLabel()
        self.answer.setObjectName("teamAnswer")
        self.answer.setWordWrap(True)
        self.answer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.answer)
        self.counts = QPlainTextEdit()
        self.counts.setReadOnly(True)
        self.counts.setFont(QFont("monospace"))
        self.counts.setVisible(False)
        self.counts.setMinimumHeight(180)
        layout.addWidget(self.counts)
        layout.addLayout(self._init_bottom())
        window.bridge.progress.connect(self._on_progress)
        self.finished.connect(self._on_finished)
        self._fill_from(self.connected)
        self._enable()

    # -- building ---------------------------------------------------------------

    def _init_fields(self) -> QFormLayout:
        form = QFormLayout()
        self.host = QLineEdit()
        self.host.setPlaceholderText("db.example.org")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.database = QLineEdit()
        self.database.setPlaceholderText("support")
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(
            "kept in the system keyring" if not self.connected else "(the saved one)"
        )
        for label, field in (
            ("&Host", self.host),
            ("P&ort", self.port),
            ("&Database", self.database),
            ("&User", self.user),
            ("&Password", self.password),
        ):
            form.addRow(label, field)
        for field in (self.host, self.database, self.user, self.password):
            field.textChanged.connect(self._enable)
        return form

    def _init_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.test_button = QPushButton("&Test connection")
        self.test_button.setToolTip("Sign in and look; nothing is saved")
        self.connect_button = QPushButton("&Connect")
        self.connect_button.setToolTip(
            "Work on the team's deck from now on (this profile's local data stays on this "
            "computer, unused)"
        )
        self.move_button = QPushButton("&Move this profile's data to the server")
        self.move_button.setToolTip(
            "Copy every table of this profile into an empty team database, count each on "
            "both sides, then connect"
        )
        self.test_button.clicked.connect(self.test)
        self.connect_button.clicked.connect(self.connect_)
        self.move_button.clicked.connect(self.move_data)
        for button in (self.test_button, self.connect_button, self.move_button):
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _init_bottom(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.disconnect_button = QPushButton("D&isconnect")
        self.disconnect_button.setToolTip(
            "Make this profile local again and forget the server's password (the team's "
            "data stays on the server)"
        )
        self.disconnect_button.clicked.connect(self.ask_disconnect)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        row.addWidget(self.disconnect_button)
        row.addStretch(1)
        row.addWidget(self.close_button)
        return row

    def _where_words(self) -> str:
        if self.connected:
            return (
                f"This profile works on the team server <b>{team.where_of(self.connected)}"
                "</b>: every laptop connected to it shares one deck."
            )
        return (
            f"This profile is local: its data is in {self.db_path} (this computer only). "
            "Connect it to the team's PostgreSQL server to share one deck with the team."
        )

    def _fill_from(self, dsn: str | None) -> None:
        if not dsn:
            return
        parts = urlsplit(dsn)
        self.host.setText(parts.hostname or "")
        self.port.setValue(parts.port or DEFAULT_PORT)
        self.database.setText(unquote(parts.path.lstrip("/")))
        self.user.setText(unquote(parts.username or ""))

    def _enable(self) -> None:
        filled = bool(self.host.text().strip() and self.database.text().strip())
        filled = filled and bool(self.user.text().strip())
        idle = not self.busy
        for field in (self.host, self.port, self.database, self.user, self.password):
            field.setEnabled(idle)
        self.test_button.setEnabled(idle and filled)
        self.connect_button.setEnabled(idle and filled)
        self.move_button.setEnabled(
            idle and filled and not self.connected and self.db_path.exists()
        )
        self.disconnect_button.setEnabled(idle and self.connected is not None)

    # -- what the buttons do ------------------------------------------------------

    def dsn(self) -> str:
        return dsn_from(self.host.text(), self.port.value(), self.database.text(), self.user.text())

    def secret(self) -> str | None:
        """The typed password; None (empty) means the keyring's, when connected already."""
        return self.password.text() or None

    def test(self) -> None:
        dsn, password = self.dsn(), self.secret()
        self._run(
            "Signing in…",
            lambda _e: team.probe(dsn, password),
            lambda reached: self._say(reached.words(SCHEMA_VERSION)),
        )

    def connect_(self) -> None:
        dsn, password, path = self.dsn(), self.secret(), self.db_path
        self._run(
            "Connecting…",
            lambda _e: team.connect(path, dsn, password),
            self._connected,
        )

    def _connected(self, where: str) -> None:
        self._say(f"Connected to {where}. Opening the team's deck…")
        self.reopen_on_close = True
        self.accept()

    def move_data(self) -> None:
        dsn, password, path = self.dsn(), self.secret(), self.db_path

        def work(engine: Engine) -> list[tuple[str, int, int]]:
            def step(done: int, total: int, table: str) -> None:
                engine.publish(Progress(MOVE_TASK, done, total, table))

            return team.migrate(path, dsn, password, progress=step)

        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self._run("Moving this profile's data…", work, self._moved)

    def _moved(self, counts: list[tuple[str, int, int]]) -> None:
        self.progress.setVisible(False)
        self.connected = team.dsn_of(self.db_path)
        rows = sum(here for _, here, _ in counts)
        self._say(
            f"Moved {rows} rows in {len(counts)} tables to {team.where_of(self.dsn())}; every "
            "table has as many rows on the server as here. The local file stays as it was, "
            "as a backup. Close this form to open the team's deck."
        )
        width = max(len(t) for t, _, _ in counts)
        lines = [f"{'table':<{width}}  {'here':>8}  {'server':>8}"]
        lines += [f"{t:<{width}}  {here:>8}  {there:>8}" for t, here, there in counts]
        self.counts.setPlainText("\n".join(lines))
        self.counts.setVisible(True)
        self.close_button.setText("Open the team's deck")
        self.body.activate()  # the longer button and the counts, laid out now
        self.reopen_on_close = True
        self.where.setText(self._where_words())
        self._enable()

    def ask_disconnect(self) -> QMessageBox:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Disconnect from the team server",
            "Make this profile local again? The team's data stays on the server; this laptop "
            "forgets its password and opens its local deck.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("teamDisconnectConfirm")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(self.disconnect_)
        box.open()
        return box

    def disconnect_(self) -> None:
        path = self.db_path
        self._run("Disconnecting…", lambda _e: team.forget(path), self._disconnected)

    def _disconnected(self, _dsn: str | None) -> None:
        self._say("This profile is local again. Opening its local deck…")
        self.reopen_on_close = True
        self.accept()

    def reject(self) -> None:
        """Close (Escape, Close) — not while the server is being asked: the answer would
        come to a form that is gone, and a move's outcome must be seen."""
        if self.busy:
            self._say(f"{self.answer.text().split(' Wait')[0]} Wait for the server's answer.")
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.busy:
            event.ignore()
            return
        super().closeEvent(event)

    # -- running and telling ------------------------------------------------------

    def _run(self, doing: str, work: Any, done: Any) -> None:
        """work(engine) on the engine thread; done(result) or the error in the form."""
        self.busy = True
        self._enable()
        self._say(doing)

        def finished(result: Any) -> None:
            self.busy = False
            self._enable()
            done(result)

        self.window_.bridge.run(work, finished, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.progress.setVisible(False)
        if not isinstance(exc, InboxError):
            log.error("team server form", exc_info=exc)
        self._say(user_words(exc), error=True)
        self._enable()

    def _say(self, text: str, error: bool = False) -> None:
        colour = theme.colours().urgent if error else ""
        self.answer.setStyleSheet(f"color: {colour};" if colour else "")
        self.answer.setProperty("error", error)
        self.answer.setText(text)

    def _on_progress(self, event: Progress) -> None:
        if event.task != MOVE_TASK or not self.busy:
            return
        self.progress.setRange(0, max(event.total, 1))
        self.progress.setValue(event.done)
        if event.label:
            self.answer.setText(f"Moving this profile's data… {event.label}")

    def _on_finished(self, _code: int) -> None:
        self.window_.bridge.progress.disconnect(self._on_progress)
        if self.reopen_on_close:
            self.window_.reopen_requested.emit()
