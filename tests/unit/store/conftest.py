"""The store's tests run on both backends: a local SQLite file, and a team's PostgreSQL
database (a fresh one per test on the session's throwaway cluster, tests/pg.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inbox.core.clock import FakeClock
from inbox.store import Store

BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): a store test that checks SQLite itself (its query planner, "
        "its file); it runs on SQLite only, and says why in the test id",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test using `store` (or `backend`) runs once per backend; one marked
    sqlite_only runs on SQLite alone (the reason is in the marker, listed in the report)."""
    if "backend" not in metafunc.fixturenames:
        return
    only = metafunc.definition.get_closest_marker("sqlite_only")
    metafunc.parametrize("backend", ["sqlite"] if only else list(BACKENDS))


@pytest.fixture
def store(
    backend: str, tmp_path: Path, clock: FakeClock, request: pytest.FixtureRequest
) -> Iterator[Store]:
    dsn = request.getfixturevalue("pg_dsn") if backend == "postgresql" else None
    s = Store(tmp_path / "inbox.db", clock=clock, dsn=dsn)
    yield s
    s.close()
