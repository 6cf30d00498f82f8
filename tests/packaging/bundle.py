"""Build the PyInstaller bundle only when its sources changed (tests and `make bench` share it)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "dist" / "social-inbox"
BINARY = FOLDER / "social-inbox"


def source_hash() -> str:
    """What the bundle is built from: the code, the resources, the spec and the metadata."""
    digest = hashlib.sha256()
    files = [ROOT / "pyproject.toml", ROOT / "setup.py"]
    for folder in ("inbox", "resources", "packaging"):
        files += sorted(
            p for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts
        )
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_bundle() -> Path:
    """dist/social-inbox/ as `make dist` builds it; rebuilt only when the sources changed.

    A build takes five to six minutes on two busy cores, so it is reused while
    dist/social-inbox/SOURCE_HASH matches the sources.
    """
    stamp = FOLDER / "SOURCE_HASH"
    wanted = source_hash()
    if stamp.is_file() and stamp.read_text().strip() == wanted and BINARY.is_file():
        return FOLDER
    pyinstaller = Path(sys.executable).parent / "pyinstaller"
    done = subprocess.run(
        [
            str(pyinstaller),
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(ROOT / "dist"),
            "--workpath",
            str(ROOT / "build" / "pyinstaller"),
            str(ROOT / "packaging" / "social-inbox.spec"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pyinstaller failed: {done.stderr[-4000:]}")
    stamp.write_text(wanted + "\n")
    return FOLDER
