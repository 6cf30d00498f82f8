"""The CLI end to end against the fake instance on a loopback port: add, list, sync --once,
reply, remove. The instance is `http://127.0.0.1:PORT` typed into `accounts add`, so the
port (and scheme) must survive into every stored row and every call."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from inbox import secrets
from inbox.cli.main import main
from inbox.engine.accounts import token_key
from inbox.store import Store
from tests.networks.mastodon.fake import TOKEN, FakeMastodon
from tests.servers.loopback import serve


@pytest.fixture
def fake() -> Iterator[FakeMastodon]:
    server = FakeMastodon()
    with serve(server.handle) as url:
        server.url = url  # type: ignore[attr-defined]
        yield server


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    folder = tmp_path / "profile"
    folder.mkdir()
    store = Store(folder / "inbox.db")
    store.set_setting("sync.backfill_days", 36500)  # the recordings are from March 2026
    store.close()
    return folder


def run(profile: Path, *args: str, stdin: str = "", monkeypatch=None) -> int:
    if monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--profile", str(profile), *args])


def add(profile, monkeypatch, url: str) -> None:
    code = run(
        profile,
        "accounts", "add", "mastodon", "--instance", url, "--token-stdin",
        stdin=TOKEN + "\n",
        monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0


def test_add_list_and_remove_never_show_the_token(fake, profile, monkeypatch, capsys) -> None:
    add(profile, monkeypatch, fake.url)
    assert run(profile, "accounts", "list", "--json") == 0
    out = capsys.readouterr().out
    assert TOKEN not in out
    [account] = json.loads(out[out.index("[") :])
    authority = fake.url.removeprefix("http://")  # 127.0.0.1:PORT, the port kept
    assert account["handle"] == f"teashop@{authority}" and account["instance"] == authority
    assert account["remote_id"] == "110000000000000001"
    assert account["avatar_url"].endswith(".png")
    with closing(Store(profile / "inbox.db", readonly=True)) as store:
        key = token_key(store, store.accounts()[0])
    assert secrets.get_secret(key) == TOKEN
    db = (profile / "inbox.db").read_bytes()
    assert TOKEN.encode() not in db
    assert run(profile, "accounts", "remove", "@teashop") == 0
    assert secrets.get_secret(key) is None
    run(profile, "accounts", "list")
    assert "No accounts" in capsys.readouterr().out


def test_a_token_the_server_refuses_adds_nothing(fake, profile, monkeypatch, capsys) -> None:
    code = run(
        profile,
        "accounts", "add", "mastodon", "--instance", fake.url, "--token-stdin",
        stdin="not-the-token\n",
        monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "no longer accepts this sign-in" in err and "not-the-token" not in err
    store = Store(profile / "inbox.db")
    assert store.accounts() == []
    store.close()


def test_sync_once_then_reply_then_sync_sends_it(fake, profile, monkeypatch, capsys) -> None:
    add(profile, monkeypatch, fake.url)
    assert run(profile, "sync", "--once") == 0
    assert "Synced 1 of 1 accounts" in capsys.readouterr().out
    store = Store(profile / "inbox.db")
    [conversation] = store.query("SELECT id FROM conversations WHERE key = 'dm:1090'")
    store.close()
    code = run(
        profile,
        "reply", str(conversation[0]), "--text-stdin",
        stdin="Refund is on its way.",
        monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0
    assert fake.posts == []  # queued, not sent
    assert run(profile, "sync", "--once") == 0
    assert "sent 1 item(s)" in capsys.readouterr().out
    [post] = fake.posts
    assert post["form"]["visibility"] == ["direct"]
    assert post["form"]["status"][0].endswith("Refund is on its way.")


def test_what_we_send_and_what_we_answer_in_the_web_app_show_in_the_conversation(
    fake, profile, monkeypatch, capsys
) -> None:
    """`reply` + `sync --once`: the reply is stored with its link and the conversation waits
    on the customer; a reply typed in the instance's own web app comes back the same way."""
    add(profile, monkeypatch, fake.url)
    assert run(profile, "sync", "--once") == 0
    with closing(Store(profile / "inbox.db", readonly=True)) as store:
        [(dm,)] = store.query("SELECT id FROM conversations WHERE key = 'dm:1090'")
        [(thread,)] = store.query("SELECT id FROM conversations WHERE key = 'thread:1100'")
    assert run(profile, "reply", str(dm), "--text-stdin", stdin="Refund is on its way.",
               monkeypatch=monkeypatch) == 0  # fmt: skip
    fake.reply_elsewhere("1100", "Answered from my phone", "2099-01-01T10:00:00.000Z")
    capsys.readouterr()
    assert run(profile, "sync", "--once") == 0
    [post] = fake.posts
    capsys.readouterr()
    assert run(profile, "conversations", "show", str(dm)) == 0
    out = capsys.readouterr().out
    assert "Refund is on its way." in out and post["body"]["url"] in out
    assert "pending" in out
    assert "You replied" in out.split("History:")[1]
    assert run(profile, "conversations", "show", str(thread)) == 0
    out = capsys.readouterr().out
    assert "Answered from my phone" in out and "(us)" in out and "pending" in out
    with closing(Store(profile / "inbox.db", readonly=True)) as store:
        row = store.query(
            "SELECT first_response_at, sla_due_at FROM conversations WHERE id = ?", (thread,)
        )[0]
    assert row[0] is not None and row[1] == "9999"  # answered: the SLA clock stopped


