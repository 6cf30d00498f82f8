"""The DID document comes from whoever runs the PLC directory or the did:web host: an
answer without end, one that drips, or JSON nested 100,000 deep is a clear error at
sign-in (it was read whole with no bound, and the nesting raised RecursionError)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from inbox import transport
from inbox.core.errors import ConfigError, NetworkError
from inbox.networks.bluesky import identity
from tests.servers.loopback import serve

DID = "did:plc:shop000000000000000000"


def _answer(write: Any) -> Any:
    requests: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(
            200, headers={"Content-Type": "application/json"}, extensions={"loopback.write": write}
        )

    handle.requests = requests  # type: ignore[attr-defined]
    return handle


def _endless(wfile: Any) -> None:
    wfile.write(b'{"id": "' + b"x" * 65536)
    while True:
        wfile.write(b"x" * 65536)


def _drip(wfile: Any) -> None:
    for _ in range(400):
        wfile.write(b" ")
        wfile.flush()
        time.sleep(0.05)


def _document(url: str) -> Any:
    async def go() -> Any:
        async with httpx.AsyncClient() as http:
            return await identity.did_document(http, DID, plc=url)

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("write", "error", "words"),
    [
        (_endless, NetworkError, "more than 1 MB"),
        (lambda w: w.write(b"[" * 100_000), ConfigError, "nested more than 64 levels deep"),
        (lambda w: w.write(b"<html>"), ConfigError, "cannot be read"),
    ],
)
def test_a_hostile_did_document_is_a_clear_error(write, error, words) -> None:
    handle = _answer(write)
    with serve(handle) as url, pytest.raises(error, match=words):
        _document(url)
    assert [r.url.path for r in handle.requests] == [f"/{DID}"]


def test_a_dripping_did_document_hits_the_deadline(monkeypatch) -> None:
    real = transport.send

    async def quicker(*args: Any, **kwargs: Any) -> Any:
        kwargs["deadline"] = min(kwargs.get("deadline") or 60.0, 2.0)
        return await real(*args, **kwargs)

    monkeypatch.setattr(transport, "send", quicker)
    with serve(_answer(_drip)) as url, pytest.raises(NetworkError, match="within 2 s"):
        _document(url)


def test_a_good_did_document_names_its_pds() -> None:
    doc = {"id": DID, "service": [{"id": "#atproto_pds", "serviceEndpoint": "https://pds.test/"}]}
    with serve(lambda r: httpx.Response(200, json=doc)) as url:
        assert identity.pds_of(_document(url)) == "https://pds.test"
