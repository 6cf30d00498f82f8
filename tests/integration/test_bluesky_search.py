"""A search (monitoring) column against the real local AT Protocol network: the dev-env
AppView indexes posts for app.bsky.feed.searchPosts (its dev data plane matches the text
with SQL LIKE, case-sensitive), so each test searches a word of its own.

Driven through the CLI: `accounts add bluesky`, `columns add-search`, `sync --once`,
`columns fetch`, `conversations list --column`."""

from __future__ import annotations

import io
import json
import secrets
from pathlib import Path

import pytest

from inbox.cli.main import main
from tests.integration.bsky import new_person, pds_url, wait_for

pytestmark = pytest.mark.integration


def run(profile: Path, *args: str, stdin: str = "", monkeypatch=None) -> int:
    if monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--profile", str(profile), *args])


def column(profile: Path, capsys, name: str) -> list[dict]:
    capsys.readouterr()
    assert run(profile, "conversations", "list", "--column", name, "--json") == 0
    return list(json.loads(capsys.readouterr().out))


def test_a_search_column_fills_from_the_appview_once_per_post_and_resumes(
    bsky_network, tmp_path: Path, monkeypatch, capsys
) -> None:
    word = f"Kettle{secrets.token_hex(4)}"  # this test's own competitor
    shop, customer = new_person(bsky_network, "shop"), new_person(bsky_network, "cust")
    profile = tmp_path / "profile"
    code = run(
        profile, "accounts", "add", "bluesky", "--handle", shop.handle,
        "--service", pds_url(bsky_network), "--password-stdin",
        stdin=shop.app_password() + "\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0
    complaint = customer.post(f"{word} lost my parcel again, not impressed")
    ours = shop.post(f"We ship faster than {word}")  # our own post: never an item
    mention = customer.mention(shop, "Hey ", f" do you ship faster than {word}?")
    for post in (complaint, ours, mention):
        customer.indexed(post["uri"])

    def searchable() -> bool:  # the AppView's search sees all three
        found = customer.call("GET", "app.bsky.feed.searchPosts", params={"q": word})
        return len(found["posts"]) == 3

    wait_for(f"the AppView to find {word}", searchable)
    assert run(profile, "sync", "--once") == 0  # the mention arrives as a mention
    assert run(profile, "columns", "add-search", "Competitors", "--terms", word) == 0
    assert run(profile, "columns", "fetch") == 0
    assert "search 1: fetched" in capsys.readouterr().out
    rows = column(profile, capsys, "Competitors")
    by_kind = sorted((r["kind"], r["contact"]) for r in rows)
    # the complaint (nobody asked us) and the mention (one item, still a mention)
    assert by_kind == [("mention", customer.handle), ("monitoring", customer.handle)]
    assert not any(r["contact"] == shop.handle for r in rows)

    later = customer.post(f"{word} raised prices again")
    customer.indexed(later["uri"])
    wait_for(
        f"the AppView to find the new {word} post",
        lambda: len(
            customer.call("GET", "app.bsky.feed.searchPosts", params={"q": word})["posts"]
        )
        == 4,
    )
    assert run(profile, "columns", "fetch") == 0  # from the stored cursor: the new one only
    rows = column(profile, capsys, "Competitors")
    snippets = sorted(r["snippet"] for r in rows)
    assert len(rows) == 3 and any("raised prices again" in s for s in snippets)
    assert run(profile, "columns", "list", "--json") == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["search"]["hits"] == 3 and listed["search"]["state"] == "ok"