def test_a_reply_to_a_ticketed_conversation_reaches_the_ticket_once(
    fake, profile, monkeypatch, capsys
) -> None:
    """push → reply → sync --once: the desk (a loopback webhook receiver) gets our reply as
    a follow-up of the same ticket, once, after the network took it."""
    import httpx

    got: list[dict] = []

    def desk(request: httpx.Request) -> httpx.Response:
        got.append(json.loads(request.content))
        return httpx.Response(200, json={"id": "T-7", "url": "https://desk.test/T-7"})

    add(profile, monkeypatch, fake.url)
    assert run(profile, "sync", "--once") == 0
    with closing(Store(profile / "inbox.db", readonly=True)) as store:
        [(dm,)] = store.query("SELECT id FROM conversations WHERE key = 'dm:1090'")
    with serve(desk) as url:
        assert run(profile, "connectors", "add", "webhook", "--name", "desk", "--set",
                   f"url={url}/hook", "--secret-stdin", stdin="whsec_c2VjcmV0\n",
                   monkeypatch=monkeypatch) == 0  # fmt: skip
        assert run(profile, "push", str(dm), "--connector", "desk") == 0
        assert got  # the ticket reached the desk
        pushed = len(got)
        assert run(profile, "reply", str(dm), "--text-stdin", stdin="Refund is on its way.",
                   monkeypatch=monkeypatch) == 0  # fmt: skip
        capsys.readouterr()
        assert run(profile, "sync", "--once") == 0
        assert run(profile, "sync", "--once") == 0  # nothing goes twice
    [post] = fake.posts
    follow = [g for g in got[pushed:] if "Refund is on its way." in json.dumps(g)]
    assert len(follow) == 1, got[pushed:]
    assert "T-7" in json.dumps(follow[0])  # on the same ticket
    capsys.readouterr()
    assert run(profile, "conversations", "show", str(dm)) == 0
    out = capsys.readouterr().out
    assert "https://desk.test/T-7" in out and post["body"]["url"] in out


def test_sync_once_reports_an_account_that_needs_sign_in(fake, profile, monkeypatch, capsys):
    add(profile, monkeypatch, fake.url)
    fake.token = "rotated"  # the user revoked our token on the instance
    assert run(profile, "sync", "--once") == 1
    captured = capsys.readouterr()
    assert "needs_signin" in captured.err
    assert TOKEN not in captured.err + captured.out
    store = Store(profile / "inbox.db")
    assert store.accounts()[0].status == "needs_signin"
    store.close()


