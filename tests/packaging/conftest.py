"""Packaging fixtures: Debian tools installed on demand, the PyInstaller bundle built once."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.packaging.bundle import ROOT, ensure_bundle

__all__ = ["ROOT", "apt_install"]


def apt_install(command: str, package: str) -> str:
    """The path of command, installing its Debian package first when it is missing."""
    found = shutil.which(command)
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.fail(f"{command} is missing: install the Debian package {package}")
    apt = ["apt-get", "-q", "-y", "-o", "DPkg::Lock::Timeout=900"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    policy = subprocess.run(
        ["apt-cache", "policy", package], capture_output=True, text=True, check=False
    )
    if "Candidate: (none)" in policy.stdout or "Candidate:" not in policy.stdout:
        subprocess.run([*apt, "update"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*apt, "install", "--no-install-recommends", package],
        env=env,
        check=True,
        capture_output=True,
    )
    found = shutil.which(command)
    assert found, f"{package} installed but {command} is still missing"
    return found


@pytest.fixture(scope="session")
def bundle() -> Path:
    """The bundle `make dist` builds, built here only when the sources changed (~5 min)."""
    return ensure_bundle()
