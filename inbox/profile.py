"""Where a profile lives: its folder, its database file, the demo's throwaway folder."""

from __future__ import annotations

import logging
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

log = logging.getLogger(__name__)

DB_NAME = "inbox.db"
TEAM_FILE = "team.json"  # a team profile: its store is on a PostgreSQL server (store/team.py)
PRIVATE_FOLDER = 0o700  # it holds DMs and customer data: the owner only


def _tighten(folder: Path) -> None:
    """Older profiles were made 0755: close them to other local users on open. A folder on
    a read-only file system, or one the user does not own, is left as it is."""
    try:
        if stat.S_IMODE(folder.stat().st_mode) & 0o077:
            folder.chmod(PRIVATE_FOLDER)
    except OSError as exc:
        log.info("cannot make %s private: %s", folder, exc)


@dataclass(frozen=True)
class Profile:
    """A profile folder: the database and everything else the app writes for it."""

    folder: Path
    demo: bool = False

    @property
    def db_path(self) -> Path:
        return self.folder / DB_NAME

    def has_store(self) -> bool:
        """Whether there is anything to read yet: the local file, or a team server."""
        return self.db_path.exists() or (self.folder / TEAM_FILE).exists()

    @classmethod
    def resolve(cls, folder: str | Path | None, demo: bool = False) -> Profile:
        """--profile DIR, else a fresh temp folder for --demo, else the user data dir."""
        if folder is not None:
            path = Path(folder).expanduser()
        elif demo:
            path = Path(tempfile.mkdtemp(prefix="social-inbox-demo-"))
        else:
            path = Path(platformdirs.user_data_dir("social-inbox", appauthor=False))
        path.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
        _tighten(path)
        return cls(path, demo)
