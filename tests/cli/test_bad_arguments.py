"""Arguments no row or period can be: one clear line and exit 2, never a traceback (an
id past SQLite's 64-bit INTEGER raised OverflowError deep in the verb; a report in year
9999 overflowed the date arithmetic)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from inbox.cli.main import main
from inbox.store import Store
from tests.networks.mastodon.fake import TOKEN, FakeMastodon
from tests.servers.loopback import serve

HUGE = "99999999999999999999"


def run(profile: Path, *args: str, stdin: str = "") -> int:
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return main(["--profile", str(profile), *args])
    except SystemExit as exc:  # argparse's own refusal
        return int(exc.code or 0)
    finally:
        sys.stdin = old


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    folder = tmp_path / "profile"
    folder.mkdir()
    Store(folder / "inbox.db").close()
    return folder


@pytest.mark.parametrize(
    ("verb", "said"),
    [
        (["outbox", "cancel", HUGE], f"ids: {HUGE} is out of range"),
        (["outbox", "retry", "1", HUGE], f"ids: {HUGE} is out of range"),
        (["conversations", "resolve", HUGE], f"ids: {HUGE} is out of range"),
        (["reply", HUGE, "--text-stdin"], f"conversation: {HUGE} is out of range"),
        (["report", "--from", "9999-01-01", "--to", "9999-12-31"], "out of range: years"),
        (["report", "--from", "0001-01-01", "--to", "0001-01-05"], "out of range: years"),
    ],
)
def test_an_argument_out_of_range_is_one_clear_line(profile, capsys, verb, said) -> None:
    before = (profile / "inbox.db").read_bytes()
    assert run(profile, *verb, stdin="hello") == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err and "OverflowError" not in err
    assert (profile / "inbox.db").read_bytes() == before


@pytest.mark.parametrize("deadline", ["inf", "nan", "-1", "1e308"])
def test_a_deadline_that_is_no_number_of_seconds_is_refused_in_words(
    profile, capsys, deadline
) -> None:
    fake = FakeMastodon()
    with serve(fake.handle) as url:
        assert run(profile, "accounts", "add", "mastodon", "--instance", url, "--token-stdin",
                   stdin=TOKEN + "\n") == 0  # fmt: skip
        capsys.readouterr()
        code = run(profile, "sync", "--once", "--deadline", deadline)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "OverflowError" not in captured.err
    assert code == 2 and "--deadline" in captured.err and "between 1 and 604800" in captured.err
    assert not fake.calls("GET", "/api/v1/notifications")  # refused before any work


def test_files_nested_too_deeply_are_refused_in_words(profile, tmp_path, capsys) -> None:
    """A templates file or a rule of 100,000 "[" raised RecursionError out of the verb."""
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000, encoding="utf-8")
    assert run(profile, "templates", "import", str(deep)) == 2
    err = capsys.readouterr().err
    assert "Not a templates file: it nests too deeply." in err and "Traceback" not in err
    assert run(profile, "rules", "add", "--json-stdin", stdin="[" * 100_000) == 2
    err = capsys.readouterr().err
    assert "Not a rule: it nests too deeply." in err and "Traceback" not in err
    assert run(profile, "templates", "list") == 0


@pytest.mark.parametrize(
    ("sets", "said"),
    [
        (["url=http://[::1", "queue=G"], "URL is not a usable address"),  # was ValueError
        (["url=https://rt.example\u202e/x", "queue=G"], "URL is not a usable address"),
        (["url=https://rt.example", "queue=G", f"requests_per_minute={HUGE}"], "from 0 to"),
        (["url=https://rt.example", "queue=G", "requests_per_minute=-5"], "from 0 to"),
    ],
)
def test_a_connector_value_no_call_could_use_is_refused_before_saving(
    profile, capsys, sets, said
) -> None:
    """Saved, these failed later: a traceback at `connectors test` (InvalidURL on a bidi
    control in the host, OverflowError in the pacer), or at once (ValueError)."""
    args = [a for value in sets for a in ("--set", value)]
    code = run(profile, "connectors", "add", "rt", "--name", "desk", *args, "--secret-stdin",
               stdin="token=1-2-3\n")  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and said in err and "Traceback" not in err, err
    assert run(profile, "connectors", "list", "--json") == 0
    assert capsys.readouterr().out.strip() == "[]"


@pytest.mark.parametrize("env", [{"LC_ALL": "C.UTF-8"}, {"LC_ALL": "C", "PYTHONUTF8": "0"}])
def test_text_on_standard_input_that_is_not_utf8_is_refused_in_words(profile, env) -> None:
    """A Latin-1 file piped into `post --text-stdin` (a real pipe, a real process): the
    locale's decoder raised UnicodeDecodeError, or let the bytes through as surrogates
    that raised UnicodeEncodeError in the store; a traceback either way."""
    import os
    import subprocess

    from inbox.core.models import AccountInfo

    store = Store(profile / "inbox.db")
    store.add_account(AccountInfo("mastodon", "social.test", "1", "shop"))
    store.close()
    command = [sys.executable, "-m", "inbox.cli.main", "--profile", str(profile), "post",
               "--account", "1", "--text-stdin"]  # fmt: skip
    environment = {**os.environ, **env}
    bad = subprocess.run(command, input="Café crème".encode("latin-1"), capture_output=True,
                         env=environment, timeout=120)  # fmt: skip
    err = bad.stderr.decode("utf-8", "replace")
    assert bad.returncode == 2, err
    assert "Standard input is not UTF-8 text (byte 3 cannot be read)" in err, err
    assert "Traceback" not in err
    good = subprocess.run(command, input="Café crème".encode(), capture_output=True,
                          env=environment, timeout=120)  # fmt: skip
    assert good.returncode == 0, good.stderr.decode("utf-8", "replace")
    store = Store(profile / "inbox.db", readonly=True)
    try:
        assert [p.text for p in store.posts.find()] == ["Café crème"]
    finally:
        store.close()
