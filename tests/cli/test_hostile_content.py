"""What reaches a spreadsheet, a knowledge base, a desk or a crowd, through the CLI."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from inbox.store import Store
from tests.cli_run import run
from tests.networks.mastodon.fake import TOKEN, FakeMastodon
from tests.servers.loopback import serve


@pytest.fixture
def fake() -> FakeMastodon:
    return FakeMastodon()


@pytest.fixture
def profile(tmp_path: Path, fake: FakeMastodon) -> Iterator[Path]:
    folder = tmp_path / "profile"
    folder.mkdir()
    store = Store(folder / "inbox.db")
    store.set_setting("sync.backfill_days", 36500)  # the recordings are from March 2026
    store.close()
    with serve(fake.handle) as url:
        assert run(folder, "accounts", "add", "mastodon", "--instance", url, "--token-stdin",
                   stdin=TOKEN + "\n") == 0  # fmt: skip
        yield folder


FORMULAS = ['=HYPERLINK("http://evil.example","Click")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+2"]


def test_csv_export_neutralises_formulas_and_reimports_the_users_text(profile, tmp_path, capsys):
    for n, text in enumerate(FORMULAS):
        at = f"2031-05-0{n + 1}T10:00:00Z"
        assert run(profile, "post", "--account", "teashop", "--text-stdin", "--at", at,
                   stdin=text) == 0  # fmt: skip
    out = tmp_path / "schedule.csv"
    assert run(profile, "schedule", "export", "--format", "csv", "-o", str(out)) == 0
    import csv

    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    messages = [r[1] for r in rows[1:]]
    assert messages == ["'" + t for t in FORMULAS]  # a spreadsheet shows them as text
    for r in rows[1:]:
        assert not r[3].startswith(("=", "+", "-", "@")), r  # the account cell too
    # Re-import the date and message columns: the user's text comes back without the quote.
    again = tmp_path / "again.csv"
    with again.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["date", "message"], *([r[0], r[1]] for r in rows[1:])])
    capsys.readouterr()
    assert run(profile, "schedule", "import", str(again), "--account", "teashop", "--dry-run") == 0
    shown = capsys.readouterr().out
    assert "'=" not in shown and '=HYPERLINK("http://evil.example"' in shown and "+1+1" in shown


@pytest.mark.parametrize(
    ("encoding", "label"), [("utf-16", "UTF-16"), ("latin-1", "cp1252"), ("cp1252", "cp1252")]
)
def test_csv_import_reads_utf16_and_latin1(profile, tmp_path, capsys, encoding, label):
    text = "date,message\n2031-06-01 10:00,Café crème à Zürich – très bon\n"
    if encoding == "latin-1":
        text = text.replace("–", "-")
    path = tmp_path / "import.csv"
    path.write_bytes(text.encode(encoding))
    capsys.readouterr()
    assert run(profile, "schedule", "import", str(path), "--account", "teashop", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "Café crème à Zürich" in out and "1 rows are fine" in out
    assert f"Read import.csv as {label}." in out


def test_connector_urls_with_credentials_are_refused_and_http_warned(profile, capsys):
    code = run(profile, "connectors", "add", "rt", "--name", "desk",
               "--set", "url=https://agent:hunter2@rt.example", "--secret-stdin",
               stdin="1-2-token\n")  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "must not contain a user name or password" in err
    assert "hunter2" not in err
    assert run(profile, "connectors", "list", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []
    code = run(profile, "connectors", "add", "rt", "--name", "desk",
               "--set", "url=http://rt.example", "--secret-stdin", stdin="1-2-token\n")  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0 and "warning: " in captured.err and "plain http://" in captured.err
    code = run(profile, "connectors", "add", "rt", "--name", "local", "--set",
               "url=http://127.0.0.1:9", "--secret-stdin", stdin="1-2-token\n")  # fmt: skip
    assert code == 0 and "plain http://" not in capsys.readouterr().err


def test_a_reply_to_a_crowded_dm_mentions_twenty_and_says_so(profile, fake, capsys):
    [dm] = [n for n in fake.notifications if n["status"]["id"] == "1092"]
    crowd = copy.deepcopy(dm)
    crowd["id"], crowd["status"]["id"] = "2999", "1999"
    crowd["status"]["in_reply_to_id"] = None
    crowd["status"]["mentions"] = [
        {"id": str(5000 + n), "username": f"p{n}", "acct": f"p{n}@crowd.example",
         "url": f"https://crowd.example/@p{n}"}
        for n in range(3000)
    ]  # fmt: skip
    fake.add([crowd])
    assert run(profile, "sync", "--once") == 0
    store = Store(profile / "inbox.db")
    [(conversation,)] = store.query("SELECT conversation_id FROM messages WHERE remote_id = '1999'")
    store.close()
    capsys.readouterr()
    assert run(profile, "reply", str(conversation), "--text-stdin", stdin="We are on it.") == 0
    err = capsys.readouterr().err
    assert "has 3,00" in err and "mentions only 20" in err
    assert run(profile, "sync", "--once") == 0
    [post] = fake.posts
    status = post["form"]["status"][0]
    mentions = [word for word in status.split() if word.startswith("@")]
    assert len(mentions) == 20 and status.endswith("We are on it.")


def test_articles_remove_international_addresses_and_phone_numbers(profile, fake, tmp_path, capsys):
    text = (
        "Write to josé@exämple.de or почта@пример.рф or 用户@例子.广告 or संपर्क@डाटामेल.भारत. "
        "Call +44 20 7946 0958, 030 12345678 (Berlin), (415) 555-2671, 06 12 34 56 78, "
        "０３-１２３４-５６７８ or +91 98765 43210. Order 2026-03-01 #4512 is late."
    )
    [first] = [n for n in fake.notifications if n["id"] == "2000"]
    note = copy.deepcopy(first)
    note["id"], note["status"]["id"] = "2998", "1998"
    note["status"]["content"] = f"<p>{text}</p>"
    fake.add([note])
    assert run(profile, "sync", "--once") == 0
    kb = tmp_path / "kb"
    kb.mkdir()
    assert run(profile, "connectors", "add", "markdown", "--name", "kb", "--set",
               f"folder={kb}") == 0  # fmt: skip
    store = Store(profile / "inbox.db")
    [(conversation,)] = store.query("SELECT conversation_id FROM messages WHERE remote_id = '1998'")
    store.close()
    capsys.readouterr()
    assert run(profile, "article", str(conversation), "--connector", "kb", "--dry-run",
               "--any-status") == 0  # fmt: skip
    out = capsys.readouterr().out
    for secret in ("josé@exämple.de", "почта@пример.рф", "用户@例子.广告", "संपर्क@डाटामेल.भारत",
                   "7946 0958", "12345678", "555-2671", "06 12 34 56 78", "５６７８",
                   "98765 43210"):  # fmt: skip
        assert secret not in out.split("Removed:")[0], secret
    assert "Order 2026-03-01 #4512 is late." in out


def test_a_url_with_credentials_saved_by_an_older_version_is_never_printed(profile, capsys):
    store = Store(profile / "inbox.db")
    store.connectors.add("old", "rt", {"url": "https://agent:hunter2@rt.example/rt"})
    store.close()
    capsys.readouterr()
    assert run(profile, "connectors", "list") == 0
    assert run(profile, "connectors", "list", "--json") == 0
    out = capsys.readouterr().out
    assert "hunter2" not in out and "https://***@rt.example/rt" in out
