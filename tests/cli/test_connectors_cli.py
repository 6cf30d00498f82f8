"""social-inbox connectors add/list/test/remove, push and article, end to end on a profile."""

from __future__ import annotations

import io
import json
from contextlib import closing
from pathlib import Path

import pytest

from inbox import secrets
from inbox.cli.main import main
from inbox.store import Store


@pytest.fixture
def profile(tmp_path, store, conversation):
    """A profile folder whose database already holds the test conversation."""
    store.close()
    return str(tmp_path)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_test_remove_markdown_and_publish_an_article(capsys, profile, tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    code, out, _ = run(
        capsys,
        "--profile",
        profile,
        "connectors",
        "add",
        "markdown",
        "--name",
        "kb",
        "--set",
        f"folder={kb}",
    )
    assert code == 0 and "Saved connector 'kb'" in out
    code, out, _ = run(capsys, "--profile", profile, "connectors", "list", "--json")
    assert json.loads(out) == [{"name": "kb", "kind": "markdown", "config": {"folder": str(kb)}}]
    code, out, _ = run(capsys, "--profile", profile, "connectors", "test", "kb")
    assert code == 0 and "is writable" in out

    code, _, err = run(capsys, "--profile", profile, "article", "1", "--connector", "kb")
    assert code == 2 and "Conversation 1 is pending: articles are written from solved cases" in err
    store = Store(f"{profile}/inbox.db")
    store.conn.execute("UPDATE conversations SET status = 'resolved'")
    store.close()
    code, out, _ = run(
        capsys, "--profile", profile, "article", "1", "--connector", "kb", "--dry-run"
    )
    assert "Title: Where is my order 42?" in out and "Removed: " in out
    assert not list(kb.glob("*.md"))
    code, out, _ = run(
        capsys, "--profile", profile, "article", "1", "--connector", "kb", "--title", "Late orders"
    )
    assert code == 0 and out.startswith("Article late-orders.md: file://")
    assert (kb / "late-orders.md").exists()

    code, out, _ = run(capsys, "--profile", profile, "connectors", "remove", "kb")
    assert code == 0
    assert run(capsys, "--profile", profile, "connectors", "list")[1].startswith("No connectors.")


def test_secrets_come_from_stdin_never_the_command_line(capsys, profile, monkeypatch):
    code, _, err = run(
        capsys,
        "--profile",
        profile,
        "connectors",
        "add",
        "rt",
        "--name",
        "desk",
        "--set",
        "url=https://rt.example",
        "--set",
        "token=abc",
    )
    assert code == 2 and "Pass token with --secret-stdin" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("1-31-s3cret\n"))
    code, out, _ = run(
        capsys,
        "--profile",
        profile,
        "connectors",
        "add",
        "webhook",
        "--name",
        "hook",
        "--set",
        "url=http://127.0.0.1:9/hook",
        "--secret-stdin",
    )
    assert code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("1-31-rtt0ken\n"))
    code, out, _ = run(
        capsys,
        "--profile",
        profile,
        "connectors",
        "add",
        "rt",
        "--name",
        "desk",
        "--set",
        "url=https://rt.example",
        "--secret-stdin",
    )
    assert code == 0
    store = Store(f"{profile}/inbox.db")
    key = secrets.connector_key(store.connectors.profile_id(), "desk", "token")
    store.close()
    assert secrets.get_secret(key) == "1-31-rtt0ken"
    code, out, _ = run(capsys, "--profile", profile, "connectors", "list")
    assert out.startswith("desk\trt\tqueue=General, url=https://rt.example\nhook\twebhook\t")
    assert "s3cret" not in out and "rtt0ken" not in out
    store = Store(f"{profile}/inbox.db")
    try:
        assert "s3cret" not in store.query("SELECT config_json FROM connectors")[0][0]
    finally:
        store.close()


def test_push_that_cannot_reach_the_desk_stays_queued_and_says_why(capsys, profile, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("whsec_c2VjcmV0\n"))
    run(
        capsys,
        "--profile",
        profile,
        "connectors",
        "add",
        "webhook",
        "--name",
        "hook",
        "--set",
        "url=http://127.0.0.1:9/hook",
        "--secret-stdin",
    )
    code, out, _ = run(capsys, "--profile", profile, "push", "1", "--connector", "hook")
    assert code == 3
    assert "Ticket queued (outbox #1)" in out and "unreachable" in out
    code, out, _ = run(capsys, "--profile", profile, "connectors", "pending", "--json")
    (row,) = json.loads(out)
    assert (row["kind"], row["connector"], row["status"]) == ("push", "hook", "queued")
    assert "unreachable" in row["error"]
    code, _, err = run(capsys, "--profile", profile, "connectors", "test", "hook")
    assert code == 2 and "the webhook at 127.0.0.1 is unreachable" in err
    code, _, err = run(capsys, "--profile", profile, "push", "1", "--connector", "nope")
    assert code == 2 and "No connector named 'nope'" in err


