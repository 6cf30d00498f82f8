"""Deck columns: add, edit, rename, remove (undoable), reorder (undoable)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from inbox.core.errors import ConfigError, NotFound
from inbox.core.events import Changed
from inbox.core.models import Column, ColumnFilter
from inbox.engine.ops import Op, Outcome, operation
from inbox.store.columns import filter_from_json

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine

COLUMNS = Changed(columns=True)


def filter_args(flt: ColumnFilter) -> dict[str, Any]:
    """A filter as an operation argument (plain data)."""
    data: dict[str, Any] = json.loads(json.dumps(asdict(flt)))
    return data


def _filter(data: dict[str, Any] | None) -> ColumnFilter:
    return filter_from_json(json.dumps(data or {}))


def _column(engine: Engine, column_id: int) -> Column:
    for column in engine.store.columns.all():
        if column.id == column_id:
            return column
    raise NotFound(f"Column {column_id} no longer exists.")


def _name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ConfigError("A column needs a name.")
    return name


@operation("columns.add", label="add column")
def add(
    engine: Engine, name: str, filter: dict[str, Any] | None = None, team_id: int | None = None
) -> Outcome:
    column = engine.store.columns.add(_name(name), _filter(filter), team_id=team_id)
    return Outcome(COLUMNS, column, undo=Op("columns.remove", {"column_id": column.id}))


@operation("columns.add_many", label="add columns")
def add_many(engine: Engine, columns: list[dict[str, Any]], team_id: int | None = None) -> Outcome:
    """Several columns in one write and one redraw (the empty deck's usual columns)."""
    added = [
        engine.store.columns.add(_name(c["name"]), _filter(c.get("filter")), team_id=team_id)
        for c in columns
    ]
    return Outcome(COLUMNS, added)


@operation("columns.update", label="edit column")
def update(
    engine: Engine,
    column_id: int,
    name: str | None = None,
    filter: dict[str, Any] | None = None,
) -> Outcome:
    before = _column(engine, column_id)
    engine.store.columns.update(
        column_id,
        name=_name(name) if name is not None else None,
        flt=_filter(filter) if filter is not None else None,
    )
    undo = Op(
        "columns.update",
        {"column_id": column_id, "name": before.name, "filter": filter_args(before.filter)},
    )
    return Outcome(COLUMNS, undo=undo)


@operation("columns.remove", label="remove column")
def remove(engine: Engine, column_id: int) -> Outcome:
    before = _column(engine, column_id)
    order = [c.id for c in engine.store.columns.for_team(before.team_id)]
    engine.store.columns.remove(column_id)
    undo = Op(
        "columns.restore",
        {
            "name": before.name,
            "filter": filter_args(before.filter),
            "team_id": before.team_id,
            "position": order.index(column_id) if column_id in order else len(order),
        },
    )
    return Outcome(COLUMNS, undo=undo)


@operation("columns.restore", label="restore column")
def restore(
    engine: Engine, name: str, filter: dict[str, Any], team_id: int | None, position: int
) -> Outcome:
    """Undo of columns.remove: the column again, where it was."""
    column = engine.store.columns.add(_name(name), _filter(filter), team_id=team_id)
    order = [c.id for c in engine.store.columns.for_team(team_id) if c.id != column.id]
    order.insert(min(position, len(order)), column.id)
    engine.store.columns.reorder(order)
    return Outcome(COLUMNS, column)


WIDTHS_SETTING = "deck.column_widths"
WIDTHS = ("narrow", "medium", "wide")


@operation("columns.set_width", label="change column width")
def set_width(engine: Engine, column_id: int, width: str) -> Outcome:
    """narrow / medium / wide, kept for the next start (the deck already shows it)."""
    if width not in WIDTHS:
        raise ConfigError(f"A column is narrow, medium or wide, not {width!r}.")
    stored = engine.store.setting(WIDTHS_SETTING)
    widths = dict(stored) if isinstance(stored, dict) else {}
    before = widths.get(str(column_id), "medium")
    widths[str(column_id)] = width
    engine.store.set_setting(WIDTHS_SETTING, widths)
    undo = Op("columns.set_width", {"column_id": column_id, "width": before})
    return Outcome(Changed(settings=True), undo=undo)


@operation("columns.reorder", label="move column")
def reorder(engine: Engine, column_ids: list[int]) -> Outcome:
    known = {c.id: c for c in engine.store.columns.all()}
    missing = [i for i in column_ids if i not in known]
    if missing:
        raise NotFound(f"Column {missing[0]} no longer exists.")
    teams = {known[i].team_id for i in column_ids}
    before = [c.id for t in teams for c in engine.store.columns.for_team(t)]
    engine.store.columns.reorder(column_ids)
    return Outcome(COLUMNS, undo=Op("columns.reorder", {"column_ids": before}))
