"""A throwaway PostgreSQL cluster for the tests (tests/servers/pg.sh), and fresh databases on it.

    server = PgServer.start()            # initdb in a temp folder, random loopback port
    dsn = server.fresh_database()        # CREATE DATABASE t_<n>: empty, yours alone
    server.stop()                        # pg_ctl stop; the folder is removed

The session fixtures in tests/conftest.py (`pg_server`, `pg_dsn`) wrap these. A cluster that
cannot start is a test FAILURE carrying pg.sh's own reason, never a skip.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SCRIPT = Path(__file__).parent / "servers" / "pg.sh"


class PgStartError(RuntimeError):
    """pg.sh could not install, init or start the cluster; the message is its reason."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    host: str
    port: int
    user: str
    password: str
    folder: Path
    started_in: float = 0.0
    _migrated: str | None = None
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def start(cls, timeout: float = 1500) -> PgServer:
        """Install (apt-get, when missing), initdb and start a cluster; raise PgStartError."""
        # Under /tmp, not pytest's 0700 tmp folder: the cluster runs as an unprivileged user
        # who must reach its data folder.
        folder = Path(tempfile.mkdtemp(prefix="social-inbox-pg-"))
        folder.chmod(0o755)
        env = {**os.environ, "PEER_DIR": str(folder / "pg"), "PG_PORT": str(_free_port())}
        began = time.monotonic()
        try:
            done = subprocess.run(
                ["bash", str(SCRIPT), "start"],
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise PgStartError(f"pg.sh start did not finish in {timeout:.0f} s") from exc
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-15:])
            shutil.rmtree(folder, ignore_errors=True)
            raise PgStartError(f"pg.sh could not start PostgreSQL:\n{tail}")
        values = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
        return cls(
            host=values["PG_HOST"],
            port=int(values["PG_PORT"]),
            user=values["PG_USER"],
            password=values["PG_PASSWORD"],
            folder=folder,
            started_in=time.monotonic() - began,
        )

    def dsn(self, dbname: str = "postgres", *, password: bool = True) -> str:
        """postgresql://user[:password]@host:port/dbname"""
        secret = f":{self.password}" if password else ""
        return f"postgresql://{self.user}{secret}@{self.host}:{self.port}/{dbname}"

    def admin(self, sql: str) -> None:
        """Run one statement on the maintenance database, outside a transaction."""
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def fresh_database(self, prefix: str = "t", *, migrated: bool = True) -> str:
        """CREATE DATABASE <prefix>_<pid>_<n> and return its DSN with the password.

        migrated: a copy of a database migrated once per session to the app's schema (a
        template copy takes ~50 ms; running the migrations per test took seconds); else empty.
        """
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        template = f' TEMPLATE "{self._template()}"' if migrated else ""
        self.admin(f'CREATE DATABASE "{name}"{template}')
        return self.dsn(name)

    def _template(self) -> str:
        if self._migrated is None:
            from inbox.store import team

            name = f"template_{os.getpid()}"
            self.admin(f'DROP DATABASE IF EXISTS "{name}"')  # a failed try earlier
            self.admin(f'CREATE DATABASE "{name}"')
            team.open_connection(self.dsn(name)).close()  # migrate, seed nothing
            self._migrated = name
        return self._migrated

    def drop_database(self, dsn: str) -> None:
        name = dsn.rsplit("/", 1)[1]
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        env = {**os.environ, "PEER_DIR": str(self.folder / "pg")}
        subprocess.run(
            ["bash", str(SCRIPT), "stop"], env=env, capture_output=True, timeout=120, check=False
        )
        shutil.rmtree(self.folder, ignore_errors=True)