def _add_hook(capsys, monkeypatch, profile: str, name: str, secret: str) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(secret + "\n"))
    return run(
        capsys, "--profile", profile, "connectors", "add", "webhook", "--name", name,
        "--set", "url=http://127.0.0.1:9/hook", "--secret-stdin",
    )  # fmt: skip


def _secret(profile: str, name: str, field: str = "secret") -> str | None:
    store = Store(f"{profile}/inbox.db")
    try:
        return secrets.get_secret(secrets.connector_key(store.connectors.profile_id(), name, field))
    finally:
        store.close()


def test_two_profiles_keep_their_own_connector_secrets(capsys, monkeypatch, tmp_path):
    one, two = str(tmp_path / "one"), str(tmp_path / "two")
    for folder in (one, two):
        (tmp_path / folder).mkdir()
    assert _add_hook(capsys, monkeypatch, one, "desk", "whsec_b25l")[0] == 0
    assert _add_hook(capsys, monkeypatch, two, "desk", "whsec_dHdv")[0] == 0
    assert (_secret(one, "desk"), _secret(two, "desk")) == ("whsec_b25l", "whsec_dHdv")
    assert run(capsys, "--profile", two, "connectors", "remove", "desk")[0] == 0
    assert _secret(one, "desk") == "whsec_b25l"  # the other profile's desk still works
    assert _secret(two, "desk") is None


def test_a_secret_saved_before_profiles_had_their_own_is_migrated(capsys, monkeypatch, profile):
    assert _add_hook(capsys, monkeypatch, profile, "hook", "whsec_b2xk")[0] == 0
    store = Store(f"{profile}/inbox.db")
    new_key = secrets.connector_key(store.connectors.profile_id(), "hook", "secret")
    store.close()
    secrets.delete_secret(new_key)
    secrets.set_secret(secrets.legacy_connector_key("hook", "secret"), "whsec_b2xk")
    run(capsys, "--profile", profile, "connectors", "test", "hook")  # opens the connector
    assert secrets.get_secret(new_key) == "whsec_b2xk"


@pytest.mark.parametrize(
    "backend", ["keyring.backends.null.Keyring", "keyring.backends.fail.Keyring"]
)
def test_no_keyring_refuses_and_says_how_to_get_one(capsys, monkeypatch, profile, backend):
    import keyring
    import keyring.core

    keyring.set_keyring(keyring.core.load_keyring(backend))
    code, out, err = _add_hook(capsys, monkeypatch, profile, "hook", "whsec_bm8")
    assert code == 2 and "Saved" not in out
    assert "Not saved: no usable system keyring" in err and "keyrings.alt" in err
    assert run(capsys, "--profile", profile, "connectors", "list", "--json")[1].strip() == "[]"


