"""One running window per profile: a second launch hands its request to the first and exits.

The first instance listens on a local socket named after the profile's database
(QLocalServer: a Unix socket in the temp folder, a named pipe on Windows). A second launch
on the same profile connects, sends one JSON line ({"compose": bool, "open": id}) and
waits for "ok"; the running window comes forward and does what was asked. So two writers
never open the same database. Demo workspaces are throwaway folders: never shared.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from inbox.core.errors import ConfigError

log = logging.getLogger(__name__)
CONNECT_MS = 500
ANSWER_MS = 5000
LINK_PREFIX = "social-inbox://conversation/"


def server_name(db_path: Path) -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name (some containers)
        user = "user"
    key = f"{user}:{db_path.resolve()}".encode()
    return "social-inbox-" + hashlib.sha256(key).hexdigest()[:16]


def conversation_id(link: str) -> int:
    """A conversation link (social-inbox://conversation/42) or a bare id, as an id.

    Raises:
        ConfigError: neither.
    """
    text = link.strip()
    if text.startswith(LINK_PREFIX):
        text = text[len(LINK_PREFIX) :].strip("/")
    if not text.isdigit() or int(text) <= 0:
        raise ConfigError(
            f"{link!r} is not a conversation link: use {LINK_PREFIX}<number> or the number."
        )
    return int(text)


def forward(name: str, request: dict[str, Any]) -> bool:
    """Hand request to the instance running under name; False if none answers."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_MS):
        return False
    socket.write(json.dumps(request).encode() + b"\n")
    socket.flush()
    answered = False
    while socket.waitForReadyRead(ANSWER_MS):
        if b"ok" in bytes(socket.readAll().data()):
            answered = True
            break
    socket.disconnectFromServer()
    return answered


class Instance(QObject):
    """The running instance's end.

    Signals:
        requested(dict): a second launch asked for something ({"compose", "open"}).
    """

    requested = Signal(dict)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.server = QLocalServer(self)
        self.server.newConnection.connect(self._accept)

    def listen(self) -> bool:
        if not self.server.listen(self.name):
            # A socket left by a crashed instance: nobody answered forward(), so take it over.
            QLocalServer.removeServer(self.name)
            if not self.server.listen(self.name):
                log.warning("single instance: cannot listen on %s", self.name)
                return False
        return True

    def close(self) -> None:
        self.server.close()

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            if socket is None:
                return
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)

    def _read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        line = bytes(socket.readLine().data())
        try:
            request = json.loads(line)
        except ValueError:
            request = None
        socket.write(b"ok\n" if isinstance(request, dict) else b"bad\n")
        socket.flush()
        if isinstance(request, dict):
            self.requested.emit(request)
