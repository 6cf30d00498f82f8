"""The boundaries the layers promise, checked on the source: no network named outside
inbox/networks/, no SQL outside inbox/store/.

The network check reads the code, not the prose: string literals that are a network id
in a comparison or a collection (`== "mastodon"`, `("mastodon", "bluesky", "x")`, a dict
key), and any non-docstring literal that names a network by its label ("Mastodon"):
what the window shows about a network comes from its capabilities. The SQL check flags
string literals that start like a statement and calls to `.query(`/`.execute(`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from inbox.networks import registry

ROOT = Path(__file__).resolve().parents[2] / "inbox"

# Content about specific networks, not code that branches on them:
EXEMPT_NETWORK = {
    # The demo workspace's recordings and story are about its three accounts.
    "demo/generate.py",
    "demo/features.py",
}
SQL = re.compile(
    r"^\s*(SELECT\s.+\sFROM\s|INSERT\s+(OR\s+\w+\s+)?INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s"
    r"|CREATE\s+(TABLE|INDEX|VIEW|TRIGGER)\s|DROP\s+(TABLE|INDEX)\s|ALTER\s+TABLE\s|PRAGMA\s+\w+)",
    re.I | re.S,
)


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _sources(exclude: str) -> list[tuple[str, ast.AST]]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(exclude):
            continue
        found.append((rel, ast.parse(path.read_text(encoding="utf-8"))))
    return found


def network_names_outside_networks() -> list[str]:
    caps = registry.known()
    ids = {c.name for c in caps}
    labels = re.compile(
        r"\b(" + "|".join(re.escape(c.label) for c in caps if len(c.label) > 2) + r")\b"
    )
    hits = []
    for rel, tree in _sources("networks/"):
        if rel in EXEMPT_NETWORK:
            continue
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            values: list[ast.expr] = []
            if isinstance(node, ast.Compare):
                values = [node.left, *node.comparators]
            elif isinstance(node, ast.Tuple | ast.List | ast.Set):
                values = list(node.elts)
            elif isinstance(node, ast.Dict):
                values = [k for k in node.keys if k is not None]
            for v in values:
                if isinstance(v, ast.Constant) and v.value in ids:
                    hits.append(f"{rel}:{v.lineno}: {v.value!r}")
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docs
                and labels.search(node.value)
            ):
                hits.append(f"{rel}:{node.lineno}: {node.value[:60]!r}")
    return hits


def sql_outside_store() -> list[str]:
    hits = []
    for rel, tree in _sources("store/"):
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docs
                and SQL.match(node.value)
            ):
                hits.append(f"{rel}:{node.lineno}: {node.value[:50]!r}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"query", "execute", "executemany", "executescript"}
            ):
                hits.append(f"{rel}:{node.lineno}: '.{node.func.attr}('")
    return hits


def test_no_code_outside_networks_names_a_network() -> None:
    assert network_names_outside_networks() == []


def test_no_sql_outside_the_store() -> None:
    assert sql_outside_store() == []


def test_the_checks_find_what_they_look_for(tmp_path, monkeypatch) -> None:
    """Both checks flag a planted violation (a check that cannot fail proves nothing)."""
    planted = tmp_path / "inbox"
    (planted / "ui").mkdir(parents=True)
    (planted / "ui" / "bad.py").write_text(
        '"""Mastodon in a docstring is prose."""\n'
        "def f(network, store):\n"
        '    if network == "mastodon":\n'
        '        store.query("SELECT x FROM t")\n'
        '    return "Add a Bluesky account"\n',
        encoding="utf-8",
    )
    monkeypatch.setitem(globals(), "ROOT", planted)
    assert network_names_outside_networks() == [
        "ui/bad.py:3: 'mastodon'",
        "ui/bad.py:5: 'Add a Bluesky account'",
    ]
    assert sorted(sql_outside_store()) == [
        "ui/bad.py:4: '.query('",
        "ui/bad.py:4: 'SELECT x FROM t'",
    ]
