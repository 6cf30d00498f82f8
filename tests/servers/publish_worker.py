"""Subprocess entry for the exactly-once test: `schedule run --until-idle` against a test server.

    python -m tests.servers.publish_worker PROFILE_DIR SERVER_URL

The profile's Mastodon account has SERVER_URL (http://127.0.0.1:PORT) as its
instance, so the real Mastodon adapter (inbox.networks.mastodon), connected by
the same glue as `social-inbox sync`, talks to the test server. Its token
lives in an in-memory keyring, set before the CLI starts.

A team profile (team.json: the PostgreSQL server) needs the server's password, which
the parent's in-memory keyring holds: the parent writes it as the first line of this
process's standard input (as `team connect --password-stdin` reads it), and it goes into
this process's in-memory keyring only: never on the command line, in the environment,
the profile or a log. A local profile's line is empty.
"""

from __future__ import annotations

import sys
from contextlib import closing
from pathlib import Path

from inbox import secrets
from inbox.cli.main import main
from inbox.engine.accounts import token_key
from inbox.store import Store, team

TOKEN = "test-token"
REMOTE_ID = "1"


def run(profile: str, server_url: str) -> int:
    secrets.use_memory_backend()
    password = sys.stdin.readline().rstrip("\r\n")
    dsn = team.dsn_of(Path(profile) / "inbox.db")
    if dsn is not None:
        secrets.set_secret(secrets.team_key(dsn), password)
    with closing(Store(Path(profile) / "inbox.db")) as store:
        [account] = [a for a in store.accounts() if a.remote_id == REMOTE_ID]
        secrets.set_secret(token_key(store, account), TOKEN)
    return main(["--profile", profile, "schedule", "run", "--until-idle", "--interval", "0.05"])


if __name__ == "__main__":
    sys.exit(run(sys.argv[1], sys.argv[2]))
