"""The Bluesky adapter against a real local AT Protocol network (PLC + PDS + AppView).

Each test signs in accounts of its own with app passwords, drives the adapter
or the CLI the way a user does, and checks what the PDS stored.
"""

from __future__ import annotations

import asyncio
import io
import json
import struct
import time
import zlib
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from inbox import secrets
from inbox.cli.main import main
from inbox.core.errors import AuthExpired
from inbox.core.models import Media
from inbox.engine import accounts
from inbox.engine.accounts import token_key
from inbox.networks.base import DMS, MENTIONS, Outgoing
from inbox.networks.bluesky import BlueskyAdapter, identity
from inbox.networks.bluesky.xrpc import Session
from inbox.store import Store
from tests.integration.bsky import Person, new_person, pds_url, wait_for
from tests.integration.bsky import expired as _expired

pytestmark = pytest.mark.integration


class _Loop:
    """One event loop per test: an adapter's connections belong to the loop that made them."""

    runner: asyncio.Runner | None = None

    def run(self, coro):  # type: ignore[no-untyped-def]
        assert self.runner is not None
        return self.runner.run(coro)


LOOP = _Loop()


@pytest.fixture(autouse=True)
def _event_loop():
    with asyncio.Runner() as runner:
        LOOP.runner = runner
        yield
        LOOP.runner = None


def sign_in(env: dict[str, str], person: Person, privileged: bool = False) -> BlueskyAdapter:
    async def go() -> tuple[object, str]:
        async with httpx.AsyncClient() as http:
            return await accounts.sign_in_with_password(
                http, "bluesky", person.handle, person.app_password(privileged), pds_url(env)
            )

    info, token = LOOP.run(go())
    saved: list[str] = []
    adapter = BlueskyAdapter(info, token, save_token=saved.append)  # type: ignore[arg-type]
    adapter.saved = saved  # type: ignore[attr-defined]
    return adapter


def fetch_all(adapter: BlueskyAdapter, stream: str, cursor: str | None = None):
    async def go():
        items, rejected, cur = [], [], cursor
        for _ in range(20):
            page = await adapter.fetch(stream, cur)
            items += page.items
            rejected += page.rejected
            cur = page.next_cursor
            if not page.more:
                break
        return items, rejected, cur

    return LOOP.run(go())


def test_sign_in_with_an_app_password_keeps_the_service_url(bsky_network) -> None:
    # Signed in the moment the account exists, before the AppView may have indexed it.
    shop = new_person(bsky_network, "shop", indexed=False)

    async def go():
        async with httpx.AsyncClient() as http:
            return await accounts.sign_in_with_password(
                http,
                "bluesky",
                f"@{shop.handle.upper()}",
                shop.app_password(),
                pds_url(bsky_network) + "/",
            )

    info, token = LOOP.run(go())
    assert info.network == "bluesky" and info.remote_id == shop.did and info.handle == shop.handle
    assert info.instance == pds_url(bsky_network)  # scheme, host and port exactly
    session = Session.loads(token)
    assert session.did == shop.did and session.access_jwt and session.refresh_jwt


def test_the_pds_is_found_from_the_handle(bsky_network) -> None:
    shop = new_person(bsky_network, "find")

    async def go():
        async with httpx.AsyncClient() as http:
            return await identity.find_pds(
                http, shop.handle, resolver=pds_url(bsky_network), plc=bsky_network["BSKY_PLC_URL"]
            )

    found = LOOP.run(go())
    assert httpx.URL(found).port == httpx.URL(pds_url(bsky_network)).port


def test_a_wrong_password_is_a_plain_error(bsky_network) -> None:
    shop = new_person(bsky_network, "wrong")

    async def go():
        async with httpx.AsyncClient() as http:
            await accounts.sign_in_with_password(
                http, "bluesky", shop.handle, "nope-nope-nope-nope", pds_url(bsky_network)
            )

    with pytest.raises(AuthExpired, match="Wrong handle or app password"):
        LOOP.run(go())


