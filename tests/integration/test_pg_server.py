"""The throwaway PostgreSQL cluster the team-profile tests run against (tests/pg.py)."""

from __future__ import annotations

import psycopg
import pytest

from tests.pg import PgServer


def test_cluster_listens_on_loopback_with_password_auth(pg_server: PgServer) -> None:
    with psycopg.connect(pg_server.dsn()) as conn:
        row = conn.execute("SELECT current_user, inet_server_addr()::text, version()").fetchone()
    assert row is not None
    assert row[0] == pg_server.user
    assert row[1].startswith("127.0.0.1")
    assert "PostgreSQL" in row[2]
    wrong = pg_server.dsn().replace(pg_server.password, "not-the-password")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong, connect_timeout=10)


def test_each_test_gets_its_own_empty_database(pg_server: PgServer, pg_dsn: str) -> None:
    other = pg_server.fresh_database()
    try:
        with psycopg.connect(pg_dsn, autocommit=True) as a:
            a.execute("CREATE TABLE mine (x int)")
        with psycopg.connect(other) as b:
            found = b.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'mine'").fetchone()
        assert found == (0,)
    finally:
        pg_server.drop_database(other)
