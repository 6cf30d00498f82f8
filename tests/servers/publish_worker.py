"""Subprocess entry for the exactly-once test: `schedule run --until-idle` against a test server.

    python -m tests.servers.publish_worker PROFILE_DIR SERVER_URL

Uses the real Mastodon adapter when this build has one (inbox.networks.mastodon);
otherwise a minimal adapter that speaks just POST /api/v1/statuses. The token
lives in an in-memory keyring, set before the CLI starts.
"""

from __future__ import annotations

import sys

import httpx

from inbox import secrets
from inbox.cli.main import main
from inbox.core.errors import NetworkError, RemoteRejected
from inbox.core.models import AccountInfo
from inbox.networks import base
from inbox.networks.base import Limits, Outgoing, Page, Sent

TOKEN = "test-token"


class StatusesAdapter:
    """Just enough of a Mastodon adapter to post statuses with an Idempotency-Key."""

    network = "mastodon"

    def __init__(self, info: AccountInfo, token: str, **_options: object) -> None:
        self._info = info
        self._http = httpx.AsyncClient(
            base_url=info.instance,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )

    async def verify(self) -> AccountInfo:
        return self._info

    async def fetch(self, stream: str, cursor: str | None) -> Page:
        return Page((), cursor)

    async def send(self, outgoing: Outgoing) -> Sent:
        try:
            response = await self._http.post(
                "/api/v1/statuses",
                data={"status": outgoing.text, "visibility": outgoing.visibility},
                headers={"Idempotency-Key": outgoing.idempotency_key},
            )
        except httpx.TransportError as exc:
            raise NetworkError(f"Cannot reach the server: {exc}") from exc
        if response.status_code >= 500:
            raise NetworkError(f"Server error {response.status_code}")
        if response.status_code >= 400:
            raise RemoteRejected(response.json().get("error", ""), response.status_code)
        body = response.json()
        return Sent(remote_id=body["id"], url=body.get("url", ""))

    async def limits(self) -> Limits:
        return Limits()

    async def aclose(self) -> None:
        await self._http.aclose()


def run(profile: str, server_url: str) -> int:
    secrets.use_memory_backend()
    secrets.set_secret(secrets.account_key("mastodon", server_url, "1"), TOKEN)
    try:
        base.adapter_for("mastodon")
    except Exception:  # no real adapter in this build: use the minimal one
        base.register("mastodon", StatusesAdapter)
    return main(["--profile", profile, "schedule", "run", "--until-idle", "--interval", "0.05"])


if __name__ == "__main__":
    sys.exit(run(sys.argv[1], sys.argv[2]))
