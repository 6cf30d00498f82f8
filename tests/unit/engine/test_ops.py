"""Operations: plain-data arguments, audit with the acting member, undo, initiator."""

from __future__ import annotations

from pathlib import Path

import pytest

from inbox.core.errors import ConfigError, NotFound
from inbox.core.events import Changed
from inbox.core.models import ColumnFilter, Kind, Role
from inbox.core.settings import UnknownSetting
from inbox.engine import Engine, ops
from inbox.engine.ops.columns import filter_args


@pytest.fixture
def engine(tmp_path: Path, clock):
    e = Engine(tmp_path / "inbox.db", clock=clock)
    e.start()
    yield e
    e.stop()


def test_an_op_audits_the_current_member_and_announces_its_initiator(engine) -> None:
    seen: list[Changed] = []
    engine.call(lambda e: e.subscribe(lambda ev: seen.append(ev)))
    ann = engine.call(lambda e: e.store.teams.add_member("Ann", Role.ADMIN))
    engine.call(lambda e: ops.run(e, "members.set_current", member_id=ann.id))
    flt = filter_args(ColumnFilter(kinds=(Kind.DM,)))
    column = engine.call(
        lambda e: ops.run(e, "columns.add", initiator="cli", name="DMs", filter=flt)
    )
    assert column.filter.kinds == (Kind.DM,)
    assert seen[-1] == Changed(columns=True, initiator="cli")
    rows = engine.call(
        lambda e: e.store.query("SELECT actor, action, detail_json FROM audit_log ORDER BY id")
    )
    assert (rows[-1]["actor"], rows[-1]["action"]) == (f"member:{ann.id}", "columns.add")
    assert '"name": "DMs"' in rows[-1]["detail_json"]


def test_removing_a_column_is_undone_in_place(engine) -> None:
    def three(e: Engine) -> list[int]:
        return [ops.run(e, "columns.add", name=n).id for n in ("A", "B", "C")]

    engine.call(three)
    b = engine.call(lambda e: next(c for c in e.store.columns.all() if c.name == "B").id)
    engine.call(lambda e: ops.run(e, "columns.remove", column_id=b))
    assert [c.name for c in engine.call(lambda e: e.store.columns.all())] == ["A", "C"]
    assert engine.call(ops.undo_label) == "Undo remove column"
    assert engine.call(ops.undo) == "remove column"
    assert [c.name for c in engine.call(lambda e: e.store.columns.all())] == ["A", "B", "C"]


def test_arguments_must_be_plain_data_and_names_must_exist(engine) -> None:
    with pytest.raises(TypeError, match="plain data"):
        engine.call(lambda e: ops.run(e, "columns.add", name="X", filter=ColumnFilter()))
    with pytest.raises(NotFound, match=r"No operation named 'columns\.explode'"):
        engine.call(lambda e: ops.run(e, "columns.explode"))
    with pytest.raises(NotFound, match="Column 99 no longer exists"):
        engine.call(lambda e: ops.run(e, "columns.remove", column_id=99))
    with pytest.raises(ConfigError, match="needs a name"):
        engine.call(lambda e: ops.run(e, "columns.add", name="  "))
    with pytest.raises(UnknownSetting):
        engine.call(lambda e: ops.run(e, "settings.set", name="nope", value=1))
    assert engine.call(lambda e: e.store.columns.all()) == []


def test_an_op_round_trips_as_json_for_a_journal() -> None:
    op = ops.Op("columns.reorder", {"column_ids": [3, 1, 2]})
    assert ops.Op.from_json(op.to_json()) == op


def test_not_found_reads_as_words_not_as_a_key_error() -> None:
    from inbox.core.errors import user_words

    assert user_words(NotFound("Column 3 no longer exists.")) == "Column 3 no longer exists."
    # A bare KeyError (a bug) still reads as words, never "Internal error: KeyError(3)".
    assert user_words(KeyError(3)).startswith("That item no longer exists")


def test_the_store_says_what_is_missing(engine) -> None:
    from inbox.core.errors import user_words

    with pytest.raises(NotFound) as caught:
        engine.call(lambda e: e.store.account(999))
    assert user_words(caught.value) == "Account 999 no longer exists."
    with pytest.raises(KeyError):  # still a KeyError for code written against the old one
        engine.call(lambda e: e.store.teams.member(999))
