"""Templates in the store: per team or shared, all-or-nothing import."""

from __future__ import annotations

import pytest

from inbox.core import templates as core
from inbox.core.errors import StoreError
from inbox.core.templates import Template


def test_save_list_by_team_and_replace_by_name(store) -> None:
    with store.transaction() as conn:
        conn.execute("INSERT INTO teams (id, name) VALUES (1, 'A'), (2, 'B')")
    store.templates.save(Template("Hi", "Hello {author.name}", shortcut="hi"))
    store.templates.save(Template("Refund", "30 days", team_id=1))
    store.templates.save(Template("Refund", "60 days", team_id=2))
    store.templates.save(Template("Refund", "45 days", team_id=1))  # same name: replaced
    assert {t.name for t in store.templates.all(team_id=1)} == {"Hi", "Refund"}
    refund = [t for t in store.templates.all(team_id=1) if t.name == "Refund"]
    assert [t.body for t in refund] == ["45 days"]
    assert len(store.templates.all()) == 3


def test_import_file_round_trip_and_all_or_nothing(store) -> None:
    items = [Template("A", "a"), Template("B", "b {order}", custom_fields=("order",))]
    store.templates.import_all(core.loads(core.dumps(items)))
    assert [t.name for t in store.templates.all()] == ["A", "B"]
    with pytest.raises(StoreError):
        store.templates.import_all([Template("C", "c"), Template("D", "d", team_id=99)])
    assert [t.name for t in store.templates.all()] == ["A", "B"]