def test_removing_a_connector_asks_what_to_do_with_its_pending_pushes(capsys, monkeypatch, profile):
    _add_hook(capsys, monkeypatch, profile, "hook", "whsec_c2VjcmV0")
    _add_hook(capsys, monkeypatch, profile, "other", "whsec_b3RoZXI")
    assert run(capsys, "--profile", profile, "push", "1", "--connector", "hook")[0] == 3
    code, _, err = run(capsys, "--profile", profile, "connectors", "remove", "hook")
    assert code == 2 and "1 push(es)" in err and "--cancel-pending" in err
    code, out, _ = run(
        capsys, "--profile", profile, "connectors", "remove", "hook", "--move-pending-to", "other"
    )
    assert code == 0 and "Moved 1 pending item(s) to 'other'" in out
    code, out, _ = run(capsys, "--profile", profile, "outbox", "list", "--json")
    [row] = json.loads(out)
    assert (row["kind"], row["target"], row["status"]) == ("push", "other", "queued")
    code, out, _ = run(capsys, "--profile", profile, "outbox", "list", "--all", "--json")
    assert [r["status"] for r in json.loads(out)] == ["cancelled", "queued"]
    assert run(capsys, "--profile", profile, "outbox", "retry", str(row["id"]))[0] == 0
    assert run(capsys, "--profile", profile, "outbox", "cancel", str(row["id"]))[0] == 0
    code, out, _ = run(capsys, "--profile", profile, "outbox", "list")
    assert "Nothing waiting to be sent." in out
    code, _, err = run(capsys, "--profile", profile, "outbox", "cancel", str(row["id"]))
    assert code == 2 and "cannot be cancelled" in err
    with closing(Store(Path(profile) / "inbox.db", readonly=True)) as store:  # the window's ops
        audit = store.query(
            "SELECT actor, action, detail_json FROM audit_log WHERE action LIKE 'outbox.%'"
        )
    assert [(r[0], r[1], json.loads(r[2])) for r in audit] == [
        ("local", "outbox.send_now", {"item_id": row["id"]}),
        ("local", "outbox.cancel", {"item_id": row["id"]}),
    ]
    code, out, _ = run(capsys, "--profile", profile, "connectors", "remove", "other")
    assert code == 0  # nothing pending any more


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("endless", "sent an answer of more than 1 MB; stopped reading"),
        ("nested", "cannot be read: nested more than 64 levels deep"),
    ],
)
def test_a_hostile_desk_is_a_clear_error_under_the_networks_bounds(
    capsys, monkeypatch, profile, body, said
):
    """A desk answers `connectors test` with a body that never ends, or JSON nested 100,000
    deep: the same cap and depth limit as the networks (inbox.transport), one clear line."""
    import httpx

    from inbox import transport
    from tests.servers.loopback import serve

    monkeypatch.setattr(transport, "MAX_BYTES", 1024 * 1024)
    asked: list[str] = []

    def write(wfile) -> None:
        if body == "nested":
            wfile.write(b"[" * 100_000)
            return
        wfile.write(b'{"user": ' + b" " * 65536)
        while True:
            wfile.write(b" " * 65536)

    def desk(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return httpx.Response(
            200, headers={"Content-Type": "application/json"}, extensions={"loopback.write": write}
        )

    with serve(desk) as url:
        monkeypatch.setattr("sys.stdin", io.StringIO("api-token-1\n"))
        code, _, err = run(
            capsys, "--profile", profile, "connectors", "add", "zendesk", "--name", "desk",
            "--set", f"subdomain={url}", "--set", "email=agent@example.test", "--secret-stdin",
        )  # fmt: skip
        assert code == 0, err
        code, _, err = run(capsys, "--profile", profile, "connectors", "test", "desk")
    assert code == 2
    assert said in err and "Zendesk" in err
    assert "Traceback" not in err and "RecursionError" not in err
    assert asked == ["/api/v2/users/me.json"]


def test_outbox_list_only_reads_and_never_creates_a_profile(capsys, tmp_path) -> None:
    folder = tmp_path / "nowhere"
    code, out, _ = run(capsys, "--profile", str(folder), "outbox", "list")
    assert code == 0 and "Nothing waiting to be sent." in out
    assert not (folder / "inbox.db").exists()
    code, _, err = run(capsys, "--profile", str(folder), "outbox", "cancel", "7")
    assert code == 2 and "Outbox row 7 cannot be cancelled" in err


DESKS = {  # kind: (--set values given the server's URL, the secret on stdin)
    "freshdesk": (lambda url: [f"domain={url}"], "api-key-1"),
    "jira": (
        lambda url: [
            f"url={url}",
            "email=a@example.test",
            "service_desk_id=1",
            "request_type_id=2",
        ],
        "api-token-1",
    ),
    "rt": (lambda url: [f"url={url}", "queue=General"], "token=1-2-3"),
    "webhook": (lambda url: [f"url={url}/hook"], "whsec_c2VjcmV0"),
    "mediawiki": (lambda url: [f"api_url={url}/w/api.php", "username=bot"], "pw-1"),
    "confluence": (lambda url: [f"url={url}", "email=a@example.test", "space_key=KB"], "tok-1"),
    "zendesk_guide": (
        lambda url: [
            f"subdomain={url}",
            "email=a@example.test",
            "section_id=1",
            "permission_group_id=2",
        ],
        "api-token-1",
    ),
}


@pytest.mark.parametrize("kind", sorted(DESKS))
def test_every_http_desk_reads_a_hostile_answer_under_the_bounds(
    capsys, monkeypatch, profile, kind
):
    """The Zendesk test above, for every other desk and knowledge base that speaks HTTP: an
    endless answer to `connectors test` is cut at the cap with one clear line."""
    import httpx

    from inbox import transport
    from tests.servers.loopback import serve

    monkeypatch.setattr(transport, "MAX_BYTES", 1024 * 1024)
    asked: list[str] = []

    def endless(wfile) -> None:
        wfile.write(b'{"a": "' + b"x" * 65536)
        while True:
            wfile.write(b"x" * 65536)

    def desk(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return httpx.Response(
            200,
            headers={"Content-Type": "application/json"},
            extensions={"loopback.write": endless},
        )

    sets, secret = DESKS[kind]
    with serve(desk) as url:
        monkeypatch.setattr("sys.stdin", io.StringIO(secret + "\n"))
        args = [a for value in sets(url) for a in ("--set", value)]
        code, _, err = run(capsys, "--profile", profile, "connectors", "add", kind, "--name",
                           "desk", *args, "--secret-stdin")  # fmt: skip
        assert code == 0, err
        code, out, err = run(capsys, "--profile", profile, "connectors", "test", "desk")
    assert code == 2, out
    assert "sent an answer of more than 1 MB; stopped reading" in err
    assert "Traceback" not in err
    assert len(asked) == 1  # never asked again for the same endless answer
