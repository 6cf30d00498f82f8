"""Driving the local AT Protocol network from tests, the way another user would.

Every test makes accounts of its own (random handles), so tests and sessions that
share one running network never see each other's posts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


@dataclass
class Person:
    pds: str
    handle: str
    did: str
    password: str
    access: str

    def call(self, method: str, nsid: str, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.access}"}
        response = httpx.request(
            method, f"{self.pds}/xrpc/{nsid}", headers=headers, timeout=30, **kw
        )
        if response.status_code >= 400:
            raise AssertionError(f"{nsid}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def app_password(self, privileged: bool = False) -> str:
        name = f"inbox-{secrets.token_hex(3)}"
        body = {"name": name, "privileged": privileged}
        return str(self.call("POST", "com.atproto.server.createAppPassword", json=body)["password"])

    def revoke_app_passwords(self) -> None:
        for item in self.call("GET", "com.atproto.server.listAppPasswords")["passwords"]:
            self.call("POST", "com.atproto.server.revokeAppPassword", json={"name": item["name"]})

    def post(
        self, text: str, facets: list[Any] | None = None, reply: Any = None, embed: Any = None
    ) -> dict[str, str]:
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        }
        if facets:
            record["facets"] = facets
        if reply:
            record["reply"] = reply
        if embed:
            record["embed"] = embed
        body = {"repo": self.did, "collection": "app.bsky.feed.post", "record": record}
        return dict(self.call("POST", "com.atproto.repo.createRecord", json=body))

    def mention(
        self,
        other: Person,
        text_before: str = "Hey ",
        text_after: str = " help?",
        embed: Any = None,
    ) -> dict[str, str]:
        """A post that mentions other with a real mention facet."""
        text = f"{text_before}@{other.handle}{text_after}"
        start = len(text_before.encode())
        end = start + len(f"@{other.handle}".encode())
        facet = {
            "index": {"byteStart": start, "byteEnd": end},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": other.did}],
        }
        return self.post(text, [facet], embed=embed)

    def image(self, data: bytes, alt: str, mime: str = "image/png") -> dict[str, Any]:
        """An app.bsky.embed.images embed of one uploaded image (uploadBlob)."""
        response = httpx.post(
            f"{self.pds}/xrpc/com.atproto.repo.uploadBlob",
            content=data,
            headers={"Authorization": f"Bearer {self.access}", "Content-Type": mime},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        blob = response.json()["blob"]
        return {"$type": "app.bsky.embed.images", "images": [{"image": blob, "alt": alt}]}

    def indexed(self, uri: str) -> None:
        """Wait until the AppView has indexed uri. A reply indexed before its parent
        notifies nobody (the AppView finds the parent's author in its own tables, and
        it indexes each repository on its own queue), so tests wait before replying."""

        def found() -> bool:
            body = self.call("GET", "app.bsky.feed.getPosts", params={"uris": uri})
            return bool(body["posts"])

        wait_for(f"the AppView to index {uri}", found)

    def record(self, uri: str) -> dict[str, Any]:
        did, collection, rkey = uri.removeprefix("at://").split("/")
        return dict(
            self.call(
                "GET",
                "com.atproto.repo.getRecord",
                params={"repo": did, "collection": collection, "rkey": rkey},
            )
        )

    def posts(self) -> list[dict[str, Any]]:
        body = self.call(
            "GET",
            "com.atproto.repo.listRecords",
            params={"repo": self.did, "collection": "app.bsky.feed.post", "limit": 100},
        )
        return list(body["records"])


def new_person(env: dict[str, str], name: str = "u", indexed: bool = True) -> Person:
    """A new account on the local PDS; indexed=True waits until the AppView knows it."""
    pds = env["BSKY_PDS_URL"].replace("localhost", "127.0.0.1")
    handle = f"{name}{secrets.token_hex(4)}.test"
    password = secrets.token_urlsafe(12)
    response = httpx.post(
        f"{pds}/xrpc/com.atproto.server.createAccount",
        json={"handle": handle, "password": password, "email": f"{handle}@example.com"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    body = response.json()

    def appview_knows() -> bool:
        """The AppView indexes a new account on its own queue, behind other tests' posts;
        until then reading its profile (as signing in does) answers "Profile not found"."""
        profile = httpx.get(
            f"{pds}/xrpc/app.bsky.actor.getProfile",
            params={"actor": body["did"]},
            headers={"Authorization": f"Bearer {body['accessJwt']}"},
            timeout=30,
        )
        return profile.status_code == 200

    if indexed:
        wait_for(f"the AppView to index the new account {handle}", appview_knows)
    return Person(pds, handle, body["did"], password, body["accessJwt"])


def pds_url(env: dict[str, str]) -> str:
    """The PDS URL as a user types it (127.0.0.1, since the servers bind only there)."""
    return env["BSKY_PDS_URL"].replace("localhost", "127.0.0.1")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 90.0) -> T:
    """Poll probe until it returns something (the AppView indexes asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.3)


def expired(access_jwt: str) -> str:
    """The same access JWT, expired a minute ago, signed with dev-env's PDS secret."""

    def decode(part: str) -> dict[str, object]:
        return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))

    def encode(value: dict[str, object]) -> str:
        raw = json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header, payload, _ = access_jwt.split(".")
    claims = decode(payload)
    now = int(time.time())
    claims.update(iat=now - 7200, exp=now - 60)
    signing = f"{encode(decode(header))}.{encode(claims)}"
    sig = hmac.new(b"jwt-secret", signing.encode(), hashlib.sha256).digest()  # dev-env's
    return signing + "." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode()


def png(width: int, height: int, noise: bool = False) -> bytes:
    """A real PNG with a tEXt chunk holding a GPS position (metadata that must not leave)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    row = (lambda: os.urandom(3 * width)) if noise else (lambda: b"\x80\x20\x10" * width)
    raw = b"".join(b"\x00" + row() for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"tEXt", b"GPS\x0052.5,13.4")
        + chunk(b"IDAT", zlib.compress(raw, 0 if noise else 6))
        + chunk(b"IEND", b"")
    )