def test_reply_refuses_an_unfilled_placeholder_like_the_reply_box(
    fake, profile, monkeypatch, capsys
) -> None:
    from inbox.core.templates import unfilled

    add(profile, monkeypatch, fake.url)
    assert run(profile, "sync", "--once") == 0
    store = Store(profile / "inbox.db")
    [conversation] = store.query("SELECT id FROM conversations WHERE key = 'dm:1090'")
    store.close()
    capsys.readouterr()
    code = run(
        profile,
        "reply", str(conversation[0]), "--text-stdin",
        stdin="Your ticket is {ticket.id}",
        monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    # The same words the reply box shows (tests/ui/test_publishing_ui.py).
    assert unfilled("Your ticket is {ticket.id}") in err
    assert "Fill in {ticket.id}: placeholders are never sent." in err
    store = Store(profile / "inbox.db")
    assert store.query("SELECT count(*) FROM outbox")[0][0] == 0
    store.close()


def test_an_ipv6_instance_on_its_own_port_signs_in_and_syncs(profile, monkeypatch, capsys):
    server = FakeMastodon()
    with serve(server.handle, host="::1") as url:  # http://[::1]:PORT
        add(profile, monkeypatch, url)
        assert run(profile, "sync", "--once") == 0
    assert "Synced 1 of 1 accounts" in capsys.readouterr().out
    store = Store(profile / "inbox.db")
    [account] = store.accounts()
    store.close()
    assert account.instance == url.removeprefix("http://")
    # Every call reached this port (none went to port 80 of some other host).
    assert server.calls("GET", "/api/v1/notifications")
    assert {r.url.port for r in server.requests} == {int(url.rsplit(":", 1)[1])}


@pytest.mark.parametrize("instance", ["http://", "http://[::1", "ftp://host", "https://u:p@h"])
def test_a_bad_server_address_is_a_clear_error(profile, monkeypatch, capsys, instance):
    code = run(
        profile, "accounts", "add", "mastodon", "--instance", instance, "--token-stdin",
        stdin=TOKEN + "\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "server address" in err


def test_two_profiles_on_one_account_each_post_and_both_arrive(tmp_path, monkeypatch, capsys):
    """The key the network sees is random per outbox row, not post-<id>-<account>: the
    second profile's first post (also post 1 on account 1 locally) is not a "replay"."""
    server = FakeMastodon()
    with serve(server.handle) as url:
        for name, text in (("laptop", "Hello from the laptop"), ("desk", "Hello from the desk")):
            folder = tmp_path / name
            folder.mkdir()
            add(folder, monkeypatch, url)
            assert run(folder, "post", "--account", "teashop", "--text-stdin", stdin=text,
                       monkeypatch=monkeypatch) == 0  # fmt: skip
            assert run(folder, "sync", "--once") == 0
    texts = [p["form"]["status"][0] for p in server.posts]
    assert texts == ["Hello from the laptop", "Hello from the desk"]
    keys = [p["key"] for p in server.posts]
    assert len(set(keys)) == 2 and all(len(k) >= 32 for k in keys)


def _profile(folder: Path) -> Path:
    folder.mkdir()
    store = Store(folder / "inbox.db")
    store.set_setting("sync.backfill_days", 36500)
    store.close()
    return folder


def _key(profile: Path) -> str:
    with closing(Store(profile / "inbox.db", readonly=True)) as store:
        return token_key(store, store.accounts()[0])


def test_removing_an_account_in_one_profile_leaves_another_profile_signed_in(
    fake, tmp_path, monkeypatch, capsys
) -> None:
    """Two profiles (two clients of an agency) on the same Mastodon account: each keeps its
    own keyring entry, so `accounts remove` in one never signs the other out."""
    first, second = _profile(tmp_path / "first"), _profile(tmp_path / "second")
    add(first, monkeypatch, fake.url)
    add(second, monkeypatch, fake.url)
    assert _key(first) != _key(second)
    second_key = _key(second)
    first_key = _key(first)
    assert run(first, "accounts", "remove", "@teashop") == 0
    assert secrets.get_secret(first_key) is None
    assert secrets.get_secret(second_key) == TOKEN
    capsys.readouterr()
    before = len(fake.calls("GET", "/api/v1/notifications"))
    assert run(second, "sync", "--once") == 0
    assert "Synced 1 of 1 accounts" in capsys.readouterr().out
    fetched = fake.calls("GET", "/api/v1/notifications")[before:]
    assert fetched and all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in fetched)


def test_a_token_saved_before_profiles_kept_their_own_is_taken_over(
    fake, profile, monkeypatch, capsys
) -> None:
    """An entry of the old shared form is copied into the profile's own entry on first use
    and left in place for the other profiles that still read it."""
    add(profile, monkeypatch, fake.url)
    key = _key(profile)
    with closing(Store(profile / "inbox.db", readonly=True)) as store:
        account = store.accounts()[0]
    legacy = secrets.legacy_account_key(account.network, account.instance, account.remote_id)
    secrets.delete_secret(key)
    secrets.set_secret(legacy, TOKEN)
    assert run(profile, "sync", "--once") == 0
    assert "Synced 1 of 1 accounts" in capsys.readouterr().out
    assert secrets.get_secret(key) == TOKEN
    assert run(profile, "accounts", "remove", "@teashop") == 0
    assert secrets.get_secret(key) is None and secrets.get_secret(legacy) == TOKEN


def test_a_keyring_gone_after_sign_in_says_the_sign_in_cannot_be_read(
    fake, profile, monkeypatch, capsys
) -> None:
    """The keyring was locked or uninstalled since `accounts add`: sync said "Not saved: …",
    as if it had tried to store something; nothing is lost and the words say what failed."""
    import keyring
    import keyring.core

    add(profile, monkeypatch, fake.url)
    capsys.readouterr()
    keyring.set_keyring(keyring.core.load_keyring("keyring.backends.fail.Keyring"))
    assert run(profile, "sync", "--once") == 2
    err = capsys.readouterr().err
    assert "The saved sign-in cannot be read: no usable system keyring" in err
    assert "Not saved" not in err and "Traceback" not in err
    with closing(Store(profile / "inbox.db", readonly=True)) as store:
        assert len(store.accounts()) == 1  # the account stays


def test_accounts_add_with_no_keyring_saves_nothing_and_says_how_to_get_one(
    fake, profile, monkeypatch, capsys
) -> None:
    import keyring
    import keyring.core

    keyring.set_keyring(keyring.core.load_keyring("keyring.backends.fail.Keyring"))
    code = run(profile, "accounts", "add", "mastodon", "--instance", fake.url, "--token-stdin",
               stdin=TOKEN + "\n", monkeypatch=monkeypatch)  # fmt: skip
    captured = capsys.readouterr()
    assert code == 2 and "Added" not in captured.out
    assert "Not saved: no usable system keyring" in captured.err and "keyrings.alt" in captured.err
    with closing(Store(profile / "inbox.db", readonly=True)) as store:
        assert store.accounts() == []  # no account row without its token
