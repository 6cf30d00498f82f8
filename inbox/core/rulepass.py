"""One rules pass over conversations, as pure decisions: facts in, changed columns out.

The store reads each conversation's facts row (store.rules.FACTS_SELECT, as a dict) and
writes what `Pass.evaluate` returns; ingest, re-apply, SLA sweeps and triage edits all
run this same code, so a re-apply gives what ingest gave.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from inbox.core.clock import from_iso, to_iso
from inbox.core.models import Kind, Status
from inbox.core.rules import Decide, Facts, Merged, merge_rule_state, with_override
from inbox.core.sla import NO_DUE, SlaPolicy, due_for

Update = tuple[int, dict[str, Any]]
_MERGED_KEPT = 4096
# A facts row as a dict: sqlite3.Row finds a column by name with a case-insensitive
# scan of ~20 names, and evaluate() looks up ~30 per row.
FactsRow = dict[str, Any]


def facts_of(
    row: FactsRow, now: datetime, due: datetime | None, since: datetime | None = None
) -> Facts:
    """since: row["waiting_since"] parsed, when the caller has it already."""
    waiting = row["waiting_since"]
    if waiting and since is None:
        since = from_iso(waiting)
    return Facts(
        text=row["text"],
        kind=Kind(row["kind"]),
        account_id=row["account_id"],
        network=row["network"],
        language=row["language"],
        sentiment=row["sentiment"],
        vip=bool(row["vip"]),
        followers=row["followers_count"],
        waiting_minutes=(now - since).total_seconds() / 60 if since is not None else 0.0,
        sla_breached=due is not None and due <= now,
    )


@dataclass
class Pass:
    """One pass over conversations: the rules, the policies and the time, loaded once.

    teams and members are the ids that exist: a rule naming a deleted team or
    member is ignored rather than failing ingest on the foreign key.
    """

    decide: Decide
    policies: dict[int | None, SlaPolicy]
    now: datetime
    teams: frozenset[int] = frozenset()
    members: frozenset[int] = frozenset()
    # (sentiment, message id) worked out by the rules during this pass, for write()
    scores: list[tuple[float, int]] = field(default_factory=list)
    # priority_explain as stored, per explanation: few distinct ones in a pass
    _explain_json: dict[tuple[tuple[str, int], ...], str] = field(default_factory=dict)
    # merge_rule_state's answers by its inputs: a pass meets few combinations
    _merged: dict[tuple[Any, ...], Merged] = field(default_factory=dict)

    def take_scores(self) -> list[tuple[float, int]]:
        scores, self.scores = self.scores, []
        return scores

    def evaluate(self, row: FactsRow, reopen: bool = False) -> Update | None:
        """(id, the columns whose value changes), or None when nothing would change."""
        status = row["status"]
        if reopen and status in (Status.PENDING.value, Status.RESOLVED.value):
            status = Status.OPEN.value  # the customer wrote again
        team_id = row["team_id"]
        waiting = row["waiting_since"]
        since = from_iso(waiting) if waiting else None
        due = self._due(row, team_id, status, since)
        decision = self.decide(facts_of(row, self.now, due, since))
        if decision.sentiment is not None and row["message_id"] is not None:
            self.scores.append((decision.sentiment, row["message_id"]))
        decision = with_override(decision, row["priority_override"])
        # What the rules decided before is in rule_state; a person's choice never is, so it
        # stays, and what no rule says any more goes (core.rules.merge_rule_state).
        state_json = row["rule_state"]
        key = (
            state_json,
            decision.tags,
            decision.team_id,
            decision.assignee_id,
            decision.hidden,
            row["tags"],
            team_id,
            row["assignee_id"],
            row["hidden"],
        )
        merged = self._merged.get(key)
        if merged is None:
            if len(self._merged) >= _MERGED_KEPT:
                self._merged.clear()
            merged = self._merged[key] = merge_rule_state(
                json.loads(state_json) if state_json != "{}" else {},
                decision,
                tags=row["tags"],
                team_id=team_id,
                assignee_id=row["assignee_id"],
                hidden=bool(row["hidden"]),
                teams=self.teams,
                members=self.members,
            )
        if merged.team_id != team_id:
            team_id = merged.team_id
            due = self._due(row, team_id, status, since)
        if status == Status.NEW.value and decision.status is not None:
            status = decision.status.value
            due = self._due(row, team_id, status, since)
        values = {
            "priority": decision.priority,
            "priority_explain": self._explain(decision.explain),
            "template": decision.template,
            "tags": merged.tags,
            "team_id": team_id,
            "assignee_id": merged.assignee_id,
            "hidden": int(merged.hidden),
            "rule_state": merged.state,
            "status": status,
            "sla_due_at": NO_DUE if due is None else to_iso(due),
        }
        # Only what differs is written: every indexed column set costs an index update.
        changed = {k: v for k, v in values.items() if row[k] != v}
        return (row["id"], changed) if changed else None

    def _explain(self, explain: tuple[tuple[str, int], ...]) -> str:
        text = self._explain_json.get(explain)
        if text is None:
            text = self._explain_json[explain] = json.dumps(explain)
        return text

    def _due(
        self, row: FactsRow, team_id: int | None, status: str, since: datetime | None
    ) -> datetime | None:
        if status == Status.RESOLVED.value or since is None:
            return None
        if row["kind"] == Kind.MONITORING.value:
            return None  # found by a search: nobody asked us, no reply is due
        policy = self.policies.get(team_id) or self.policies[None]
        return due_for(since, row["first_response_at"] is not None, policy)
