"""Bluesky the way a user scripts it (`social-inbox` verbs), against the real local network.

The app talks to the PDS through a recording proxy on its own loopback port
(tests/integration/pds_proxy.py), so each test checks what the user reads and what the
server received: which XRPC methods, how often, and the records on the PDS.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest

from inbox import secrets
from inbox.engine.accounts import token_key
from inbox.networks.bluesky.xrpc import Session
from inbox.store import Store
from tests.cli_run import run
from tests.integration.bsky import Person, expired, new_person, pds_url, png, wait_for
from tests.integration.pds_proxy import PdsProxy, pds_proxy
from tests.servers.loopback import serve

pytestmark = pytest.mark.integration

CREATE = "com.atproto.server.createSession"
REFRESH = "com.atproto.server.refreshSession"


@pytest.fixture
def proxy(bsky_network) -> Iterator[tuple[PdsProxy, str]]:
    with pds_proxy(pds_url(bsky_network)) as found:
        yield found


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    folder = tmp_path / "profile"
    folder.mkdir()
    return folder


def add(profile: Path, person: Person, service: str, capsys, privileged: bool = False) -> None:
    code = run(profile, "accounts", "add", "bluesky", "--handle", person.handle,
               "--service", service, "--password-stdin",
               stdin=person.app_password(privileged) + "\n")  # fmt: skip
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()


def sync(profile: Path, capsys) -> tuple[int, str, str]:
    code = run(profile, "sync", "--once")
    out, err = capsys.readouterr()
    return code, out, err


def conversations(profile: Path, capsys) -> list[dict[str, Any]]:
    assert run(profile, "conversations", "list", "--json") == 0
    return list(json.loads(capsys.readouterr().out))


def arrives(profile: Path, capsys, words: str) -> dict[str, Any]:
    """Sync until a conversation holding words is listed (the AppView indexes async)."""

    def probe() -> dict[str, Any] | None:
        sync(profile, capsys)
        rows = conversations(profile, capsys)
        return next((r for r in rows if words in json.dumps(r, ensure_ascii=False)), None)

    return wait_for(f"{words!r} in conversations list", probe)


def session_of(profile: Path) -> tuple[str, Session]:
    with closing(Store(profile / "inbox.db", readonly=True)) as store:
        key = token_key(store, store.accounts()[0])
    return key, Session.loads(secrets.get_secret(key) or "")


def test_a_wrong_app_password_is_a_plain_error_and_adds_nothing(
    bsky_network, proxy, profile: Path, capsys
) -> None:
    calls, url = proxy
    shop = new_person(bsky_network, "wrong")
    code = run(profile, "accounts", "add", "bluesky", "--handle", shop.handle,
               "--service", url, "--password-stdin", stdin="nope-nope-nope-nope\n")  # fmt: skip
    _out, err = capsys.readouterr()
    assert code == 2
    assert "Wrong handle or app password" in err and "Traceback" not in err
    assert calls.count(CREATE) == 1  # asked once, not retried into the rate limit
    assert run(profile, "accounts", "list") == 0
    assert "No accounts" in capsys.readouterr().out


def test_sync_never_signs_in_again_and_an_expired_token_is_refreshed_and_kept(
    bsky_network, proxy, profile: Path, capsys
) -> None:
    calls, url = proxy
    shop, customer = new_person(bsky_network, "rot"), new_person(bsky_network, "rotc")
    add(profile, shop, url, capsys)
    assert calls.count(CREATE) == 1
    customer.mention(shop, "Hello ", " is the shop open on Sunday?")
    arrives(profile, capsys, "open on Sunday")
    mark = len(calls.calls)
    assert sync(profile, capsys)[0] == 0
    assert CREATE not in calls.since(mark) and REFRESH not in calls.since(mark)

    # Two hours later the access JWT has expired (the PDS answers 400 ExpiredToken).
    key, old = session_of(profile)
    stale = Session(old.did, old.handle, old.service, expired(old.access_jwt), old.refresh_jwt)
    secrets.set_secret(key, stale.dumps())
    mark = len(calls.calls)
    code, _out, err = sync(profile, capsys)
    assert code == 0, err
    assert calls.since(mark).count(REFRESH) == 1 and CREATE not in calls.since(mark)
    _, new = session_of(profile)  # the rotated pair is in the keyring
    assert new.refresh_jwt != old.refresh_jwt and new.access_jwt != stale.access_jwt
    # (The PDS still takes the old refresh JWT for a grace period, so that is not checked.)
    mark = len(calls.calls)
    assert sync(profile, capsys)[0] == 0  # and the next run uses it without a refresh
    assert REFRESH not in calls.since(mark) and CREATE not in calls.since(mark)
    with closing(Store(profile / "inbox.db", readonly=True)) as store:
        [account] = store.accounts()
    assert account.status == "ok"
    db = (profile / "inbox.db").read_bytes()
    assert new.refresh_jwt.encode() not in db and new.access_jwt.encode() not in db


def test_a_revoked_app_password_needs_sign_in_and_the_other_account_keeps_working(
    bsky_network, proxy, profile: Path, capsys
) -> None:
    calls, url = proxy
    shop, other = new_person(bsky_network, "revk"), new_person(bsky_network, "keep")
    customer = new_person(bsky_network, "revc")
    add(profile, shop, url, capsys)
    add(profile, other, pds_url(bsky_network), capsys)
    shop.revoke_app_passwords()  # in Bluesky's settings, on another device
    key, old = session_of(profile)  # and the access JWT of the day has run out
    secrets.set_secret(
        key,
        Session(old.did, old.handle, old.service, expired(old.access_jwt), old.refresh_jwt).dumps(),
    )
    customer.mention(other, "Hi ", " do you have gift cards?")

    mark = len(calls.calls)
    row = arrives(profile, capsys, "gift cards")  # the other account syncs as before
    assert other.handle in json.dumps(row) or customer.handle in json.dumps(row)
    code, _out, err = sync(profile, capsys)
    assert code == 1
    assert "account 1: needs_signin:" in err and "no longer accepts this sign-in" in err
    assert "Traceback" not in err
    assert CREATE not in calls.since(mark)  # never signs in on its own with a stored password
    assert run(profile, "accounts", "list") == 0
    listing = capsys.readouterr().out.splitlines()
    line = next(i for i, text in enumerate(listing) if f"@{shop.handle}" in text)
    assert "[needs_signin]" in listing[line] and "no longer accepts" in listing[line + 1]
    assert "[" not in next(t for t in listing if f"@{other.handle}" in t)  # still fine


def test_a_reply_whose_answer_was_lost_is_posted_exactly_once(
    bsky_network, proxy, profile: Path, capsys
) -> None:
    calls, url = proxy
    shop, customer = new_person(bsky_network, "lost"), new_person(bsky_network, "lostc")
    add(profile, shop, url, capsys)
    mention = customer.mention(shop, "Hi ", " has order 88 shipped?")
    row = arrives(profile, capsys, "order 88")
    code = run(profile, "reply", str(row["id"]), "--text-stdin",
               stdin=f"Yes @{customer.handle}, it left this morning 📦")  # fmt: skip
    assert code == 0
    capsys.readouterr()
    calls.lose_answer["com.atproto.repo.createRecord"] = 1  # the PDS writes; the answer is lost
    mark = len(calls.calls)
    code, out, err = sync(profile, capsys)
    assert code == 0, err
    assert "sent 1 item(s)" in out
    seen = calls.since(mark)
    assert seen.count("com.atproto.repo.createRecord") == 1
    assert "com.atproto.repo.getRecord" in seen  # the unknown outcome was looked up
    replies = [r for r in shop.posts() if r["value"].get("reply")]
    assert len(replies) == 1 and replies[0]["value"]["reply"]["parent"]["uri"] == mention["uri"]
    mark = len(calls.calls)
    assert sync(profile, capsys)[0] == 0
    assert "com.atproto.repo.createRecord" not in calls.since(mark)  # done is done
    assert run(profile, "conversations", "show", str(row["id"])) == 0
    shown = capsys.readouterr().out
    assert "it left this morning" in shown and "failed" not in shown.lower()


def test_a_deleted_parent_shows_as_a_placeholder_in_the_conversation(
    bsky_network, profile: Path, capsys
) -> None:
    shop, first, customer = (new_person(bsky_network, n) for n in ("plh", "orig", "plhc"))
    add(profile, shop, pds_url(bsky_network), capsys)
    original = first.post("Which tea shop has the blue mugs?")
    customer.indexed(original["uri"])
    ref = {"uri": original["uri"], "cid": original["cid"]}
    text = f"Ask @{shop.handle} about it"
    start = len(b"Ask ")
    facet = {
        "index": {"byteStart": start, "byteEnd": start + len(shop.handle) + 1},
        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": shop.did}],
    }
    answer = customer.post(text, [facet], reply={"root": ref, "parent": ref})
    customer.indexed(answer["uri"])  # getPostThread answers NotFound until then
    rkey = original["uri"].rsplit("/", 1)[-1]
    gone = {"repo": first.did, "collection": "app.bsky.feed.post", "rkey": rkey}
    first.call("POST", "com.atproto.repo.deleteRecord", json=gone)

    def parent_gone() -> bool:
        thread = customer.call("GET", "app.bsky.feed.getPostThread", params={"uri": answer["uri"]})[
            "thread"
        ]
        return bool(thread.get("parent", {}).get("notFound"))

    wait_for("the AppView to see the parent deleted", parent_gone)
    row = arrives(profile, capsys, "about it")
    assert run(profile, "conversations", "show", str(row["id"])) == 0
    shown = capsys.readouterr().out
    assert "[This post was deleted or is not visible]" in shown
    assert shown.index("[This post was deleted") < shown.index(f"Ask @{shop.handle} about it")


def test_an_image_post_with_alt_text_from_the_command_line(
    bsky_network, profile: Path, tmp_path: Path, capsys
) -> None:
    shop = new_person(bsky_network, "pic")
    add(profile, shop, pds_url(bsky_network), capsys)
    mug = tmp_path / "mug.png"
    mug.write_bytes(png(8, 4))
    code = run(profile, "post", "--account", f"@{shop.handle}", "--text-stdin",
               "--media", str(mug), "--alt", "A blue mug on a shelf",
               stdin="The blue mug is back ☕ https://example.com/mugs #tea")  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert capsys.readouterr().out.startswith("post 1: ")
    code, _out, err = sync(profile, capsys)
    assert code == 0, err
    [post] = [r["value"] for r in shop.posts()]
    [image] = post["embed"]["images"]
    assert image["alt"] == "A blue mug on a shelf"
    assert image["aspectRatio"] == {"width": 8, "height": 4}
    blob = httpx.get(
        f"{shop.pds}/xrpc/com.atproto.sync.getBlob",
        params={"did": shop.did, "cid": image["image"]["ref"]["$link"]},
    )
    assert blob.status_code == 200 and b"GPS" not in blob.content and b"IDAT" in blob.content
    kinds = {f["features"][0]["$type"].split("#")[1] for f in post["facets"]}
    assert kinds == {"link", "tag"}
    assert run(profile, "schedule", "list", "--json") == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["state"] == "published"
    assert listed["accounts"][0]["url"].startswith(f"https://bsky.app/profile/{shop.handle}/post/")

    # An image over Bluesky's 2 MB: the post fails in words, nothing reaches the PDS.
    big = tmp_path / "big.png"
    big.write_bytes(png(900, 800, noise=True))
    assert big.stat().st_size > 2_000_000
    code = run(profile, "post", "--account", f"@{shop.handle}", "--text-stdin",
               "--media", str(big), "--alt", "noise", stdin="Too big")  # fmt: skip
    assert code == 0
    capsys.readouterr()
    sync(profile, capsys)
    assert run(profile, "schedule", "list", "--json") == 0
    failed = [p for p in json.loads(capsys.readouterr().out) if p["text"] == "Too big"]
    assert failed[0]["state"] == "failed"
    assert "Bluesky takes images up to 2 MB" in json.dumps(failed[0])
    assert len(shop.posts()) == 1


def test_a_post_with_a_link_gets_a_card_from_the_page_unless_switched_off(
    bsky_network, profile: Path, capsys
) -> None:
    shop = new_person(bsky_network, "card")
    add(profile, shop, pds_url(bsky_network), capsys)
    fetched: list[str] = []

    def site(request: httpx.Request) -> httpx.Response:
        fetched.append(request.url.path)
        if request.url.path == "/old":  # a moved page: the card follows the redirect
            return httpx.Response(301, headers={"Location": "/winter-teas"})
        if request.url.path == "/winter-teas":
            page = (
                "<html><head><title>ignored when og:title is there</title>"
                '<meta property="og:title" content="Winter teas &amp; mugs">'
                '<meta property="og:description" content="Five blends for cold days.">'
                '<meta property="og:image" content="/img/card.png"></head>'
                "<body>…</body></html>"
            )
            return httpx.Response(200, html=page)
        if request.url.path == "/img/card.png":
            return httpx.Response(200, content=png(6, 3), headers={"Content-Type": "image/png"})
        return httpx.Response(404, text="no such page")

    with serve(site) as url:
        text = f"New on the blog: {url}/old"
        assert run(profile, "post", "--account", f"@{shop.handle}", "--text-stdin",
                   stdin=text) == 0  # fmt: skip
        capsys.readouterr()
        assert sync(profile, capsys)[0] == 0
        [post] = [r["value"] for r in shop.posts()]
        external = post["embed"]["external"]
        assert post["embed"]["$type"] == "app.bsky.embed.external"
        assert external["uri"] == f"{url}/old"  # the link as written
        assert external["title"] == "Winter teas & mugs"
        assert external["description"] == "Five blends for cold days."
        thumb = httpx.get(
            f"{shop.pds}/xrpc/com.atproto.sync.getBlob",
            params={"did": shop.did, "cid": external["thumb"]["ref"]["$link"]},
        )
        assert thumb.status_code == 200 and b"GPS" not in thumb.content
        assert fetched == ["/old", "/winter-teas", "/img/card.png"]

        # A page that cannot be read: the post goes out, without a card.
        assert run(profile, "post", "--account", f"@{shop.handle}", "--text-stdin",
                   stdin=f"Gone: {url}/missing") == 0  # fmt: skip
        assert sync(profile, capsys)[0] == 0
        gone = next(r["value"] for r in shop.posts() if r["value"]["text"].startswith("Gone"))
        assert "embed" not in gone and gone["facets"][0]["features"][0]["uri"] == f"{url}/missing"

        # Switched off in Preferences: no card, and the page is not even asked.
        with closing(Store(profile / "inbox.db")) as store:
            store.set_setting("publishing.link_cards", False)
        fetched.clear()
        assert run(profile, "post", "--account", f"@{shop.handle}", "--text-stdin",
                   stdin=f"Plain: {url}/winter-teas") == 0  # fmt: skip
        assert sync(profile, capsys)[0] == 0
        plain = next(r["value"] for r in shop.posts() if r["value"]["text"].startswith("Plain"))
        assert "embed" not in plain and fetched == []


def test_an_unknown_outcome_is_retried_by_a_later_run_with_the_same_record_key(
    bsky_network, proxy, profile: Path, capsys
) -> None:
    """The answer is lost and the PDS cannot be asked about it: the row waits. A later
    process (`outbox retry`, `sync --once`) writes with the same rkey: one record."""
    calls, url = proxy
    shop, customer = new_person(bsky_network, "unk"), new_person(bsky_network, "unkc")
    add(profile, shop, url, capsys)
    customer.mention(shop, "Hi ", " is order 91 on its way?")
    row = arrives(profile, capsys, "order 91")
    assert run(profile, "reply", str(row["id"]), "--text-stdin",
               stdin="Yes, it left on Monday") == 0  # fmt: skip
    capsys.readouterr()
    calls.lose_answer["com.atproto.repo.createRecord"] = 1  # written; the answer is lost
    calls.fail["com.atproto.repo.getRecord"] = 4  # and the look-up fails, retries included
    sync(profile, capsys)
    assert run(profile, "outbox", "list", "--json") == 0
    [waiting] = json.loads(capsys.readouterr().out)
    assert waiting["status"] != "done" and waiting["attempts"] >= 1
    assert run(profile, "outbox", "retry", str(waiting["id"])) == 0
    capsys.readouterr()
    code, _out, err = sync(profile, capsys)  # a new run: nothing of the first in memory
    assert code == 0, err
    writes = [json.loads(b) for n, b in calls.bodies if n == "com.atproto.repo.createRecord"]
    assert len(writes) == 2  # the PDS refuses the second: that key is taken, getRecord finds it
    assert writes[0]["rkey"] == writes[1]["rkey"]  # the same record key in both runs
    assert [r["value"]["text"] for r in shop.posts()].count("Yes, it left on Monday") == 1
    assert run(profile, "outbox", "list", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []  # delivered
