"""Saved replies: save, delete (undoable), import."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from inbox.core.errors import NotFound
from inbox.core.events import Changed
from inbox.core.templates import Template
from inbox.engine.ops import Op, Outcome, operation

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine

TEMPLATES = Changed(templates=True)


def template_args(template: Template) -> dict[str, Any]:
    data = asdict(template)
    data["custom_fields"] = list(template.custom_fields)
    return data


def _template(data: dict[str, Any]) -> Template:
    data = dict(data)
    data["custom_fields"] = tuple(data.get("custom_fields") or ())
    return Template(**data)


@operation("templates.save", label="save reply template")
def save(engine: Engine, template: dict[str, Any]) -> Outcome:
    return Outcome(TEMPLATES, engine.store.templates.save(_template(template)))


@operation("templates.delete", label="delete reply template")
def delete(engine: Engine, template_id: int) -> Outcome:
    found = [t for t in engine.store.templates.all(team_id=None) if t.id == template_id]
    if not found:
        raise NotFound(f"Saved reply {template_id} no longer exists.")
    engine.store.templates.delete(template_id)
    again = template_args(found[0]) | {"id": 0}
    return Outcome(TEMPLATES, undo=Op("templates.save", {"template": again}))


@operation("templates.import", label="import reply templates")
def import_all(engine: Engine, templates: list[dict[str, Any]]) -> Outcome:
    count = engine.store.templates.import_all([_template(t) for t in templates])
    return Outcome(TEMPLATES, count)
