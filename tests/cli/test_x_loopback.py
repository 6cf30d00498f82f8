"""`social-inbox` against X served on a real socket (127.0.0.1, a random port).

The fake X (tests/networks/x/fake.py) answers with the recordings in tests/data/x/,
which follow the documented API v2 shapes (data + includes + meta, problem details),
behind tests/servers/loopback.py: the CLI's own httpx client, URL building, HTTP/1.1
and the OAuth loopback redirect all run for real. Each test checks what the person
sees (the CLI's words, the stored conversations) and what the server received.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import keyring.errors
import pytest

from inbox import secrets
from inbox.cli.main import main
from inbox.engine.accounts import token_key
from inbox.networks.x.api import Tokens
from inbox.store import Store
from tests.networks.x.fake import ACCESS, CLIENT_ID, ME, REFRESH, FakeX, bundle, load

THREAD = "1860000000000000101"  # conversation_id of Sam's mention thread
SAM_DMS = "1580000000000000001-2200000000000000002"  # dm_conversation_id with Sam


@pytest.fixture
def x() -> Iterator[tuple[FakeX, str]]:
    fake = FakeX()
    fake.limit = fake.remaining = 900  # a Pro-tier endpoint's budget: no local refusals
    with fake.serving() as url:
        yield fake, url


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    folder = tmp_path / "profile"
    folder.mkdir()
    return folder


def cli(profile: Path, *args: str, stdin: str = "", monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--profile", str(profile), *args])


def add_with_bundle(profile: Path, url: str, monkeypatch, token: str | None = None) -> None:
    code = cli(
        profile, "accounts", "add", "x", "--instance", url, "--token-stdin",
        stdin=(token or bundle()) + "\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0


def stored_tokens(profile: Path) -> Tokens:
    with closing(Store(profile / "inbox.db", readonly=True)) as store:
        raw = secrets.get_secret(token_key(store, store.accounts()[0]))
    assert raw is not None
    return Tokens.loads(raw)


def expire_soon(profile: Path) -> None:
    """What the keyring holds an hour and 59 minutes after sign-in: a minute left."""
    with closing(Store(profile / "inbox.db", readonly=True)) as store:
        key = token_key(store, store.accounts()[0])
    secrets.set_secret(key, bundle(expires_at=int(time.time()) + 60))


def conversation_id(profile: Path, key: str) -> int:
    with closing(Store(profile / "inbox.db", readonly=True)) as store:
        [(found,)] = store.query("SELECT id FROM conversations WHERE key = ?", [key])
    return int(found)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def secret_free(profile: Path, *secrets_: str) -> None:
    """No token in any file of the profile (database, WAL, logs)."""
    for path in profile.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets_:
                assert secret.encode() not in data, f"{secret} in {path.name}"


# -- sign-in ------------------------------------------------------------------------------


def test_browser_sign_in_with_pkce_on_the_registered_callback(x, profile, monkeypatch, capsys):
    fake, url = x
    port = free_port()
    opened: list[dict[str, str]] = []

    def browser(address: str) -> bool:
        """The person approves on X's consent page, which redirects to our callback."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(address).query).items()}
        opened.append(query)
        code = fake.approve(query["code_challenge"], query["redirect_uri"])
        target = f"{query['redirect_uri']}?state={query['state']}&code={code}"
        threading.Thread(target=lambda: urllib.request.urlopen(target).read(), daemon=True).start()
        return True

    monkeypatch.setattr("webbrowser.open", browser)
    code = cli(
        profile, "accounts", "add", "x", "--instance", url, "--client-id", CLIENT_ID,
        "--callback-port", str(port), monkeypatch=monkeypatch,
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Added x account 1: @LeafKettleTea" in out
    assert "Opening your browser to sign in" in err

    [query] = opened
    assert query["redirect_uri"] == f"http://127.0.0.1:{port}/callback"
    assert query["client_id"] == CLIENT_ID and query["code_challenge_method"] == "S256"
    assert set(query["scope"].split()) >= {
        "tweet.read", "users.read", "tweet.write", "dm.read", "dm.write", "offline.access",
    }  # fmt: skip
    [exchange] = fake.to("/2/oauth2/token")
    form = {k: v[0] for k, v in parse_qs(exchange.content.decode()).items()}
    digest = hashlib.sha256(form["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == query["code_challenge"]
    assert form["grant_type"] == "authorization_code" and form["client_id"] == CLIENT_ID
    assert form["redirect_uri"] == query["redirect_uri"]
    assert "authorization" not in exchange.headers  # a public client: no secret
    tokens = stored_tokens(profile)
    assert tokens.access_token in fake.access_tokens and tokens.refresh_token in fake.refresh_tokens
    assert fake.to("/2/users/me")[0].headers["authorization"] == f"Bearer {tokens.access_token}"
    secret_free(profile, tokens.access_token, tokens.refresh_token)

    # The Client ID was entered once: signing in again later does not ask for it.
    opened.clear()
    code = cli(
        profile, "accounts", "add", "x", "--instance", url, "--callback-port", str(port),
        monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0 and opened[0]["client_id"] == CLIENT_ID


def test_browser_sign_in_without_a_client_id_says_what_to_do(x, profile, monkeypatch, capsys):
    fake, url = x
    monkeypatch.setattr("webbrowser.open", lambda address: pytest.fail("opened a browser"))
    code = cli(profile, "accounts", "add", "x", "--instance", url, monkeypatch=monkeypatch)
    assert code == 2
    assert "Client ID" in capsys.readouterr().err
    assert fake.requests == []


def test_a_bundle_that_is_not_json_is_refused_and_nothing_is_kept(x, profile, monkeypatch, capsys):
    fake, url = x
    code = cli(
        profile, "accounts", "add", "x", "--instance", url, "--token-stdin",
        stdin='{"access_token": ', monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 2
    assert "Expected a JSON token bundle" in capsys.readouterr().err
    assert fake.requests == []
    assert cli(profile, "accounts", "list", "--json", monkeypatch=monkeypatch) == 0
    assert json.loads(capsys.readouterr().out) == []


# -- ingest ------------------------------------------------------------------------------


def test_first_and_incremental_sync_of_mentions_and_dms(x, profile, monkeypatch, capsys):
    fake, url = x
    add_with_bundle(profile, url, monkeypatch)
    capsys.readouterr()

    assert cli(profile, "sync", "--once", monkeypatch=monkeypatch) == 0
    out = capsys.readouterr().out
    assert "Synced 1 of 1 accounts" in out
    assert "calls left" in out  # the budget x-rate-limit-* reported, shown to the person

    mentions = fake.to(f"/2/users/{ME}/mentions")
    assert [r.url.params.get("pagination_token") for r in mentions] == [
        None, load("mentions_page1.json")["meta"]["next_token"],
    ]  # fmt: skip
    first = mentions[0].url.params
    assert "since_id" not in first
    assert set(first["expansions"].split(",")) >= {
        "author_id", "referenced_tweets.id", "attachments.media_keys",
    }  # fmt: skip
    assert "conversation_id" in first["tweet.fields"].split(",")
    dms = fake.to("/2/dm_events")
    assert [r.url.params.get("pagination_token") for r in dms] == [
        None, load("dm_events.json")["meta"]["next_token"],
    ]  # fmt: skip
    assert "participant_ids" in dms[0].url.params["expansions"].split(",")

    assert cli(profile, "conversations", "list", "--json", monkeypatch=monkeypatch) == 0
    rows = json.loads(capsys.readouterr().out)
    assert sorted((r["kind"], r["contact"]) for r in rows) == [
        ("dm", "ingrid_oslo"), ("dm", "samortega"),
        ("mention", "mei_drinks_tea"), ("reply", "samortega"),  # Sam answers our post
    ]  # fmt: skip
    thread = conversation_id(profile, THREAD)
    assert cli(profile, "conversations", "show", str(thread), monkeypatch=monkeypatch) == 0
    shown = capsys.readouterr().out
    assert "where is my order??" in shown and "still no tracking number" in shown  # one thread

    # The next run asks only for what is newer than the newest mention it stored.
    fake.new_mentions = True
    assert cli(profile, "sync", "--once", monkeypatch=monkeypatch) == 0
    capsys.readouterr()
    latest = fake.to(f"/2/users/{ME}/mentions")[-1].url.params
    assert latest["since_id"] == load("mentions_page1.json")["meta"]["newest_id"]
    assert cli(profile, "conversations", "show", str(thread), monkeypatch=monkeypatch) == 0
    assert "ok it arrived, thanks!" in capsys.readouterr().out
    assert cli(profile, "conversations", "list", "--json", monkeypatch=monkeypatch) == 0
    assert len(json.loads(capsys.readouterr().out)) == 4  # into the same thread


def test_429_waits_for_the_reset_the_server_named(x, profile, monkeypatch, capsys):
    fake, url = x
    add_with_bundle(profile, url, monkeypatch)
    reset = int(time.time()) + 600
    fake.fail(
        lambda r: r.url.path.endswith("/mentions"), 429, load("problem_too_many.json"),
        {"x-rate-limit-limit": "10", "x-rate-limit-remaining": "0",
         "x-rate-limit-reset": str(reset)},
    )  # fmt: skip
    capsys.readouterr()
    assert cli(profile, "sync", "--once", monkeypatch=monkeypatch) == 1
    err = capsys.readouterr().err
    assert "rate_limited" in err
    waited = int(err.split("waiting ")[1].split(" s")[0])
    assert 590 <= waited <= 600  # until x-rate-limit-reset, not a guess
    assert len(fake.to(f"/2/users/{ME}/mentions")) == 1  # no retry loop against a 429


def test_a_tier_without_dms_turns_that_feed_off_and_says_which_tier(
    x, profile, monkeypatch, capsys
):
    fake, url = x
    fake.fail(
        lambda r: r.url.path == "/2/dm_events", 403, load("problem_client_forbidden.json"),
        times=99,
    )  # fmt: skip
    add_with_bundle(profile, url, monkeypatch)
    capsys.readouterr()
    assert cli(profile, "sync", "--once", monkeypatch=monkeypatch) == 0
    out = capsys.readouterr().out
    assert "needs the Pro tier" in out and "this feed is off" in out
    assert "Synced 1 of 1 accounts" in out  # mentions still came in
    assert cli(profile, "sync", "--once", monkeypatch=monkeypatch) == 0
    assert "needs the Pro tier" in capsys.readouterr().out  # still said, not asked again
    assert len(fake.to("/2/dm_events")) == 1
    assert cli(profile, "accounts", "list", "--json", monkeypatch=monkeypatch) == 0
    [account] = json.loads(capsys.readouterr().out)
    assert "Pro tier" in account["status_detail"]


# -- tokens ------------------------------------------------------------------------------


def test_expiring_token_is_refreshed_first_and_the_new_pair_kept(x, profile, monkeypatch, capsys):
    fake, url = x
    add_with_bundle(profile, url, monkeypatch)
    expire_soon(profile)
    assert cli(profile, "sync", "--once", monkeypatch=monkeypatch) == 0
    [refresh] = fake.to("/2/oauth2/token")
    form = {k: v[0] for k, v in parse_qs(refresh.content.decode()).items()}
    assert form == {"grant_type": "refresh_token", "refresh_token": REFRESH, "client_id": CLIENT_ID}
    tokens = stored_tokens(profile)
    assert tokens.refresh_token in fake.refresh_tokens and REFRESH not in fake.refresh_tokens
    later = [r for r in fake.requests if r.url.path != "/2/oauth2/token"][-1]
    assert later.headers["authorization"] == f"Bearer {tokens.access_token}"
    secret_free(profile, tokens.access_token, tokens.refresh_token, ACCESS, REFRESH)

    # A 401 (X revoked the access token early) refreshes once more and carries on.
    fake.access_tokens.clear()
    capsys.readouterr()
    assert cli(profile, "sync", "--once", monkeypatch=monkeypatch) == 0
    assert "Synced 1 of 1 accounts" in capsys.readouterr().out
    assert len(fake.to("/2/oauth2/token")) == 2
    assert stored_tokens(profile).refresh_token in fake.refresh_tokens


def test_a_locked_keyring_never_spends_the_refresh_token(
    x, profile, monkeypatch, capsys, memory_keyring
):
    """Spending X's single-use refresh token while the keyring refuses writes would leave
    the new pair only in this process's memory: gone when it ends, the old one spent.
    So the run stops with words, the stored pair stays usable, and the next run renews."""
    fake, url = x
    add_with_bundle(profile, url, monkeypatch)
    expire_soon(profile)
    real_set = memory_keyring.set_password

    def locked(service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("the keyring is locked")

    monkeypatch.setattr(memory_keyring, "set_password", locked)
    capsys.readouterr()
    assert cli(profile, "sync", "--once", monkeypatch=monkeypatch) == 1
    err = capsys.readouterr().err
    assert "keyring" in err and "unlock" in err
    assert fake.to("/2/oauth2/token") == []  # nothing spent
    assert stored_tokens(profile).refresh_token == REFRESH in fake.refresh_tokens

    monkeypatch.setattr(memory_keyring, "set_password", real_set)  # unlocked
    assert cli(profile, "sync", "--once", monkeypatch=monkeypatch) == 0
    assert "Synced 1 of 1 accounts" in capsys.readouterr().out
    assert stored_tokens(profile).refresh_token in fake.refresh_tokens


def test_a_pair_rotated_by_another_process_is_used_not_refreshed_over(
    x, profile, monkeypatch, capsys
):
    """The window and `social-inbox sync --once` on one account: the CLI renews the pair
    and saves it; the window, holding the old pair in memory, takes the new one from the
    keyring instead of spending the dead refresh token (which would lock the user out)."""
    fake, url = x
    add_with_bundle(profile, url, monkeypatch)
    expire_soon(profile)
    from inbox.engine import Engine, accounts, sync

    window = Engine(profile / "inbox.db")
    window.start()
    try:
        adapter = window.call(lambda e: accounts.connect(e, e.store.accounts()[0]))
        assert adapter is not None  # holds the pair that is about to expire

        assert cli(profile, "sync", "--once", monkeypatch=monkeypatch) == 0  # renews it
        assert len(fake.to("/2/oauth2/token")) == 1
        renewed = stored_tokens(profile)

        window.call(lambda e: sync.sync_account(e, 1), timeout=60)
    finally:
        window.stop()
    assert len(fake.to("/2/oauth2/token")) == 1  # the window spent nothing
    last = fake.to(f"/2/users/{ME}/mentions")[-1]
    assert last.headers["authorization"] == f"Bearer {renewed.access_token}"
    assert stored_tokens(profile) == renewed and renewed.refresh_token in fake.refresh_tokens


def test_a_bundle_about_to_expire_is_renewed_at_sign_in_and_the_new_pair_kept(
    x, profile, monkeypatch, capsys
):
    fake, url = x
    add_with_bundle(profile, url, monkeypatch, bundle(expires_at=int(time.time()) + 60))
    assert len(fake.to("/2/oauth2/token")) == 1
    kept = stored_tokens(profile)
    assert kept.refresh_token in fake.refresh_tokens and REFRESH not in fake.refresh_tokens
    capsys.readouterr()
    assert cli(profile, "sync", "--once", monkeypatch=monkeypatch) == 0
    assert "Synced 1 of 1 accounts" in capsys.readouterr().out


# -- sending -----------------------------------------------------------------------------


def test_reply_in_thread_and_dm_reply_in_the_same_conversation(x, profile, monkeypatch, capsys):
    fake, url = x
    add_with_bundle(profile, url, monkeypatch)
    assert cli(profile, "sync", "--once", monkeypatch=monkeypatch) == 0
    thread, dm = conversation_id(profile, THREAD), conversation_id(profile, f"dm:{SAM_DMS}")
    replies = ((thread, "Tracking is on its way."), (dm, "Order 5521 ships today."))
    for conversation, words in replies:
        code = cli(
            profile, "reply", str(conversation), "--text-stdin", stdin=words,
            monkeypatch=monkeypatch,
        )  # fmt: skip
        assert code == 0
    assert fake.posts == [] and fake.dms == []  # queued, not sent yet
    capsys.readouterr()
    assert cli(profile, "sync", "--once", monkeypatch=monkeypatch) == 0
    assert "sent 2 item(s)" in capsys.readouterr().out
    [post] = fake.to("/2/tweets")
    assert json.loads(post.content) == {
        "text": "Tracking is on its way.",
        "reply": {"in_reply_to_tweet_id": "1860000000000000105"},  # the newest in the thread
    }
    [sent_dm] = [r for r in fake.requests if r.url.path.endswith("/messages")]
    assert sent_dm.url.path == f"/2/dm_conversations/{SAM_DMS}/messages"
    assert json.loads(sent_dm.content) == {"text": "Order 5521 ships today."}
    assert cli(profile, "outbox", "list", "--all", "--json", monkeypatch=monkeypatch) == 0
    rows = json.loads(capsys.readouterr().out)
    assert sorted(r["status"] for r in rows) == ["done", "done"]


def test_post_with_an_image_and_its_alt_text(x, profile, monkeypatch, capsys, tmp_path):
    fake, url = x
    add_with_bundle(profile, url, monkeypatch)
    image = tmp_path / "sencha.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    capsys.readouterr()
    code = cli(
        profile, "post", "--account", "LeafKettleTea", "--text-stdin", "--media", str(image),
        "--alt", "A cup of green sencha on a wooden table",
        stdin="New harvest sencha is in!", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert cli(profile, "sync", "--once", monkeypatch=monkeypatch) == 0
    [upload] = fake.to("/2/media/upload")
    assert b"sencha.png" in upload.content and b"tweet_image" in upload.content
    [metadata] = fake.to("/2/media/metadata")
    media_id = json.loads(metadata.content)["id"]
    assert json.loads(metadata.content) == {
        "id": media_id,
        "metadata": {"alt_text": {"text": "A cup of green sencha on a wooden table"}},
    }
    [post] = fake.to("/2/tweets")
    assert json.loads(post.content) == {
        "text": "New harvest sencha is in!",
        "media": {"media_ids": [media_id]},
    }
    capsys.readouterr()
    assert cli(profile, "schedule", "list", "--json", monkeypatch=monkeypatch) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["state"] == "published" and row["accounts"][0]["status"] == "done"
    assert row["accounts"][0]["url"].endswith(f"/status/{fake.posts[0]['id']}")


def test_a_send_whose_answer_was_lost_is_looked_up_never_sent_twice(
    x, profile, monkeypatch, capsys
):
    """X has no idempotency key: the first POST reached X but its answer never came back.
    The next round reads our recent posts, finds it, and does not post again."""
    fake, url = x
    add_with_bundle(profile, url, monkeypatch)
    assert cli(profile, "sync", "--once", monkeypatch=monkeypatch) == 0
    thread = conversation_id(profile, THREAD)
    code = cli(
        profile, "reply", str(thread), "--text-stdin", stdin="On its way, Sam.",
        monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0
    fake.lose_next_answers = 1
    capsys.readouterr()
    cli(profile, "sync", "--once", monkeypatch=monkeypatch)
    assert "sent 0 item(s)" in capsys.readouterr().out
    assert len(fake.posts) == 1  # it did go out

    assert cli(profile, "outbox", "retry", "1", monkeypatch=monkeypatch) == 0
    assert cli(profile, "sync", "--once", monkeypatch=monkeypatch) == 0
    assert "sent 1 item(s)" in capsys.readouterr().out
    assert len(fake.to("/2/tweets")) == 1 and len(fake.posts) == 1  # never a second post
    looked = fake.to(f"/2/users/{ME}/tweets")
    assert looked, "the recent posts were read before deciding"
    assert cli(profile, "outbox", "list", "--all", "--json", monkeypatch=monkeypatch) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["status"] == "done" and row["attempts"] == 2


def test_the_poll_interval_the_user_sets_paces_the_adapter(x, profile, monkeypatch, capsys):
    """15 minutes by default (the Basic plan's read cap); sync.poll_interval_s wins."""
    _fake, url = x
    add_with_bundle(profile, url, monkeypatch)
    from inbox.engine import Engine, accounts

    def pace(engine: Engine) -> float:
        adapter = accounts.connect(engine, engine.store.accounts()[0])
        return float(getattr(adapter, "poll_interval", -1))

    engine = Engine(profile / "inbox.db")
    engine.start()
    try:
        assert engine.call(pace) == 15 * 60
        engine.call(lambda e: e.store.set_setting("sync.poll_interval_s", 120))
        assert engine.call(pace) == 120
    finally:
        engine.stop()
