"""Real servers for integration tests, started once per session by tests/servers/*.sh.

A server that cannot start fails the tests that need it, with the script's own
reason; nothing is skipped. Start times are reported at the end of the run.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVERS = Path(__file__).parent.parent / "servers"
STATE = Path(os.environ.get("SOCIAL_INBOX_TEST_SERVERS", "/tmp/social-inbox-tests"))
# Not the scripts' default ports, so a developer's own instances are left alone.
PORTS = {"rt": {"RT_PORT": "18380"}, "mediawiki": {"MW_PORT": "18381"}}
START_TIMES: dict[str, float] = {}


def _run(script: str, action: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PEER_DIR": str(STATE / script), **PORTS[script]}
    return subprocess.run(
        ["bash", str(SERVERS / f"{script}.sh"), action],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_server(script: str) -> Iterator[dict[str, str]]:
    """Start (or reuse) a server; stop it afterwards only if this session started it."""
    was_running = _run(script, "status", 30).returncode == 0 if (STATE / script).exists() else False
    began = time.monotonic()
    try:
        done = _run(script, "start", 1500)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{script}.sh start did not finish in 25 minutes", pytrace=False)
    START_TIMES[script] = time.monotonic() - began
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        pytest.fail(f"{script}.sh could not start the server:\n{tail}", pytrace=False)
    env = dict(
        line.split("=", 1) for line in done.stdout.splitlines() if "=" in line and line[0] != "#"
    )
    yield env
    if not was_running:
        _run(script, "stop", 60)


@pytest.fixture(scope="session")
def rt_server() -> Iterator[dict[str, str]]:
    yield from start_server("rt")


@pytest.fixture(scope="session")
def mediawiki_server() -> Iterator[dict[str, str]]:
    yield from start_server("mediawiki")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for name, seconds in START_TIMES.items():
        terminalreporter.write_line(f"server start: {name} {seconds:.1f} s")