def test_mentions_replies_and_quotes_arrive_with_thread_and_facets(bsky_network) -> None:
    shop, customer = new_person(bsky_network, "shop"), new_person(bsky_network, "cust")
    adapter = sign_in(bsky_network, shop)
    announce = shop.post("New teas are in! Ask us anything.")
    customer.indexed(announce["uri"])
    ref = {"uri": announce["uri"], "cid": announce["cid"]}
    reply = customer.post("Do you ship to Köln? 🍵", reply={"root": ref, "parent": ref})
    mention = customer.mention(shop, "Héllo ", " is the blue mug back?")
    quote = customer.call(
        "POST",
        "com.atproto.repo.createRecord",
        json={
            "repo": customer.did,
            "collection": "app.bsky.feed.post",
            "record": {
                "$type": "app.bsky.feed.post",
                "text": "Look at this shop",
                "createdAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                "embed": {"$type": "app.bsky.embed.record", "record": ref},
            },
        },
    )

    def ready():
        items, rejected, cursor = fetch_all(adapter, MENTIONS)
        uris = {m.remote_id for m in items}
        want = {reply["uri"], mention["uri"], quote["uri"]}
        return (items, rejected, cursor) if want <= uris else None

    items, rejected, cursor = wait_for("three notifications", ready)
    assert rejected == []
    by_uri = {m.remote_id: m for m in items}
    r = by_uri[reply["uri"]]
    assert r.kind.value == "reply" and r.text == "Do you ship to Köln? 🍵"
    assert r.conversation_key == f"thread:{announce['uri']}"
    assert r.author.remote_id == customer.did and r.author.handle == customer.handle
    assert by_uri[announce["uri"]].direction.value == "out"  # the parent: our own post
    m = by_uri[mention["uri"]]
    assert m.kind.value == "mention" and m.mentions == (shop.handle,)
    assert f'href="https://bsky.app/profile/{shop.did}"' in m.html
    q = by_uri[quote["uri"]]
    assert q.kind.value == "quote" and "Quoting @" in q.text and "New teas are in!" in q.text
    # The next sync reads only what is new.
    again, _, _ = fetch_all(adapter, MENTIONS, cursor)
    assert again == []
    later = customer.mention(shop, "One more, ", "!")
    newer = wait_for(
        "the next mention",
        lambda: [i for i in fetch_all(adapter, MENTIONS, cursor)[0] if i.remote_id == later["uri"]],
    )
    assert len(newer) == 1


def test_reply_in_thread_with_facets_at_byte_offsets(bsky_network) -> None:
    shop, customer = new_person(bsky_network, "shop"), new_person(bsky_network, "cust")
    adapter = sign_in(bsky_network, shop)
    root = shop.post("Our winter menu ☕")
    customer.indexed(root["uri"])
    root_ref = {"uri": root["uri"], "cid": root["cid"]}
    question = customer.post("Any oat milk?", reply={"root": root_ref, "parent": root_ref})
    items = wait_for(
        "the reply",
        lambda: [m for m in fetch_all(adapter, MENTIONS)[0] if m.remote_id == question["uri"]],
    )
    text = f"Héllo @{customer.handle} 🎉 see https://example.com/x #help"
    sent = LOOP.run(adapter.send(Outgoing(text=text, idempotency_key="k-1", in_reply_to=items[0])))
    record = shop.record(sent.remote_id)["value"]
    assert record["reply"]["root"] == root_ref
    assert record["reply"]["parent"] == {"uri": question["uri"], "cid": question["cid"]}
    data = text.encode()
    spans = {
        f["features"][0]["$type"].split("#")[1]: (
            f["index"]["byteStart"],
            f["index"]["byteEnd"],
            f["features"][0],
        )
        for f in record["facets"]
    }
    start, end, mention = spans["mention"]
    assert data[start:end] == f"@{customer.handle}".encode() and start == 7  # é is 2 bytes
    assert mention["did"] == customer.did
    start, end, link = spans["link"]
    assert data[start:end] == b"https://example.com/x" and link["uri"] == "https://example.com/x"
    start, end, tag = spans["tag"]
    assert data[start:end] == b"#help" and tag["tag"] == "help"


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    raw = b"".join(b"\x00" + b"\x80\x20\x10" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"tEXt", b"GPS\x0052.5,13.4")
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_image_post_with_alt_text_and_no_metadata(bsky_network, tmp_path: Path) -> None:
    shop = new_person(bsky_network, "img")
    adapter = sign_in(bsky_network, shop)
    image = tmp_path / "mug.png"
    image.write_bytes(_png(8, 4))
    sent = LOOP.run(
        adapter.send(
            Outgoing(
                text="The blue mug is back",
                idempotency_key="img-1",
                media=(Media(kind="image", url=str(image), description="A blue mug on a shelf"),),
                media_files=(str(image),),
            )
        )
    )
    record = shop.record(sent.remote_id)["value"]
    [img] = record["embed"]["images"]
    assert img["alt"] == "A blue mug on a shelf"
    assert img["aspectRatio"] == {"width": 8, "height": 4}
    blob = httpx.get(
        f"{shop.pds}/xrpc/com.atproto.sync.getBlob",
        params={"did": shop.did, "cid": img["image"]["ref"]["$link"]},
    )
    assert blob.status_code == 200 and b"GPS" not in blob.content and b"IDAT" in blob.content


