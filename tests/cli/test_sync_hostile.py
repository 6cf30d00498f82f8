"""`sync --once` against hostile or absent servers on loopback ports, through the CLI.

Each test signs in with `accounts add` to a fake instance served on 127.0.0.1:PORT
(tests/servers/loopback.py), makes one server misbehave, and checks what the user sees,
what was stored, and that the other account still synced.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from inbox import secrets, transport
from inbox.engine.accounts import token_key
from inbox.store import Store
from tests.cli_run import run
from tests.networks.mastodon.fake import TOKEN, FakeMastodon
from tests.servers.loopback import serve

NOTIFICATIONS = "/api/v1/notifications"


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    folder = tmp_path / "profile"
    folder.mkdir()
    store = Store(folder / "inbox.db")
    store.set_setting("sync.backfill_days", 36500)  # the recordings are from March 2026
    store.close()
    return folder


def add(profile: Path, url: str) -> None:
    assert run(profile, "accounts", "add", "mastodon", "--instance", url, "--token-stdin",
               stdin=TOKEN + "\n") == 0  # fmt: skip


def hostile(fake: FakeMastodon, write: Callable[[Any], None], path: str = NOTIFICATIONS):
    """Answer `path` with 200 and headers, then let write(wfile) send the body."""
    plain = fake.handle

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == path:
            fake.requests.append(request)
            return httpx.Response(
                200, headers={"Content-Type": "application/json"},
                extensions={"loopback.write": write},
            )  # fmt: skip
        return plain(request)

    return handle


@pytest.fixture
def two_servers(profile: Path) -> Iterator[Callable[..., tuple[FakeMastodon, FakeMastodon]]]:
    """(bad, good): the bad one with the handler the test gives, each signed in."""
    with ExitStack() as stack:

        def start(make_bad: Callable[[FakeMastodon], Any]) -> tuple[FakeMastodon, FakeMastodon]:
            bad, good = FakeMastodon(), FakeMastodon()
            add(profile, stack.enter_context(serve(make_bad(bad))))
            add(profile, stack.enter_context(serve(good.handle)))
            return bad, good

        yield start


def statuses(profile: Path) -> list[tuple[str, str]]:
    store = Store(profile / "inbox.db")
    try:
        return [(a.status, a.status_detail) for a in store.accounts()]
    finally:
        store.close()


def test_an_endless_answer_is_cut_at_the_cap_and_the_other_account_syncs(
    profile, two_servers, monkeypatch, capsys
):
    monkeypatch.setattr(transport, "MAX_BYTES", 1024 * 1024)

    def endless(wfile: Any) -> None:
        wfile.write(b"[" + b" " * 65536)
        while True:  # no Content-Length, never ends
            wfile.write(b" " * 65536)

    _bad, good = two_servers(lambda fake: hostile(fake, endless))
    assert run(profile, "sync", "--once") == 1
    captured = capsys.readouterr()
    assert "Synced 1 of 2 accounts" in captured.out
    assert "sent an answer of more than 1 MB; stopped reading" in captured.err
    assert "Traceback" not in captured.err
    (bad_status, detail), (good_status, _) = statuses(profile)
    assert bad_status == "error" and "1 MB" in detail and good_status == "ok"
    assert good.calls("GET", NOTIFICATIONS)


def test_a_server_that_drips_bytes_hits_the_request_deadline(
    profile, two_servers, monkeypatch, capsys
):
    monkeypatch.setattr(transport, "DEADLINE", 4.0)  # the good one answers in time under load

    def drip(wfile: Any) -> None:
        for _ in range(600):  # a byte every 50 ms: never a read timeout, never the end
            wfile.write(b" ")
            wfile.flush()
            time.sleep(0.05)

    bad, _ = two_servers(lambda fake: hostile(fake, drip))
    assert run(profile, "sync", "--once") == 1
    captured = capsys.readouterr()
    assert "Synced 1 of 2 accounts" in captured.out
    assert "is too slow: no complete answer within 4 s" in captured.err
    assert len(bad.calls("GET", NOTIFICATIONS)) == 1  # a dripping server is not asked again


def test_the_whole_run_has_a_deadline(profile, two_servers, capsys):
    def drip(wfile: Any) -> None:
        for _ in range(600):
            wfile.write(b" ")
            wfile.flush()
            time.sleep(0.05)

    two_servers(lambda fake: hostile(fake, drip))
    assert run(profile, "sync", "--once", "--deadline", "1") == 1
    captured = capsys.readouterr()
    assert "the run's deadline of 1 s passed" in captured.err
    assert statuses(profile)[0][0] == "timeout"


def test_deeply_nested_json_is_a_clear_error_and_the_other_account_syncs(
    profile, two_servers, capsys
):
    _bad, _good = two_servers(lambda fake: hostile(fake, lambda w: w.write(b"[" * 100_000)))
    assert run(profile, "sync", "--once") == 1
    captured = capsys.readouterr()
    assert "Synced 1 of 2 accounts" in captured.out
    assert "cannot be read: nested more than 64 levels deep" in captured.err
    assert "RecursionError" not in captured.err and "Traceback" not in captured.err
    store = Store(profile / "inbox.db")
    try:
        [(good_id,)] = store.query("SELECT id FROM accounts WHERE status = 'ok'")
        assert store.query("SELECT count(*) FROM messages WHERE account_id = ?", (good_id,))[0][0]
    finally:
        store.close()


def test_a_server_repeating_an_old_page_never_moves_the_cursor_back(profile, capsys):
    fake = FakeMastodon()
    with serve(fake.handle) as url:
        add(profile, url)
        assert run(profile, "sync", "--once") == 0
        store = Store(profile / "inbox.db")
        [account] = store.accounts()
        before = json.loads(store.cursor(account.id, "mentions") or "{}")
        store.close()
        assert before["newest"]
        # Now the server ignores min_id/max_id and answers its two OLDEST notifications.
        oldest = sorted(fake.notifications, key=lambda n: (len(n["id"]), n["id"]))[:2]
        plain = fake.handle

        def repeat(request: httpx.Request) -> httpx.Response:
            if request.url.path == NOTIFICATIONS:
                fake.requests.append(request)
                return httpx.Response(200, json=oldest)
            return plain(request)

        fake.requests.clear()
        with serve(repeat) as url2:
            move(profile, url2.removeprefix("http://"))
            assert run(profile, "sync", "--once") == 0
    store = Store(profile / "inbox.db")
    after = json.loads(store.cursor(account.id, "mentions") or "{}")
    store.close()
    assert after["newest"] == before["newest"]
    assert len(fake.calls("GET", NOTIFICATIONS)) == 1  # the repeat ends the run at once


def move(profile: Path, instance: str) -> None:
    """The account's server moved (a new port): its row and its saved sign-in follow."""
    store = Store(profile / "inbox.db")
    store.conn.execute("UPDATE accounts SET instance = ?", (instance,))
    store.conn.commit()
    [account] = store.accounts()
    secrets.set_secret(token_key(store, account), TOKEN)
    store.close()


