"""The HTTP client the CLI verbs use; tests swap TRANSPORT for an httpx.MockTransport."""

from __future__ import annotations

import httpx

TRANSPORT: httpx.AsyncBaseTransport | None = None


def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=TRANSPORT, timeout=httpx.Timeout(30.0, connect=10.0))
