"""Bluesky through the command line against a loopback PDS serving recorded payloads.

For what the local AT Protocol network (tests/integration) cannot do: it sends no
`RateLimit-*` headers (dev-env turns rate limits off), has no chat service (so an app
password without DM access cannot be told apart there), and never fails on purpose.
The payloads are the documented lexicon shapes in tests/data/bluesky. Each test signs
in with `accounts add bluesky --service URL --password-stdin`, runs `sync --once`, and
checks what the user reads (stdout, stderr, `accounts list`, `conversations list`) and
what the server received.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from inbox.store import Store
from tests.cli_run import run
from tests.servers.loopback import serve

DATA = Path(__file__).parents[1] / "data" / "bluesky"
SHOP = "did:plc:shop000000000000000000"
PASSWORD = "abcd-efgh-ijkl-mnop"
NOTIFICATIONS = "app.bsky.notification.listNotifications"
REPLY = "at://did:plc:cust000000000000000000/app.bsky.feed.post/3lreply000001"
QUOTE = "at://did:plc:cust000000000000000000/app.bsky.feed.post/3lquote000001"


def recorded(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


Route = Callable[[httpx.Request], httpx.Response]


class RecordedPds:
    """A PDS on a loopback port answering from the recordings; routes can be replaced."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.lock = threading.Lock()
        threads = {
            REPLY: recorded("getPostThread.reply.json"),
            QUOTE: recorded("getPostThread.quote.json"),
        }
        self.routes: dict[str, Route] = {
            "com.atproto.server.createSession": lambda r: httpx.Response(
                200,
                json={"accessJwt": "a1", "refreshJwt": "r1", "did": SHOP, "handle": "teashop.test"},
            ),
            "app.bsky.actor.getProfile": lambda r: httpx.Response(
                200, json={"did": SHOP, "handle": "teashop.test", "displayName": "Tea Shop"}
            ),
            NOTIFICATIONS: lambda r: httpx.Response(200, json=recorded("listNotifications.json")),
            "app.bsky.feed.getPostThread": lambda r: httpx.Response(
                200, json=threads[r.url.params["uri"]]
            ),
            "com.atproto.repo.listRecords": lambda r: httpx.Response(200, json={"records": []}),
            "chat.bsky.convo.listConvos": lambda r: httpx.Response(200, json={"convos": []}),
            "chat.bsky.convo.getLog": lambda r: httpx.Response(200, json={"logs": []}),
        }

    def handle(self, request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.removeprefix("/xrpc/")
        with self.lock:
            self.calls.append(nsid)
        route = self.routes.get(nsid)
        if route is None:
            return httpx.Response(501, json={"error": "MethodNotImplemented", "message": nsid})
        return route(request)

    def count(self, nsid: str) -> int:
        with self.lock:
            return self.calls.count(nsid)


@pytest.fixture
def pds() -> RecordedPds:
    return RecordedPds()


@pytest.fixture
def signed_in(tmp_path: Path, pds: RecordedPds, capsys) -> Iterator[Path]:
    """A profile with the loopback PDS's account added through `accounts add`."""
    profile = tmp_path / "profile"
    profile.mkdir()
    with closing(Store(profile / "inbox.db")) as store:
        store.set_setting("sync.backfill_days", 36500)  # the recordings are from March 2026
    with serve(pds.handle) as url:
        code = run(profile, "accounts", "add", "bluesky", "--handle", "teashop.test",
                   "--service", url, "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
        assert code == 0, capsys.readouterr().err
        capsys.readouterr()
        yield profile


def listed(profile: Path, capsys) -> list[dict[str, Any]]:
    assert run(profile, "conversations", "list", "--json") == 0
    return list(json.loads(capsys.readouterr().out))


def accounts(profile: Path, capsys) -> str:
    assert run(profile, "accounts", "list") == 0
    return str(capsys.readouterr().out)


def test_the_rate_budget_from_the_headers_is_in_the_account_status(
    signed_in: Path, pds: RecordedPds, capsys
) -> None:
    reset = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=4)
    headers = {
        "RateLimit-Limit": "3000",
        "RateLimit-Remaining": "2987",
        "RateLimit-Reset": str(int(reset.timestamp())),
        "RateLimit-Policy": "3000;w=300",
    }
    pds.routes[NOTIFICATIONS] = lambda r: httpx.Response(
        200, json=recorded("listNotifications.json"), headers=headers
    )
    assert run(signed_in, "sync", "--once") == 0
    out = capsys.readouterr().out
    budget = f"2987/3000 requests left until {reset:%H:%M:%S} UTC"
    assert f"account 1: {budget}" in out
    assert budget in accounts(signed_in, capsys)  # what the account's status line says


def test_a_429_waits_until_the_reset_and_says_so(signed_in: Path, pds: RecordedPds, capsys) -> None:
    reset = datetime.now(UTC) + timedelta(seconds=300)
    headers = {"RateLimit-Limit": "3000", "RateLimit-Remaining": "0",
               "RateLimit-Reset": str(int(reset.timestamp()))}  # fmt: skip
    pds.routes[NOTIFICATIONS] = lambda r: httpx.Response(
        429, json=recorded("rateLimited.json"), headers=headers
    )
    assert run(signed_in, "sync", "--once") == 1
    err = capsys.readouterr().err
    assert "account 1: rate_limited: waiting" in err and "Traceback" not in err
    assert pds.count(NOTIFICATIONS) == 1  # not hammered: one request, then the wait
    assert "[rate_limited]" in accounts(signed_in, capsys)
    assert listed(signed_in, capsys) == []


def test_upstream_failures_are_retried_and_nothing_is_skipped(
    signed_in: Path, pds: RecordedPds, capsys
) -> None:
    failing = {"left": 2}

    def flaky(request: httpx.Request) -> httpx.Response:
        if failing["left"]:
            failing["left"] -= 1
            return httpx.Response(502, json=recorded("upstreamFailure.json"))
        return httpx.Response(200, json=recorded("listNotifications.json"))

    pds.routes[NOTIFICATIONS] = flaky
    assert run(signed_in, "sync", "--once") == 0
    capsys.readouterr()
    assert pds.count(NOTIFICATIONS) >= 3  # two 502s retried with backoff, then the page
    texts = json.dumps(listed(signed_in, capsys), ensure_ascii=False)
    assert "is the mug back?" in texts and "Look at this" in texts

    # A PDS that keeps failing: reported in its words, the cursor stays where it was.
    pds.routes[NOTIFICATIONS] = lambda r: httpx.Response(502, json=recorded("upstreamFailure.json"))
    with closing(Store(signed_in / "inbox.db", readonly=True)) as store:
        before = store.cursor(1, "mentions")
    assert run(signed_in, "sync", "--once") == 1
    err = capsys.readouterr().err
    assert "UpstreamFailure" in err and "Traceback" not in err
    with closing(Store(signed_in / "inbox.db", readonly=True)) as store:
        assert store.cursor(1, "mentions") == before


def test_an_unreadable_item_is_set_aside_and_reported(
    signed_in: Path, pds: RecordedPds, capsys
) -> None:
    # The recording holds one notification without a usable uri among the good ones.
    assert run(signed_in, "sync", "--once") == 0
    err = capsys.readouterr().err
    assert "@teashop.test: 1 item(s) could not be read and were set aside" in err
    texts = json.dumps(listed(signed_in, capsys), ensure_ascii=False)
    assert "is the mug back?" in texts and "Look at this" in texts
    with closing(Store(signed_in / "inbox.db", readonly=True)) as store:
        [(source, raw)] = store.query("SELECT source, raw FROM quarantine")
    assert source == "account:1:mentions" and "42" in raw  # kept whole, for a look later
    # Reported once: the next sync reads from the high-water mark and finds nothing new.
    assert run(signed_in, "sync", "--once") == 0
    assert "could not be read" not in capsys.readouterr().err


def test_an_app_password_without_dm_access_is_said_once_not_an_error_loop(
    signed_in: Path, pds: RecordedPds, capsys
) -> None:
    denied = recorded("badTokenMethod.json")
    pds.routes["chat.bsky.convo.listConvos"] = lambda r: httpx.Response(400, json=denied)
    assert run(signed_in, "sync", "--once") == 0  # mentions still work
    out, err = capsys.readouterr()
    assert "account 1: This app password cannot read direct messages" in out
    assert "direct messages" not in err.lower()  # a state of the account, not an error
    assert "Allow access to your direct messages" in accounts(signed_in, capsys)
    assert "is the mug back?" in json.dumps(listed(signed_in, capsys), ensure_ascii=False)
    asked = pds.count("chat.bsky.convo.listConvos")
    assert run(signed_in, "sync", "--once") == 0
    capsys.readouterr()
    assert pds.count("chat.bsky.convo.listConvos") == asked  # not asked again for a day
    assert "cannot read direct messages" in accounts(signed_in, capsys)  # still the state


def test_a_dm_arrives_and_the_reply_goes_through_the_chat_proxy(
    signed_in: Path, pds: RecordedPds, capsys
) -> None:
    sent: list[httpx.Request] = []

    def send(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        body = json.loads(request.content)
        return httpx.Response(
            200,
            json={
                "$type": "chat.bsky.convo.defs#messageView",
                "id": "3ldmmsg0000099",
                "rev": "3ldmrev0000099",
                "text": body["message"]["text"],
                "sender": {"did": SHOP},
                "sentAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            },
        )

    pds.routes["chat.bsky.convo.listConvos"] = lambda r: httpx.Response(
        200, json=recorded("listConvos.json")
    )
    pds.routes["chat.bsky.convo.getMessages"] = lambda r: httpx.Response(
        200, json=recorded("getMessages.json")
    )
    pds.routes["chat.bsky.convo.sendMessage"] = send
    assert run(signed_in, "sync", "--once") == 0
    capsys.readouterr()
    [row] = [r for r in listed(signed_in, capsys) if r["kind"] == "dm"]
    assert row["contact"] == "customer.test" and row["message_count"] == 2  # not the deleted
    text = "Refund sent 👍 details: https://shop.example/r/4411"
    assert run(signed_in, "reply", str(row["id"]), "--text-stdin", stdin=text) == 0
    capsys.readouterr()
    assert run(signed_in, "sync", "--once") == 0
    capsys.readouterr()
    [request] = sent
    assert request.headers["atproto-proxy"] == "did:web:api.bsky.chat#bsky_chat"
    body = json.loads(request.content)
    assert body["convoId"] == "3ldmconvo1abc" and body["message"]["text"] == text
    [facet] = body["message"]["facets"]
    start = text.encode().index(b"https://")
    assert facet["index"] == {"byteStart": start, "byteEnd": len(text.encode())}
    assert run(signed_in, "conversations", "show", str(row["id"])) == 0
    assert "Refund sent 👍" in capsys.readouterr().out


def test_five_images_are_refused_in_words_and_nothing_is_uploaded(
    signed_in: Path, pds: RecordedPds, tmp_path: Path, capsys
) -> None:
    images = []
    for n in range(5):
        path = tmp_path / f"pic{n}.png"
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
        images += ["--media", str(path), "--alt", f"picture {n}"]
    assert run(signed_in, "post", "--account", "@teashop.test", "--text-stdin", *images,
               stdin="Five new mugs") == 0  # fmt: skip
    capsys.readouterr()
    run(signed_in, "sync", "--once")
    capsys.readouterr()
    assert run(signed_in, "schedule", "list", "--json") == 0
    [post] = json.loads(capsys.readouterr().out)
    assert post["state"] == "failed"
    assert "Bluesky takes at most 4 images per post" in json.dumps(post)
    assert pds.count("com.atproto.repo.uploadBlob") == 0
    assert pds.count("com.atproto.repo.createRecord") == 0


def test_conversations_show_lists_a_picture_with_its_alt_text(
    signed_in: Path, pds: RecordedPds, capsys
) -> None:
    assert run(signed_in, "sync", "--once") == 0
    capsys.readouterr()
    [row] = [r for r in listed(signed_in, capsys) if r["kind"] == "reply"]
    assert run(signed_in, "conversations", "show", str(row["id"])) == 0
    shown = capsys.readouterr().out
    assert "📎 A cracked blue mug  https://" in shown  # listed, as the pane does; not fetched
    assert run(signed_in, "conversations", "show", str(row["id"]), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    media = [a for m in data["messages"] for a in m["media"]]
    assert {"kind": "image", "description": "A cracked blue mug"}.items() <= media[0].items()


def _mention(n: int, age: timedelta) -> dict[str, Any]:
    """A listNotifications item (lexicon app.bsky.notification.listNotifications)."""
    when = (datetime.now(UTC) - age).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {
        "uri": f"at://did:plc:cust000000000000000000/app.bsky.feed.post/3lback{n:07d}",
        "cid": f"bafyreiback{n:07d}",
        "reason": "mention",
        "author": {"did": f"did:plc:cust{n:020d}", "handle": f"customer{n}.test"},
        "record": {"$type": "app.bsky.feed.post", "text": f"@teashop.test question {n}",
                   "createdAt": when},
        "indexedAt": when,
    }  # fmt: skip


PAGES = {  # newest first, three per page, then one older than the 7-day window
    None: ([(n, timedelta(hours=n)) for n in (1, 2, 3)], "p2"),
    "p2": ([(n, timedelta(hours=n)) for n in (4, 5, 6)], "p3"),
    "p3": ([(n, timedelta(hours=n)) for n in (7, 8, 9)], "p4"),
    "p4": ([(10, timedelta(days=8))], None),
}


def back_fill(profile: Path, pds: RecordedPds, capsys, items: int | None) -> list[str | None]:
    """The first sync against PAGES with sync.backfill_items = items; the cursors asked."""
    asked: list[str | None] = []

    def notifications(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        asked.append(cursor)
        found, following = PAGES[cursor]
        body = {"notifications": [_mention(n, age) for n, age in found], "cursor": following}
        return httpx.Response(200, json=body)

    pds.routes[NOTIFICATIONS] = notifications
    pds.routes["app.bsky.feed.getPostThread"] = lambda r: httpx.Response(
        400, json={"error": "NotFound", "message": "Post not found"}
    )
    with closing(Store(profile / "inbox.db")) as store:
        store.set_setting("sync.backfill_days", None)  # the network's own 7 days
        store.set_setting("sync.backfill_items", items)
    assert run(profile, "sync", "--once") == 0
    capsys.readouterr()
    return asked


def test_the_first_sync_back_fill_stops_at_its_item_count(
    signed_in: Path, pds: RecordedPds, capsys
) -> None:
    asked = back_fill(signed_in, pds, capsys, items=5)
    # Two pages reach 5 items: the third is never asked for, then one pass from the top.
    assert asked == [None, "p2", None]
    assert len(listed(signed_in, capsys)) == 6


def test_the_first_sync_back_fill_stops_at_its_days(
    signed_in: Path, pds: RecordedPds, capsys
) -> None:
    asked = back_fill(signed_in, pds, capsys, items=None)  # 800: only the 7 days bound it
    assert asked == [None, "p2", "p3", "p4", None]  # to the page with the 8-day-old one
    texts = json.dumps(listed(signed_in, capsys))
    assert "question 9" in texts and "question 10" not in texts
