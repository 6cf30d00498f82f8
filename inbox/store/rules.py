"""The rules table, and applying the rules and SLA policies to stored conversations.

What a pass decides for each conversation is core.rulepass.Pass (pure); this module
reads the facts rows and writes the changed columns.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from inbox.core.clock import from_iso
from inbox.core.errors import ConfigError, NotFound
from inbox.core.rulepass import FactsRow, Pass, Update, facts_of
from inbox.core.rules import (
    DEFAULT_RULES,
    Decide,
    Rule,
    Ruleset,
    When,
    actions_from_json,
    actions_to_json,
    conditions_from_json,
    conditions_to_json,
)
from inbox.core.sla import NO_DUE
from inbox.store.db import translated

if TYPE_CHECKING:
    from inbox.store.store import Store

FACTS_SELECT = """
SELECT c.id, c.account_id, c.kind, c.status, c.priority, c.priority_explain,
       c.priority_override, c.team_id, c.assignee_id, c.tags, c.hidden, c.template,
       c.rule_state,
       c.waiting_since, c.first_response_at, c.sla_due_at, a.network,
       coalesce(m.text, '') AS text, coalesce(m.language, '') AS language,
       m.id AS message_id, CASE WHEN m.id IS NULL THEN 0.0 ELSE m.sentiment_score END
       AS sentiment, coalesce(p.is_vip, 0) AS vip, p.followers_count
