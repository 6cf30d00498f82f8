"""Saved reply templates: per team or shared, imported all-or-nothing from a JSON file."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING

from inbox.core.errors import ConfigError
from inbox.core.templates import Template

if TYPE_CHECKING:
    from inbox.store.store import Store


def _template(row: sqlite3.Row) -> Template:
    return Template(
        id=row["id"],
        name=row["name"],
        body=row["body"],
        shortcut=row["shortcut"],
        team_id=row["team_id"],
        custom_fields=tuple(json.loads(row["custom_fields_json"])),
    )


class TemplateRepo:
    """List, save, delete and import templates."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def all(self, team_id: int | None = None) -> list[Template]:
        """All templates, or a team's plus the shared ones."""
        if team_id is None:
            rows = self._store.query("SELECT * FROM templates ORDER BY name, id")
        else:
            rows = self._store.query(
                "SELECT * FROM templates WHERE team_id IS NULL OR team_id = ? ORDER BY name, id",
                (team_id,),
            )
        return [_template(r) for r in rows]

    def save(self, template: Template) -> Template:
        """Insert, or update by id, or replace the one with the same team and name."""
        if not template.name.strip():
            raise ConfigError("A template needs a name.")
        now = self._store.now()
        fields = (
            template.name,
            template.body,
            template.shortcut,
            template.team_id,
            json.dumps(list(template.custom_fields)),
        )
        with self._store.transaction() as conn:
            if template.id:
                conn.execute(
                    """UPDATE templates SET name = ?, body = ?, shortcut = ?, team_id = ?,
                           custom_fields_json = ?, updated_at = ? WHERE id = ?""",
                    (*fields, now, template.id),
                )
                template_id = template.id
            else:
                template_id = conn.execute(
                    """INSERT INTO templates (name, body, shortcut, team_id, custom_fields_json,
                           created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (coalesce(team_id, 0), name) DO UPDATE SET body = excluded.body,
                           shortcut = excluded.shortcut,
                           custom_fields_json = excluded.custom_fields_json,
                           updated_at = excluded.updated_at
                       RETURNING id""",
                    (*fields, now, now),
                ).fetchone()[0]
            row = conn.execute("SELECT * FROM templates WHERE id = ?", (template_id,)).fetchone()
        return _template(row)

    def delete(self, template_id: int) -> None:
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM templates WHERE id = ?", (template_id,))

    def import_all(self, templates: Sequence[Template]) -> int:
        """Save every template in one transaction; a failure stores none."""
        with self._store.transaction():
            for t in templates:
                self.save(t)
        return len(templates)
