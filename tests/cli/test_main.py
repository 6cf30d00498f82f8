"""The entry point: verbs load only when the command line names one."""

from __future__ import annotations

import subprocess
import sys

import pytest

from inbox.cli.main import build_parser, main, wants_verbs


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], False),
        (["--demo"], False),
        (["--profile", "sync"], False),  # "sync" is the profile folder here
        (["--screenshot", "out.png", "--demo"], False),
        (["sync", "--once"], True),
        (["--profile", "p", "accounts", "list"], True),
        (["--help"], True),
    ],
)
def test_wants_verbs_reads_past_option_values(argv: list[str], expected: bool) -> None:
    assert wants_verbs(argv) is expected


def test_help_lists_every_verb(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for verb in ("accounts", "conversations", "connectors", "schedule", "sync", "reply"):
        assert verb in out


def test_window_parser_has_no_verbs_and_means_the_window() -> None:
    args = build_parser(with_verbs=False).parse_args(["--demo"])
    assert args.command is None and args.demo


def test_opening_the_window_does_not_import_verb_modules() -> None:
    code = (
        "import sys, inbox.cli.main as m; m.build_parser(m.wants_verbs(['--demo']));"
        "print(sorted(n for n in sys.modules"
        " if n.startswith('inbox.cli.') and n != 'inbox.cli.main'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