FROM conversations c
JOIN accounts a ON a.id = c.account_id
LEFT JOIN messages m ON m.id = c.last_inbound_id
LEFT JOIN contacts p ON p.id = c.contact_id
"""

# What a rules pass reads (FACTS_SELECT rows as dicts) and writes: core.rulepass.

ALL_TEAMS = "all"  # reapply(team=...): every conversation, whatever its team


def fact_rows(store: Store, where: str, params: Sequence[Any]) -> list[FactsRow]:
    """FACTS_SELECT followed by where (WHERE / ORDER BY / LIMIT ...), as dicts."""
    with translated(store.path):
        cursor = store.conn.execute(f"{FACTS_SELECT} {where}", params)
        keys = [d[0] for d in cursor.description]
        return [dict(zip(keys, r, strict=True)) for r in cursor.fetchall()]


def write(
    conn: sqlite3.Connection, updates: list[Update], scores: Sequence[tuple[float, int]] = ()
) -> set[int]:
    """Write updates grouped by the columns they change, one executemany per group.

    scores: (sentiment, message id) the rules computed (Pass.scores), kept so that
    VADER runs at most once per message.
    """
    if scores:
        conn.executemany("UPDATE messages SET sentiment_score = ? WHERE id = ?", scores)
    groups: dict[tuple[str, ...], list[list[Any]]] = {}
    for cid, changed in updates:
        groups.setdefault(tuple(changed), []).append([*changed.values(), cid])
    for columns, params in groups.items():
        sets = ", ".join(f"{c} = ?" for c in columns)
        conn.executemany(f"UPDATE conversations SET {sets} WHERE id = ?", params)
    return {cid for cid, _ in updates}


Progress = Callable[[int, int], None]  # (done, total)


def _rule(row: sqlite3.Row) -> Rule:
    return Rule(
        name=row["name"],
        conditions=conditions_from_json(row["conditions_json"]),
        actions=actions_from_json(row["actions_json"]),
        match=row["match"],
        enabled=bool(row["enabled"]),
        stop=bool(row["stop"]),
        id=row["id"],
        position=row["position"],
    )


class RuleRepo:
    """Rules in order; the compiled Ruleset ingest uses; re-applying them to conversations."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._ruleset: Ruleset | None = None

    # -- the list ---------------------------------------------------------------------

    def all(self) -> list[Rule]:
        rows = self._store.query("SELECT * FROM rules ORDER BY position, id")
        out = []
        for row in rows:
            try:
                out.append(_rule(row))
            except (ValueError, KeyError, TypeError):
                continue  # a rule from a newer app or a broken edit is skipped, not fatal
        return out

    def ruleset(self) -> Ruleset:
        """The enabled rules compiled; cached until the list changes."""
        if self._ruleset is None:
            self._ruleset = Ruleset(self.all())
        return self._ruleset

    def forget(self) -> None:
        """Read the rules again on next use (another process may have edited them)."""
        self._ruleset = None

    def waiting_thresholds(self) -> set[float]:
        """Every N (minutes) an enabled rule's "waiting longer than N" condition uses."""
        out: set[float] = set()
        for rule in self.ruleset().rules:
            for c in rule.conditions:
                if c.when is When.WAITING and isinstance(c.value, int | str):
                    try:
                        out.add(float(c.value))
                    except ValueError:
                        continue  # the rule never fires either
        return out

    def seed_defaults(self) -> None:
        """Give a new profile the day-one rules, once (deleting them all is respected)."""
        if self._store.setting("triage.rules_seeded"):
            return
        with self._store.transaction():
            if not self._store.query("SELECT 1 FROM rules LIMIT 1"):
                for rule in DEFAULT_RULES:
                    self.save(rule)
            self._store.set_setting("triage.rules_seeded", True)

    def save(self, rule: Rule) -> Rule:
        """Insert (id 0, appended at the end) or update a rule; returns it as stored."""
        if rule.match not in ("all", "any"):
            raise ConfigError(f"A rule matches all or any of its conditions, not {rule.match!r}")
        values = (
            rule.name,
            int(rule.enabled),
            rule.match,
            int(rule.stop),
            conditions_to_json(rule.conditions),
            actions_to_json(rule.actions),
        )
        with self._store.transaction() as conn:
            if rule.id:
                row = conn.execute(
                    "UPDATE rules SET name = ?, enabled = ?, match = ?, stop = ?,"
                    " conditions_json = ?, actions_json = ? WHERE id = ? RETURNING *",
                    (*values, rule.id),
                ).fetchone()
                if row is None:
                    raise NotFound(f"Rule {rule.id} no longer exists.")
            else:
                row = conn.execute(
                    "INSERT INTO rules (name, enabled, match, stop, conditions_json,"
                    " actions_json, position) VALUES (?, ?, ?, ?, ?, ?,"
                    " (SELECT coalesce(max(position) + 1, 0) FROM rules)) RETURNING *",
                    values,
                ).fetchone()
        self._ruleset = None
        return _rule(row)

    def remove(self, rule_id: int) -> None:
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM rules WHERE id = ?", (rule_id,))
        self._ruleset = None

    def reorder(self, rule_ids: Sequence[int]) -> None:
        """Positions follow the order given; earlier rules take precedence."""
        with self._store.transaction() as conn:
            conn.executemany(
                "UPDATE rules SET position = ? WHERE id = ?",
                [(pos, rid) for pos, rid in enumerate(rule_ids)],
            )
        self._ruleset = None

    # -- applying -----------------------------------------------------------------------

    def new_pass(self, decide: Decide | None = None) -> Pass:
        teams = frozenset(int(r[0]) for r in self._store.query("SELECT id FROM teams"))
        members = frozenset(int(r[0]) for r in self._store.query("SELECT id FROM members"))
        return Pass(
            decide or self.ruleset(),
            self._store.teams.policies(),
            self._store.clock.now(),
            teams,
            members,
        )

    def refresh(
        self,
        ids: Iterable[int],
        decide: Decide | None = None,
        *,
        reopen: bool = False,
        reopened: Collection[int] = (),
    ) -> set[int]:
        """Re-decide these conversations now (at ingest, after an edit); returns changed ids.

        reopen: the customer wrote again in all of them; reopened: in those only.
        """
        ids = list(ids)
        if not ids:
            return set()
        run = self.new_pass(decide)
        marks = ",".join("?" * len(ids))
        rows = fact_rows(self._store, f"WHERE c.id IN ({marks})", ids)
        updates = [
            u
            for u in (run.evaluate(r, reopen or r["id"] in reopened) for r in rows)
            if u is not None
        ]
        with self._store.transaction() as conn:
            return write(conn, updates, run.take_scores())

    def reapply(
        self,
        decide: Decide | None = None,
        *,
        batch: int = 5000,
        where: str = "1 = 1",
        params: Sequence[Any] = (),
        team: int | str | None = ALL_TEAMS,
    ) -> Iterable[tuple[int, int, set[int]]]:
        """Re-decide every conversation (or those matching where, or only one team's: team
        None = those without a team), one batch per transaction.

        Yields (done, total, changed ids) after each batch so the caller can publish
        progress and let other work in between batches.
        """
        if team is None:
            where = f"({where}) AND c.team_id IS NULL"
        elif team != ALL_TEAMS:
            where, params = f"({where}) AND c.team_id = ?", (*params, int(team))
        run = self.new_pass(decide)
        total = int(
            self._store.query(f"SELECT count(*) FROM conversations c WHERE {where}", params)[0][0]
        )
        done, last_id = 0, -1
        while True:
            rows = fact_rows(
                self._store,
                f"WHERE c.id > ? AND {where} ORDER BY c.id LIMIT ?",
                [last_id, *params, batch],
            )
            if not rows:
                break
            updates = [u for u in map(run.evaluate, rows) if u is not None]
            with self._store.transaction() as conn:
                changed = write(conn, updates, run.take_scores())
            last_id = rows[-1]["id"]
            done += len(rows)
            yield done, total, changed

    def preview(self, rule: Rule, last: int = 1000) -> tuple[int, int]:
        """How many of the newest `last` conversations the rule matches: (matches, looked at)."""
        single = Ruleset([replace(rule, enabled=True, stop=False)])
        now = self._store.clock.now()
        rows = fact_rows(self._store, "ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?", (last,))
        hits = sum(1 for r in rows if single.fired(facts_of(r, now, _stored_due(r))))
        return hits, len(rows)


def _stored_due(row: FactsRow) -> datetime | None:
    due = row["sla_due_at"]
    return None if due == NO_DUE else from_iso(due)
