"""`social-inbox rules`: list with previews, re-apply headless."""

from __future__ import annotations

import json
from pathlib import Path

from inbox.cli.main import main
from inbox.core.rules import DEFAULT_RULES


def test_rules_list_json_on_the_demo(capsys) -> None:
    assert main(["rules", "list", "--demo", "--json"]) == 0
    rules = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rules] == [r.name for r in DEFAULT_RULES]
    assert all(r["of_last"] > 0 for r in rules)
    assert next(r for r in rules if r["name"] == "Direct message")["matches"] > 0


def test_rules_reapply_reports_progress(tmp_path: Path, capsys) -> None:
    assert main(["demo", "--profile", str(tmp_path)]) == 0
    assert main(["rules", "reapply", "--profile", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "Rules re-applied" in err and "conversations changed" in err
