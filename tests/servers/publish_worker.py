"""Subprocess entry for the exactly-once test: `schedule run --until-idle` against a test server.

    python -m tests.servers.publish_worker PROFILE_DIR SERVER_URL

The profile's Mastodon account has SERVER_URL (http://127.0.0.1:PORT) as its
instance, so the real Mastodon adapter (inbox.networks.mastodon), connected by
the same glue as `social-inbox sync`, talks to the test server. Its token
lives in an in-memory keyring, set before the CLI starts.
"""

from __future__ import annotations

import sys

from inbox import secrets
from inbox.cli.main import main

TOKEN = "test-token"
REMOTE_ID = "1"


def run(profile: str, server_url: str) -> int:
    secrets.use_memory_backend()
    secrets.set_secret(secrets.account_key("mastodon", server_url, REMOTE_ID), TOKEN)
    return main(["--profile", profile, "schedule", "run", "--until-idle", "--interval", "0.05"])


if __name__ == "__main__":
    sys.exit(run(sys.argv[1], sys.argv[2]))