def _refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


def test_offline_sync_ends_at_once_says_why_and_due_posts_wait(profile, capsys):
    fake = FakeMastodon()
    with serve(fake.handle) as url:
        add(profile, url)
        for text in ("one", "two", "three"):
            assert run(profile, "post", "--account", "teashop", "--text-stdin", stdin=text) == 0
    move(profile, f"127.0.0.1:{_refused_port()}")
    capsys.readouterr()
    assert run(profile, "sync", "--once") == 1
    captured = capsys.readouterr()
    assert "offline: Cannot reach 127.0.0.1" in captured.err
    assert "3 item(s) wait to be sent until their account is back online" in captured.err
    store = Store(profile / "inbox.db")
    try:
        rows = store.query("SELECT status, attempts FROM outbox WHERE kind = 'post'")
        assert [tuple(r) for r in rows] == [("queued", 0)] * 3  # not even tried
    finally:
        store.close()


def test_lone_surrogate_escapes_are_kept_as_replacement_characters(profile, capsys):
    """A "\\ud800" escape without its other half parses to a str no UTF-8 codec takes: the
    sanitizer raised UnicodeEncodeError, the page was lost and a traceback printed."""
    fake = FakeMastodon()
    [mention] = [n for n in fake.notifications if n["id"] == "2007"]
    mention["status"]["content"] = "<p>Refund \ud800 please</p>"
    mention["status"]["account"]["display_name"] = "Alice \udfff"
    plain = fake.handle

    def escaped(request: httpx.Request) -> httpx.Response:
        if request.url.path != NOTIFICATIONS:
            return plain(request)
        fake.requests.append(request)
        page = [] if "min_id" in request.url.params else [mention]
        body = json.dumps(page).encode()  # ensure_ascii: the halves go out as \\uXXXX escapes
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    assert b"\\ud800" in json.dumps(mention).encode()
    with serve(escaped) as url:
        add(profile, url)
        capsys.readouterr()
        assert run(profile, "sync", "--once") == 0
    captured = capsys.readouterr()
    assert "Synced 1 of 1 accounts" in captured.out
    assert "Traceback" not in captured.err and "UnicodeEncodeError" not in captured.err
    store = Store(profile / "inbox.db")
    try:
        [(text, name)] = store.query(
            "SELECT m.text, c.display_name FROM messages m JOIN contacts c ON c.id = m.author_id"
            " WHERE m.remote_id = ?", (mention["status"]["id"],),
        )  # fmt: skip
    finally:
        store.close()
    assert "Refund \ufffd please" in text and name == "Alice \ufffd"
    assert statuses(profile) == [("ok", "")]
