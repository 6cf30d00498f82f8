"""`sync --once` against a hostile Bluesky PDS and a hostile X API, through the CLI.

The same bounds as Mastodon's (tests/cli/test_sync_hostile.py), from the one request loop
the networks share (inbox/transport.py): each test signs in to a hostile server on a
loopback port with `accounts add`, and to a well-behaved Mastodon instance next to it;
the hostile one sends an endless body with no length, drips bytes, or nests JSON 100,000
deep where the account's mentions should be. The run ends with one clear line for that
account, no traceback, and the Mastodon account synced.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from inbox import transport
from inbox.store import Store
from tests.cli_run import run
from tests.networks.mastodon.fake import TOKEN, FakeMastodon
from tests.networks.x.fake import ME, FakeX, bundle
from tests.servers.loopback import serve

Write = Callable[[Any], None]
DID = "did:plc:shop000000000000000000"
MASTODON_MENTIONS = "/api/v1/notifications"


def endless(wfile: Any) -> None:
    wfile.write(b'{"notifications": [' + b" " * 65536)
    while True:  # no Content-Length, never ends
        wfile.write(b" " * 65536)


def drip(wfile: Any) -> None:
    for _ in range(600):  # a byte every 50 ms: never a read timeout, never the end
        wfile.write(b" ")
        wfile.flush()
        time.sleep(0.05)


def nested(wfile: Any) -> None:
    wfile.write(b"[" * 100_000)


class HostilePds:
    """A PDS that signs in and knows the account, and answers its mentions with `write`."""

    def __init__(self, write: Write) -> None:
        self.write = write
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        nsid = request.url.path.removeprefix("/xrpc/")
        service = f"http://{request.url.netloc.decode()}"
        if nsid == "com.atproto.server.createSession":
            session = {"accessJwt": "a1", "refreshJwt": "r1", "did": DID, "handle": "shop.test"}
            return httpx.Response(200, json={**session, "didDoc": _did_doc(service)})
        if nsid == "app.bsky.actor.getProfile":
            return httpx.Response(200, json={"did": DID, "handle": "shop.test"})
        if nsid == "app.bsky.notification.listNotifications":
            return _hostile(self.write)
        return httpx.Response(200, json={"convos": [], "messages": [], "logs": []})


def _did_doc(service: str) -> dict[str, Any]:
    return {
        "id": DID,
        "service": [
            {"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": service}
        ],
    }


def _hostile(write: Write) -> httpx.Response:
    return httpx.Response(
        200, headers={"Content-Type": "application/json"}, extensions={"loopback.write": write}
    )


def hostile_x(write: Write) -> tuple[FakeX, Callable[[httpx.Request], httpx.Response]]:
    fake = FakeX()

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == f"/2/users/{ME}/mentions":
            fake.requests.append(request)
            return _hostile(write)
        return fake.handle(request)

    return fake, handle


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    folder = tmp_path / "profile"
    folder.mkdir()
    store = Store(folder / "inbox.db")
    store.set_setting("sync.backfill_days", 36500)  # the recordings are from March 2026
    store.close()
    return folder


@pytest.fixture
def deck(profile: Path) -> Iterator[Callable[[str, Write], tuple[list[httpx.Request], Any]]]:
    """deck(network, write): a hostile account of that network and a good Mastodon one,
    each signed in through `accounts add`; returns (the hostile server's requests, the
    good server)."""
    with ExitStack() as stack:

        def start(network: str, write: Write) -> tuple[list[httpx.Request], Any]:
            if network == "bluesky":
                pds = HostilePds(write)
                url = stack.enter_context(serve(pds.handle))
                code = add_account(profile, network, url)
                requests = pds.requests
            else:
                fake, handle = hostile_x(write)
                url = stack.enter_context(serve(handle))
                code = add_account(profile, network, url)
                requests = fake.requests
            assert code == 0
            good = FakeMastodon()
            good_url = stack.enter_context(serve(good.handle))
            assert run(profile, "accounts", "add", "mastodon", "--instance", good_url,
                       "--token-stdin", stdin=TOKEN + "\n") == 0  # fmt: skip
            return requests, good

        yield start


def add_account(profile: Path, network: str, url: str) -> int:
    """`accounts add` of a `network` account whose server (PDS, API, instance) is at url."""
    if network == "bluesky":
        return run(profile, "accounts", "add", "bluesky", "--handle", "shop.test",
                   "--service", url, "--password-stdin", stdin="abcd-efgh-ijkl-mnop\n")  # fmt: skip
    if network == "x":
        return run(profile, "accounts", "add", "x", "--instance", url, "--token-stdin",
                   stdin=bundle() + "\n")  # fmt: skip
    return run(profile, "accounts", "add", "mastodon", "--instance", url, "--token-stdin",
               stdin=TOKEN + "\n")  # fmt: skip


def statuses(profile: Path) -> dict[str, tuple[str, str]]:
    store = Store(profile / "inbox.db", readonly=True)
    try:
        return {a.network: (a.status, a.status_detail) for a in store.accounts()}
    finally:
        store.close()


def mentions_asked(requests: list[httpx.Request], network: str) -> int:
    path = "listNotifications" if network == "bluesky" else "/mentions"
    return sum(1 for r in requests if r.url.path.endswith(path))


def good_synced(profile: Path, good: FakeMastodon) -> None:
    assert good.calls("GET", MASTODON_MENTIONS)
    store = Store(profile / "inbox.db", readonly=True)
    try:
        [(good_id,)] = store.query("SELECT id FROM accounts WHERE network = 'mastodon'")
        count = store.query("SELECT count(*) FROM messages WHERE account_id = ?", (good_id,))
        assert count[0][0] > 0
    finally:
        store.close()


@pytest.mark.parametrize("network", ["bluesky", "x"])
def test_an_endless_answer_is_cut_at_the_cap(profile, deck, network, monkeypatch, capsys):
    monkeypatch.setattr(transport, "MAX_BYTES", 1024 * 1024)
    requests, good = deck(network, endless)
    capsys.readouterr()
    assert run(profile, "sync", "--once") == 1
    captured = capsys.readouterr()
    assert "Synced 1 of 2 accounts" in captured.out
    assert "sent an answer of more than 1 MB; stopped reading" in captured.err
    assert "Traceback" not in captured.err
    status, detail = statuses(profile)[network]
    assert status == "error" and "1 MB" in detail
    assert statuses(profile)["mastodon"][0] == "ok"
    assert mentions_asked(requests, network) == 1
    good_synced(profile, good)


@pytest.mark.parametrize("network", ["bluesky", "x"])
def test_a_dripping_server_hits_the_request_deadline(profile, deck, network, monkeypatch, capsys):
    monkeypatch.setattr(transport, "DEADLINE", 4.0)  # the good one answers in time under load
    requests, good = deck(network, drip)
    capsys.readouterr()
    assert run(profile, "sync", "--once") == 1
    captured = capsys.readouterr()
    assert "Synced 1 of 2 accounts" in captured.out
    assert "is too slow: no complete answer within 4 s" in captured.err
    assert mentions_asked(requests, network) == 1  # a dripping server is not asked again
    good_synced(profile, good)


@pytest.mark.parametrize("network", ["bluesky", "x"])
def test_deeply_nested_json_is_a_clear_error(profile, deck, network, capsys):
    _requests, good = deck(network, nested)
    capsys.readouterr()
    assert run(profile, "sync", "--once") == 1
    captured = capsys.readouterr()
    assert "Synced 1 of 2 accounts" in captured.out
    assert "cannot be read: nested more than 64 levels deep" in captured.err
    assert "RecursionError" not in captured.err and "Traceback" not in captured.err
    good_synced(profile, good)


def test_the_bluesky_sign_in_and_the_fakes_are_what_the_tests_think(profile, deck) -> None:
    """The hostile servers differ from good ones only where the mentions are fetched."""
    requests, _good = deck("bluesky", nested)
    created = [r for r in requests if r.url.path.endswith("createSession")]
    assert created and json.loads(created[0].content)["identifier"] == "shop.test"


class RepeatingPds(HostilePds):
    """A PDS whose listNotifications answers every cursor with the same recorded page and
    the same cursor."""

    def __init__(self) -> None:
        super().__init__(lambda _w: None)
        data = Path(__file__).parents[1] / "data" / "bluesky" / "listNotifications.json"
        self.page = {**json.loads(data.read_text()), "cursor": "same-cursor"}

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("app.bsky.notification.listNotifications"):
            self.requests.append(request)
            return httpx.Response(200, json=self.page)
        if request.url.path.endswith("app.bsky.feed.getPostThread"):
            return httpx.Response(400, json={"error": "NotFound", "message": "Post not found"})
        return super().handle(request)


@pytest.mark.parametrize("network", ["bluesky", "x"])
def test_a_server_repeating_a_page_ends_the_run_at_once(profile, network, capsys) -> None:
    """Bluesky's cursor and X's pagination_token answered with themselves: `sync --once`
    ran until its deadline; now the repeat ends the paging and the run succeeds."""
    from tests.networks.x.fake import load

    if network == "bluesky":
        pds = RepeatingPds()
        handle, requests = pds.handle, pds.requests
    else:
        fake = FakeX()
        page = load("mentions_page1.json")
        token = page["meta"]["next_token"]
        fake.fail(lambda r: r.url.params.get("pagination_token") == token, 200, page, times=1000)
        handle, requests = fake.handle, fake.requests
    with serve(handle) as url:
        code = add_account(profile, network, url)
        assert code == 0
        capsys.readouterr()
        assert run(profile, "sync", "--once", "--deadline", "120") == 0
    captured = capsys.readouterr()
    assert "Synced 1 of 1 accounts" in captured.out and "deadline" not in captured.err
    assert mentions_asked(requests, network) <= 3  # the page, its one repeat (X: + since)
    assert statuses(profile)[network][0] == "ok"


@pytest.mark.parametrize("network", ["bluesky", "x"])
def test_an_ipv6_server_on_its_own_port_signs_in_and_syncs(profile, network, capsys) -> None:
    """`http://[::1]:PORT` as the PDS or API address: every call reaches that port."""
    if network == "bluesky":
        pds = RepeatingPds()
        handle, requests = pds.handle, pds.requests
    else:
        fake = FakeX()
        handle, requests = fake.handle, fake.requests
    with serve(handle, host="::1") as url:
        assert url.startswith("http://[::1]:")
        code = add_account(profile, network, url)
        captured = capsys.readouterr()
        assert code == 0 and "Traceback" not in captured.err, captured.err
        assert run(profile, "sync", "--once") == 0
    assert "Synced 1 of 1 accounts" in capsys.readouterr().out
    assert mentions_asked(requests, network) >= 1
    assert {r.url.port for r in requests} == {int(url.rsplit(":", 1)[1])}


ABSURD = "9" * 400  # a reset time no clock reaches


@pytest.mark.parametrize("network", ["mastodon", "bluesky", "x"])
def test_an_absurd_rate_limit_reset_waits_a_day_at_most(profile, network, capsys) -> None:
    """429 with a reset of 400 digits: int - float raised OverflowError (a traceback in
    sync), or the account waited forever. The wait is capped at a day, said in words."""
    headers = {
        "mastodon": {"Retry-After": ABSURD},
        "bluesky": {"RateLimit-Reset": ABSURD},
        "x": {"x-rate-limit-reset": ABSURD},
    }[network]
    mentions = {
        "mastodon": MASTODON_MENTIONS,
        "bluesky": "/xrpc/app.bsky.notification.listNotifications",
        "x": f"/2/users/{ME}/mentions",
    }[network]
    if network == "bluesky":
        plain: Any = RepeatingPds().handle
    elif network == "x":
        plain = FakeX().handle
    else:
        plain = FakeMastodon().handle
    asked: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == mentions:
            asked.append(request.url.path)
            return httpx.Response(429, headers=headers, json={"error": "RateLimitExceeded"})
        return plain(request)

    with serve(handle) as url:
        code = add_account(profile, network, url)
        assert code == 0
        capsys.readouterr()
        assert run(profile, "sync", "--once") == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "OverflowError" not in captured.err
    status, detail = statuses(profile)[network]
    assert status == "rate_limited" and detail == "waiting 86400 s", (status, detail)
    assert asked  # the server was asked, and said wait
