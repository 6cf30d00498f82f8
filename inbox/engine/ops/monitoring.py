"""Search columns (monitoring): add one, edit its search. Removing is columns.remove."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inbox.core.errors import ConfigError
from inbox.core.models import ColumnFilter
from inbox.core.monitoring import SearchSpec, make_spec
from inbox.engine import monitoring
from inbox.engine.ops import Op, Outcome, operation
from inbox.engine.ops.columns import COLUMNS, _column, _name
from inbox.networks import registry

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine


def _spec(terms: Any, exclude: Any, networks: Any) -> SearchSpec:
    spec = make_spec(list(terms or []), list(exclude or []), list(networks or []))
    can = {c.name: c for c in registry.searching()}
    for name in spec.networks:
        if name not in can:
            known = ", ".join(f"{c.name} ({c.label})" for c in can.values()) or "none"
            raise ConfigError(f"Cannot search {registry.label(name)}; networks that can: {known}.")
    return spec


def spec_args(spec: SearchSpec) -> dict[str, Any]:
    return {
        "terms": list(spec.terms),
        "exclude": list(spec.exclude),
        "networks": list(spec.networks),
    }


@operation("columns.add_search", label="add search column")
def add_search(
    engine: Engine,
    name: str,
    terms: list[str],
    exclude: list[str] | None = None,
    networks: list[str] | None = None,
    team_id: int | None = None,
) -> Outcome:
    """A monitoring column: its search is fetched from each network it asks."""
    spec = _spec(terms, exclude, networks)
    search = engine.store.searches.add(spec)
    column = engine.store.columns.add(
        _name(name), ColumnFilter(search_id=search.id), team_id=team_id
    )
    monitoring.fetch_soon(engine, search.id)
    return Outcome(
        COLUMNS,
        {"column_id": column.id, "search_id": search.id, "name": column.name, **spec_args(spec)},
        undo=Op("columns.remove", {"column_id": column.id}),
    )


@operation("columns.edit_search", label="edit search column")
def edit_search(
    engine: Engine,
    column_id: int,
    terms: list[str],
    exclude: list[str] | None = None,
    networks: list[str] | None = None,
    name: str | None = None,
) -> Outcome:
    """New terms, exclusions or networks for a search column (and a name)."""
    column = _column(engine, column_id)
    search_id = column.filter.search_id
    if search_id is None:
        raise ConfigError(f"Column {column.name!r} is not a search column.")
    spec = _spec(terms, exclude, networks)
    before = engine.store.searches.get(search_id).spec
    engine.store.searches.update(search_id, spec)
    if name is not None:
        engine.store.columns.update(column_id, name=_name(name))
    monitoring.fetch_soon(engine, search_id)
    undo = Op(
        "columns.edit_search", {"column_id": column_id, "name": column.name, **spec_args(before)}
    )
    return Outcome(COLUMNS, {"search_id": search_id, **spec_args(spec)}, undo=undo)
