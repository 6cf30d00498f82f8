"""The wheel carries everything (resources included): installed into a fresh venv, away from
the source tree, it opens the demo. This is what `pipx install .` does too."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

from tests.packaging.conftest import ROOT


def test_wheel_in_a_fresh_venv_opens_the_demo(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    [wheel] = wheels.glob("social_inbox-*.whl")
    target = tmp_path / "venv"
    venv.create(target, with_pip=True)
    python = target / "bin" / "python"
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    run = tmp_path / "elsewhere"  # not the checkout: only the installed package is importable
    run.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DISPLAY")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    where = subprocess.run(
        [str(python), "-c", "import inbox.assets as a; print(a.root())"],
        cwd=run,
        env=env,
        capture_output=True,
        text=True,
    )
    assert str(target) in where.stdout, where.stdout + where.stderr
    shot = run / "deck.png"
    done = subprocess.run(
        [str(target / "bin" / "social-inbox"), "--demo", "--screenshot", str(shot)],
        cwd=run,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