def test_an_expired_access_token_is_refreshed_and_saved(bsky_network) -> None:
    shop = new_person(bsky_network, "exp")
    adapter = sign_in(bsky_network, shop)
    session = adapter.xrpc.session
    assert session is not None
    # An access JWT the PDS signed but that has expired: the server answers 400 ExpiredToken.
    expired = _expired(session.access_jwt)
    probe = httpx.get(
        f"{shop.pds}/xrpc/com.atproto.server.getSession",
        headers={"Authorization": f"Bearer {expired}"},
    )
    assert probe.status_code == 400 and probe.json()["error"] == "ExpiredToken"
    adapter.xrpc.session = Session(
        session.did, session.handle, session.service, expired, session.refresh_jwt
    )
    info = LOOP.run(adapter.verify())
    assert info.remote_id == shop.did
    [saved] = adapter.saved  # type: ignore[attr-defined]
    new = Session.loads(saved)
    assert new.refresh_jwt != session.refresh_jwt and new.access_jwt != expired
    # The saved session is the one that works from now on (the PDS rotated the refresh JWT).
    check = httpx.get(
        f"{shop.pds}/xrpc/com.atproto.server.getSession",
        headers={"Authorization": f"Bearer {new.access_jwt}"},
    )
    assert check.status_code == 200 and check.json()["did"] == shop.did


def test_a_revoked_app_password_needs_sign_in(bsky_network) -> None:
    shop = new_person(bsky_network, "rev")
    adapter = sign_in(bsky_network, shop)
    shop.revoke_app_passwords()
    session = adapter.xrpc.session
    assert session is not None
    adapter.xrpc.session = Session(
        session.did,
        session.handle,
        session.service,
        _expired(session.access_jwt),
        session.refresh_jwt,
    )
    with pytest.raises(AuthExpired):
        LOOP.run(adapter.verify())


class _TimeoutAfterSend(httpx.AsyncBaseTransport):
    """Passes createRecord to the PDS, then loses the answer (an unknown outcome)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.dropped = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path.endswith("createRecord") and self.dropped == 0:
            self.dropped += 1
            await response.aread()
            raise httpx.ReadTimeout("answer lost", request=request)
        return response


def test_a_retry_after_a_lost_answer_posts_exactly_once(bsky_network) -> None:
    shop = new_person(bsky_network, "once")
    base = sign_in(bsky_network, shop)
    assert base.xrpc.session is not None
    transport = _TimeoutAfterSend()
    http = httpx.AsyncClient(transport=transport)
    adapter = BlueskyAdapter(base.info, base.xrpc.session.dumps(), http=http)
    outgoing = Outgoing(text="Exactly once, please", idempotency_key="outbox-row-42")
    first = LOOP.run(adapter.send(outgoing))  # the answer was lost; getRecord found it
    second = LOOP.run(adapter.send(outgoing))  # the outbox retries the same row
    assert transport.dropped == 1
    assert first.remote_id == second.remote_id
    texts = [r["value"]["text"] for r in shop.posts()]
    assert texts.count("Exactly once, please") == 1


def test_dms_without_a_chat_service_do_not_stop_mentions(bsky_network) -> None:
    shop = new_person(bsky_network, "dm")
    adapter = sign_in(bsky_network, shop)
    page = LOOP.run(adapter.fetch(DMS, None))
    assert page.items == () and page.rejected == ()
    assert adapter.status_text().startswith("Direct messages")  # the account's state
    again = LOOP.run(adapter.fetch(DMS, page.next_cursor))
    assert again.next_cursor == page.next_cursor  # paused: not asked again
    assert adapter.status_text().startswith("Direct messages")


# -- the whole path through the command line ---------------------------------------------


def run(profile: Path, *args: str, stdin: str = "", monkeypatch=None) -> int:
    if monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--profile", str(profile), *args])


def test_cli_add_sync_list_and_reply(bsky_network, tmp_path: Path, monkeypatch, capsys) -> None:
    shop, customer = new_person(bsky_network, "cli"), new_person(bsky_network, "clic")
    profile = tmp_path / "profile"
    profile.mkdir()
    password = shop.app_password()
    code = run(
        profile,
        "accounts", "add", "bluesky", "--handle", shop.handle,
        "--service", pds_url(bsky_network), "--password-stdin",
        stdin=password + "\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert f"@{shop.handle}" in out and password not in out
    with closing(Store(profile / "inbox.db", readonly=True)) as store:
        key = token_key(store, store.accounts()[0])
    assert Session.loads(secrets.get_secret(key) or "").did == shop.did
    assert password.encode() not in (profile / "inbox.db").read_bytes()

    mention = customer.mention(shop, "Hi ", " where is order 7?")

    def listed():
        assert run(profile, "sync", "--once") in (0, 1)
        capsys.readouterr()
        assert run(profile, "conversations", "list", "--json") == 0
        rows = json.loads(capsys.readouterr().out)
        return rows or None

    rows = wait_for("the mention in conversations list", listed)
    [row] = rows
    assert customer.handle in json.dumps(row)
    code = run(
        profile, "reply", str(row["id"]), "--text-stdin",
        stdin=f"On its way, @{customer.handle}!", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0
    assert run(profile, "sync", "--once") in (0, 1)
    capsys.readouterr()
    replies = [r for r in shop.posts() if r["value"].get("reply")]
    assert len(replies) == 1
    value = replies[0]["value"]
    assert value["reply"]["parent"]["uri"] == mention["uri"]
    assert value["facets"][0]["features"][0]["did"] == customer.did
    store = Store(profile / "inbox.db")
    assert store.accounts()[0].network == "bluesky"
    store.close()
