"""Real servers for integration tests, started once per session by tests/servers/*.sh.

A server that cannot start fails the tests that need it, with the script's own
reason; nothing is skipped. Start times are reported at the end of the run.
"""

from __future__ import annotations

import os
import subprocess
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVERS = Path(__file__).parent.parent / "servers"
# One pair of servers per checkout (worktrees on one machine run their suites at the same
# time), on ports away from the scripts' defaults so a developer's own instances are left
# alone. Override with SOCIAL_INBOX_TEST_SERVERS / SOCIAL_INBOX_TEST_PORT.
_SLOT = zlib.crc32(str(SERVERS.resolve()).encode()) % 40
STATE = Path(os.environ.get("SOCIAL_INBOX_TEST_SERVERS", f"/tmp/social-inbox-tests/{_SLOT:02d}"))
_PORT = int(os.environ.get("SOCIAL_INBOX_TEST_PORT", str(18400 + 2 * _SLOT)))
_BSKY_PORT = os.environ.get("SOCIAL_INBOX_TEST_BSKY_PORT", str(19000 + 20 * _SLOT))
PORTS = {
    "rt": {"RT_PORT": str(_PORT)},
    "mediawiki": {"MW_PORT": str(_PORT + 1)},
    # PostgreSQL, Redis, PLC, PDS, AppView, Ozone and dev-env's helpers: 20 ports each.
    "bsky": {"BSKY_PORT_BASE": _BSKY_PORT},
}
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
    """Start (or reuse) a server, and leave it running for the next session.

    Sessions from other checkouts may share it (every test works under its own random
    profile marker), so stopping it at the end could pull it from under them; set
    SOCIAL_INBOX_STOP_SERVERS=1 to stop a server this session started.
    """
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
    if not was_running and os.environ.get("SOCIAL_INBOX_STOP_SERVERS") == "1":
        _run(script, "stop", 60)


@pytest.fixture(scope="session")
def rt_server() -> Iterator[dict[str, str]]:
    yield from start_server("rt")


@pytest.fixture(scope="session")
def mediawiki_server() -> Iterator[dict[str, str]]:
    yield from start_server("mediawiki")


@pytest.fixture(scope="session")
def bsky_network() -> Iterator[dict[str, str]]:
    """A local AT Protocol network (PLC, PDS, AppView) from npm @atproto/dev-env.

    The npm install is shared by every checkout in /tmp/social-inbox-tests/bsky-npm-<version>;
    a cold start (Node 22 and npm install with a native compile) takes minutes, a warm one
    seconds. Tests make accounts of their own on it (see tests/integration/bsky.py).
    """
    yield from start_server("bsky")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for name, seconds in START_TIMES.items():
        terminalreporter.write_line(f"server start: {name} {seconds:.1f} s")
