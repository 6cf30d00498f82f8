"""Replays recorded responses through httpx.MockTransport, in order, and keeps the requests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

DATA = Path(__file__).parent.parent / "data" / "connectors"


@dataclass
class Step:
    method: str
    path: str  # the request path must end with this
    status: int = 200
    file: str = ""  # under tests/data/connectors/
    headers: dict[str, str] = field(default_factory=dict)


class Replay:
    """Answers each request with the next step; a request that does not match fails the test."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert self.steps, f"unexpected request {request.method} {request.url}"
        step = self.steps.pop(0)
        assert request.method == step.method and request.url.path.endswith(step.path), (
            f"expected {step.method} …{step.path}, got {request.method} {request.url}"
        )
        body = (DATA / step.file).read_bytes() if step.file else b""
        headers = {"Content-Type": "application/json", **step.headers}
        return httpx.Response(step.status, content=body, headers=headers)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def body(self, index: int) -> Any:
        return json.loads(self.requests[index].content)

    def done(self) -> bool:
        return not self.steps
