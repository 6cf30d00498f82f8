"""Declared settings: the code uses only declared names; undeclared names and wrong types raise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from inbox.core import settings
from inbox.core.errors import ConfigError
from inbox.store import Store

ROOT = Path(__file__).resolve().parents[3] / "inbox"
LITERAL = re.compile(r"""\bset(?:_setting|ting)\(\s*["']([\w.]+)["']""")
CONSTANT = re.compile(r"""\bset(?:_setting|ting)\(\s*([A-Z][A-Z_]+)\b""")


def used_names() -> set[str]:
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found.update(LITERAL.findall(text))
        for name in CONSTANT.findall(text):
            m = re.search(rf"""^{name}\s*=\s*["']([\w.]+)["']""", text, re.MULTILINE)
            assert m, f"{path}: cannot resolve setting constant {name}"
            found.add(m.group(1))
    return found


def test_every_setting_the_code_names_is_declared() -> None:
    names = used_names()
    assert len(names) >= 8  # the scan finds them (a broken regex would pass vacuously)
    assert names - set(settings.SETTINGS) == set()


def test_undeclared_names_and_wrong_types_raise(tmp_path) -> None:
    store = Store(tmp_path / "db.sqlite")
    try:
        with pytest.raises(settings.UnknownSetting, match=r"No setting named 'sync\.pol_interval'"):
            store.setting("sync.pol_interval")
        with pytest.raises(settings.UnknownSetting):
            store.set_setting("publishing.member_id", 3)
        with pytest.raises(ConfigError, match=r"sync\.streaming takes bool"):
            store.set_setting("sync.streaming", "yes")
        assert store.setting("sync.poll_interval_s") is None  # the network's own default
        store.set_setting("sync.poll_interval_s", 30)
        assert store.setting("sync.poll_interval_s") == 30
    finally:
        store.close()


def test_the_two_who_am_i_settings_become_one_current_member(tmp_path) -> None:
    from inbox.store.db import MIGRATIONS, open_connection

    [version] = [v for v, name, _ in MIGRATIONS if name.endswith("_current_member.sql")]
    path = tmp_path / "db.sqlite"
    conn = open_connection(path, migrate_to=version - 1)
    conn.execute("INSERT INTO members (name, role) VALUES ('Ann', 'admin')")
    conn.execute("INSERT INTO members (name, role) VALUES ('Bob', 'contributor')")
    conn.execute("INSERT INTO settings VALUES ('triage.current_member', '1')")
    conn.execute("INSERT INTO settings VALUES ('publishing.member_id', '2')")
    conn.commit()
    conn.close()
    store = Store(path)
    try:
        me = store.teams.current()
        assert me is not None and me.name == "Ann"
        rows = store.query("SELECT key FROM settings WHERE key LIKE '%member%'")
        assert [r[0] for r in rows] == ["current_member"]
    finally:
        store.close()
