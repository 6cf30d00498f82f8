"""Where a profile lives: its folder, its database file, the demo's throwaway folder."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

DB_NAME = "inbox.db"


@dataclass(frozen=True)
class Profile:
    """A profile folder: the database and everything else the app writes for it."""

    folder: Path
    demo: bool = False

    @property
    def db_path(self) -> Path:
        return self.folder / DB_NAME

    @classmethod
    def resolve(cls, folder: str | Path | None, demo: bool = False) -> Profile:
        """--profile DIR, else a fresh temp folder for --demo, else the user data dir."""
        if folder is not None:
            path = Path(folder).expanduser()
        elif demo:
            path = Path(tempfile.mkdtemp(prefix="social-inbox-demo-"))
        else:
            path = Path(platformdirs.user_data_dir("social-inbox", appauthor=False))
        path.mkdir(parents=True, exist_ok=True)
        return cls(path, demo)
