"""Lengths the way each network counts them, met through `social-inbox post`: the limit a
Mastodon instance reports is known from sign-in on (not 500 until the first sync), and
the text is counted with Mastodon's own rules (a URL is 23, @user@domain is @user)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from inbox.cli.main import main
from tests.networks.mastodon.fake import TOKEN, FakeMastodon
from tests.servers.loopback import serve


@pytest.fixture
def mastodon() -> Iterator[tuple[FakeMastodon, str]]:
    server = FakeMastodon()
    server.instance["configuration"]["statuses"]["max_characters"] = 1000
    with serve(server.handle) as url:
        yield server, url


def run(profile: Path, monkeypatch, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--profile", str(profile), *args])


def test_the_instance_limit_and_mastodon_counting_from_sign_in_on(
    mastodon, tmp_path, monkeypatch, capsys
):
    fake, url = mastodon
    profile = tmp_path / "profile"
    add = ("accounts", "add", "mastodon", "--instance", url, "--token-stdin")
    assert run(profile, monkeypatch, *add, stdin=TOKEN + "\n") == 0
    capsys.readouterr()
    post = ("post", "--account", "1", "--text-stdin")

    # 1001 characters on an instance that allows 1000: refused in words, before any sync.
    assert run(profile, monkeypatch, *post, stdin="a" * 1001) == 2
    assert "1 over the 1000 limit" in capsys.readouterr().err

    # Mastodon counts "@sam@tea.example" as "@sam" (4) and any URL as 23: 1000 exactly.
    link = "https://example.com/a/very/long/path/that/Mastodon/counts/as/twenty-three"
    text = "@sam@tea.example " + "b" * (1000 - 23 - 4 - 2) + " " + link
    assert run(profile, monkeypatch, *post, stdin=text) == 0, capsys.readouterr().err
    assert run(profile, monkeypatch, *post, stdin=text + "!") == 2
    assert "1 over the 1000 limit" in capsys.readouterr().err

    assert run(profile, monkeypatch, "sync", "--once") == 0
    [sent] = [r for r in fake.requests if r.url.path == "/api/v1/statuses"]
    assert parse_qs(sent.content.decode())["status"] == [text]  # as typed, and accepted
