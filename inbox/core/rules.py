"""Triage rules: ordered "when all/any of these -> do these" entries, scored and explained.

A Ruleset is compiled once from the stored rules and called per conversation
with its Facts. Points of every rule that fires add up; for single-valued
actions (team, assignee, status, template) the first rule that sets one wins,
so the order of the list is its precedence; tags add up; a rule with
``stop`` ends the evaluation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

# The priority bands live in models (every card paints its band before rules load).
from inbox.core.models import BANDS, Kind, Status, band  # noqa: F401
from inbox.core.textfacts import fold, is_question, sentiment, sentiment_label, word_pattern

BREACH_RULE = "SLA overdue: first in its priority band"
URGENT_BREACH_LIFT = 20  # the top band has no ceiling: a breach lifts it this much


def breach_lift(priority: int) -> int:
    """Points a missed SLA adds: to the top of the conversation's own band, never beyond.

    A breach must not turn everything urgent (a +100 boost did, and the urgent column
    held 315 of 336 conversations); it makes the conversation lead its band instead,
    and among breached ones of a band the oldest due time comes first (the columns'
    order is priority, then due time).
    """
    ceilings = [floor for floor, _ in BANDS if floor > priority]
    if not ceilings:
        return URGENT_BREACH_LIFT
    return max(0, min(ceilings) - 1 - priority)


OVERRIDE_RULE = "Set by hand"
SPAM_TAG = "spam"


class When(StrEnum):
    """What a condition tests."""

    KIND = "kind"  # value: kinds (mention, dm, reply, quote, monitoring: found by a search)
    ACCOUNT = "account"  # value: account ids
    NETWORK = "network"  # value: network names
    KEYWORDS = "keywords"  # value: words or phrases, whole words, any case or accent
    QUESTION = "question"  # no value
    SENTIMENT = "sentiment"  # value: negative, neutral, positive (VADER)
    VIP = "vip"  # no value: the author is a VIP contact
    FOLLOWERS = "followers"  # value: N, author has more than N followers
    WAITING = "waiting"  # value: N, the customer waits longer than N minutes
    LANGUAGE = "language"  # value: language codes (en, fr, ...)


class Do(StrEnum):
    """What an action does."""

    PRIORITY = "priority"  # value: points to add (negative subtracts)
    TEAM = "team"  # value: team id
    ASSIGN = "assign"  # value: member id
    TAGS = "tags"  # value: tags to add
    STATUS = "status"  # value: new, open, pending, resolved
    TEMPLATE = "template"  # value: the name of a template to suggest
    SPAM = "spam"  # no value: hide, tag spam


Value = int | str | tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Condition:
    when: When
    value: Value = None
    negate: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "when", When(self.when))  # "kind" is accepted for When.KIND


@dataclass(frozen=True, slots=True)
class Action:
    do: Do
    value: Value = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "do", Do(self.do))


@dataclass(frozen=True, slots=True)
class Rule:
    """One entry of the ordered list; id 0 means not stored yet."""

    name: str
    conditions: tuple[Condition, ...]
    actions: tuple[Action, ...]
    match: str = "all"  # all or any
    enabled: bool = True
    stop: bool = False
    id: int = 0
    position: int = 0


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rules may look at for one conversation: its newest inbound message and more."""

    text: str
    kind: Kind
    account_id: int = 0
    network: str = ""
    language: str = ""
    # VADER compound of text; None: not worked out yet, the rules compute it from text
    # only if one reaches a sentiment condition (Decision.sentiment hands it back).
    sentiment: float | None = None
    vip: bool = False
    followers: int | None = None
    waiting_minutes: float = 0.0
    sla_breached: bool = False


@dataclass(frozen=True)
class Decision:
    """What the rules decided for a conversation."""

    priority: int = 0
    explain: tuple[tuple[str, int], ...] = ()  # (rule name, points) of every rule that fired
    team_id: int | None = None
    assignee_id: int | None = None
    tags: tuple[str, ...] = ()
    status: Status | None = None
    hidden: bool = False
    template: str | None = None
    # Facts.sentiment computed while deciding (it was None and a rule needed it), so the
    # caller can keep it: None when it was given or not needed. Not part of the outcome.
    sentiment: float | None = None


Decide = Callable[[Facts], Decision]


def _strings(value: Value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, tuple):
        return value
    return (str(value),)


def _number(value: Value) -> float:
    try:
        return float(value) if isinstance(value, int | str) else 0.0
    except ValueError:
        return 0.0


class _Lazy:
    """Per-conversation values computed at most once, only if a condition asks."""

    __slots__ = ("_folded", "_question", "computed_sentiment", "facts")

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self._folded: str | None = None
        self._question: bool | None = None
        self.computed_sentiment: float | None = None  # set when facts had none

    @property
    def sentiment(self) -> float:
        """The given score, else VADER on the text (the costly fact: asked for last)."""
        if self.facts.sentiment is not None:
            return self.facts.sentiment
        if self.computed_sentiment is None:
            self.computed_sentiment = sentiment(self.facts.text)
        return self.computed_sentiment

    @property
    def folded(self) -> str:
        if self._folded is None:
            self._folded = fold(self.facts.text)
        return self._folded

    @property
    def question(self) -> bool:
        if self._question is None:
            self._question = is_question(self.facts.text)
        return self._question


# Conditions are pure, so their order within a rule changes no outcome, only the cost:
# testing the cheap ones first lets "all" and "any" stop before a regex or VADER runs.
_COST = {When.QUESTION: 1, When.KEYWORDS: 2, When.SENTIMENT: 3}


def _cheap_first(conditions: Sequence[Condition]) -> list[Condition]:
    return sorted(conditions, key=lambda c: _COST.get(c.when, 0))  # stable


def _expression(condition: Condition, name: str, constants: dict[str, Any]) -> str:
    """One condition as a Python expression over the locals of _generate's function
    (f: the Facts, x: the _Lazy, and _LOCALS: kind, account, ..., folded); its values are
    bound as constants under name, never written into the source."""
    when, value = condition.when, condition.value
    constants[name] = frozenset(s.lower() for s in _strings(value))
    if when is When.KIND:
        text = f"kind in {name}"
    elif when is When.ACCOUNT:
        text = f"account in {name}"
    elif when is When.NETWORK:
        text = f"network in {name}"
    elif when is When.KEYWORDS:
        constants[name] = word_pattern(_strings(value))
        text = "False" if constants[name] is None else f"{name}.search(folded) is not None"
    elif when is When.QUESTION:
        text = "x.question"
    elif when is When.SENTIMENT:
        text = f"sentiment_label(x.sentiment) in {name}"
    elif when is When.VIP:
        text = "f.vip"
    elif when is When.FOLLOWERS:
        constants[name] = _number(value)
        text = f"(f.followers or 0) > {name}"
    elif when is When.WAITING:
        constants[name] = _number(value)
        text = f"f.waiting_minutes > {name}"
    elif when is When.LANGUAGE:
        text = f"(lang != '' and (lang in {name} or lang0 in {name}))"
    else:  # pragma: no cover - When is closed
        raise AssertionError(when)
    return f"not ({text})" if condition.negate else f"({text})"


# The facts a kind of condition reads, worked out once per conversation when one does.
_LOCALS = (
    (When.KIND, "    kind = f.kind._value_"),
    (When.ACCOUNT, "    account = str(f.account_id)"),
    (When.NETWORK, "    network = f.network.lower()"),
    (When.LANGUAGE, "    lang = f.language.lower()"),
    (When.LANGUAGE, "    lang0 = lang.split('-')[0]"),
    (When.KEYWORDS, "    folded = x.folded"),
)


def _generate(rules: Sequence[Rule]) -> Callable[[Facts, _Lazy], tuple[int, ...]]:
    """The rules as one Python function: (facts, lazy) -> indexes of the rules that fire,
    in order, up to the first with stop. Each condition is an inline expression, cheap
    ones first (_cheap_first), joined with `and` / `or` so a rule stops testing as soon
    as its outcome is known, exactly as testing them one by one; the dispatch on each
    condition's kind happens here, once, not per conversation (a rules pass evaluates
    every rule for every conversation: ~3x less time than a closure per condition)."""
    constants: dict[str, Any] = {"sentiment_label": sentiment_label}
    lines = ["    out = []"]
    for i, rule in enumerate(rules):
        joiner = " or " if rule.match == "any" else " and "
        tests = [
            _expression(c, f"c{i}_{j}", constants)
            for j, c in enumerate(_cheap_first(rule.conditions))
        ]
        lines.append(f"    if {joiner.join(tests)}:")
        lines.append(f"        out.append({i})")
        if rule.stop:
            lines.append("        return tuple(out)")
    lines.append("    return tuple(out)")
    used = {c.when for r in rules for c in r.conditions}
    lines[:0] = ["def fired(f, x):"] + [line for when, line in _LOCALS if when in used]
    namespace = dict(constants)
    # The source holds names and indexes only: every value is bound in namespace.
    exec(compile("\n".join(lines), "<rules>", "exec"), namespace)
    fired: Callable[[Facts, _Lazy], tuple[int, ...]] = namespace["fired"]
    return fired


_DECISIONS_KEPT = 4096  # decisions per Ruleset, by (rules fired, SLA breached)


class Ruleset:
    """The enabled rules, compiled; call it with Facts to get a Decision."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = tuple(r for r in rules if r.enabled)
        # a rule without conditions would fire on everything: it never fires
        self._live = [r for r in self.rules if r.conditions]
        self._effects = [Effect.of(r) for r in self._live]
        self._fire = _generate(self._live)
        # The same rules firing give the same decision: a pass meets few combinations.
        self._decisions: dict[tuple[tuple[int, ...], bool], Decision] = {}

    def fired(self, facts: Facts) -> list[Rule]:
        """The rules whose conditions hold, in order, up to the first with stop."""
        return [self._live[i] for i in self._fire(facts, _Lazy(facts))]

    def __call__(self, facts: Facts) -> Decision:
        lazy = _Lazy(facts)
        key = (self._fire(facts, lazy), facts.sla_breached)
        decision = self._decisions.get(key)
        if decision is None:
            if len(self._decisions) >= _DECISIONS_KEPT:
                self._decisions.clear()
            decision = decide_from([self._effects[i] for i in key[0]], key[1])
            self._decisions[key] = decision
        if lazy.computed_sentiment is not None:
            return replace(decision, sentiment=lazy.computed_sentiment)
        return decision


_STATUSES = {s.value: s for s in Status}


@dataclass(frozen=True, slots=True)
class Effect:
    """What one rule does, folded from its actions once."""

    name: str
    points: int = 0
    team_id: int | None = None
    assignee_id: int | None = None
    tags: tuple[str, ...] = ()
    status: Status | None = None
    template: str | None = None
    hidden: bool = False

    @classmethod
    def of(cls, rule: Rule) -> Effect:
        points, team, assignee, status, template, hidden = 0, None, None, None, None, False
        tags: list[str] = []
        for action in rule.actions:
            if action.do is Do.PRIORITY:
                points += int(_number(action.value))
            elif action.do is Do.TEAM and team is None and action.value is not None:
                team = int(_number(action.value))
            elif action.do is Do.ASSIGN and assignee is None and action.value is not None:
                assignee = int(_number(action.value))
            elif action.do is Do.TAGS:
                tags.extend(t for t in _strings(action.value) if t not in tags)
            elif action.do is Do.STATUS and status is None and action.value:
                status = _STATUSES.get(str(action.value))  # an unknown status is ignored
            elif action.do is Do.TEMPLATE and template is None and action.value:
                template = str(action.value)
            elif action.do is Do.SPAM:
                hidden = True
                if SPAM_TAG not in tags:
                    tags.append(SPAM_TAG)
        return cls(rule.name, points, team, assignee, tuple(tags), status, template, hidden)


def decide_from(
    fired: Sequence[Rule | Effect], sla_breached: bool = False, *, sentiment: float | None = None
) -> Decision:
    """Fold the effects of fired rules, in order, into one Decision.

    Points add up; tags add up; the first rule to set a team, assignee, status or
    template wins. sentiment is passed on as Decision.sentiment.
    """
    explain: list[tuple[str, int]] = []
    tags: list[str] = []
    team: int | None = None
    assignee: int | None = None
    status: Status | None = None
    template: str | None = None
    hidden = False
    for item in fired:
        effect = item if isinstance(item, Effect) else Effect.of(item)
        explain.append((effect.name, effect.points))
        if effect.tags:
            tags.extend(t for t in effect.tags if t not in tags)
        if team is None:
            team = effect.team_id
        if assignee is None:
            assignee = effect.assignee_id
        if status is None:
            status = effect.status
        if template is None:
            template = effect.template
        hidden = hidden or effect.hidden
    if sla_breached:
        explain.append((BREACH_RULE, breach_lift(sum(p for _, p in explain))))
    return Decision(
        priority=sum(p for _, p in explain),
        explain=tuple(explain),
        team_id=team,
        assignee_id=assignee,
        tags=tuple(tags),
        status=status,
        hidden=hidden,
        template=template,
        sentiment=sentiment,
    )


def with_override(decision: Decision, override: int | None) -> Decision:
    """A priority set by hand replaces the score; the rules stay in the explanation."""
    if override is None:
        return decision
    return replace(decision, priority=override, explain=((OVERRIDE_RULE, override),))


# -- what the rules decided, apart from what people decided ----------------------------

SPAM_VETO = "spam"  # a person said "not spam": no rule hides or spam-tags it again


def _tag_veto(tag: str) -> str:
    return f"tag:{tag}"


@dataclass(frozen=True, slots=True)
class Merged:
    """A conversation's rule-made state after one pass: columns as stored."""

    tags: str  # JSON list: the person's tags, then the rules'
    team_id: int | None
    assignee_id: int | None
    hidden: bool
    state: str  # rule_state JSON


def merge_rule_state(
    state: dict[str, Any],
    decision: Decision,
    *,
    tags: str,
    team_id: int | None,
    assignee_id: int | None,
    hidden: bool,
    teams: frozenset[int],
    members: frozenset[int],
) -> Merged:
    """Replace what the rules decided last time by what they decide now.

    state lists what the rules put there (tags, team, assignee, hidden) and what a person
    took away from them (veto). A person's tag, team, assignee or spam mark is not in the
    state, so it stays; a rule's is replaced, so a removed or edited rule leaves no trace.
    """
    veto = set(state.get("veto", ()))
    new: dict[str, Any] = {"veto": sorted(veto)} if veto else {}
    ruled_tags = state.get("tags", [])
    if decision.tags or ruled_tags:
        current = json.loads(tags)
        own = [t for t in current if t not in ruled_tags]
        blocked = {SPAM_TAG} if SPAM_VETO in veto else set()
        by_rules = [
            t
            for t in dict.fromkeys(decision.tags)
            if t not in own and _tag_veto(t) not in veto and t not in blocked
        ]
        if by_rules:
            new["tags"] = by_rules
        if own + by_rules != current:
            tags = json.dumps(own + by_rules)
    if team_id is None or ("team" in state and state["team"] == team_id):
        team_id = decision.team_id if decision.team_id in teams else None
        if team_id is not None:
            new["team"] = team_id
    if assignee_id is None or ("assignee" in state and state["assignee"] == assignee_id):
        assignee_id = decision.assignee_id if decision.assignee_id in members else None
        if assignee_id is not None:
            new["assignee"] = assignee_id
    if not hidden or state.get("hidden"):
        hidden = decision.hidden and SPAM_VETO not in veto
        if hidden:
            new["hidden"] = True
    text = json.dumps(new, sort_keys=True) if new else "{}"
    return Merged(tags, team_id, assignee_id, hidden, text)


def person_decided(
    state_json: str,
    *,
    tags_added: Iterable[str] = (),
    tags_removed: Iterable[str] = (),
    team: bool = False,
    assignee: bool = False,
    spam: bool | None = None,
) -> str:
    """rule_state after a person's choice: it is theirs now, and the rules leave it alone.

    A tag the person adds is theirs (also one a rule had added: they confirmed it); one they
    remove is vetoed for the rules; a team, assignee or spam mark they set is theirs; "not
    spam" vetoes the spam rules for this conversation.
    """
    state: dict[str, Any] = json.loads(state_json or "{}")
    veto = set(state.get("veto", ()))
    added, removed = set(tags_added), set(tags_removed)
    if spam is not None:
        state.pop("hidden", None)
        (removed if not spam else added).add(SPAM_TAG)
        if spam:
            veto.discard(SPAM_VETO)
        else:
            veto.add(SPAM_VETO)
    ruled = [t for t in state.get("tags", []) if t not in added | removed]
    veto |= {_tag_veto(t) for t in removed if t != SPAM_TAG}
    veto -= {_tag_veto(t) for t in added}
    state["tags"], state["veto"] = ruled, sorted(veto)
    if team:
        state.pop("team", None)
    if assignee:
        state.pop("assignee", None)
    kept = {k: v for k, v in state.items() if v not in ([], None)}
    return json.dumps(kept, sort_keys=True) if kept else "{}"


# -- JSON as stored in the rules table ---------------------------------------------


def _value_to_json(value: Value) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _value_from_json(value: Any) -> Value:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        return int(value)
    raise ValueError(f"not a rule value: {value!r}")


def conditions_to_json(conditions: Sequence[Condition]) -> str:
    return json.dumps(
        [
            {"when": c.when.value, "value": _value_to_json(c.value), "negate": c.negate}
            for c in conditions
        ]
    )


def conditions_from_json(text: str) -> tuple[Condition, ...]:
    """Parse stored conditions; raises ValueError on anything unknown."""
    return tuple(
        Condition(When(d["when"]), _value_from_json(d.get("value")), bool(d.get("negate", False)))
        for d in json.loads(text)
    )


def actions_to_json(actions: Sequence[Action]) -> str:
    return json.dumps([{"do": a.do.value, "value": _value_to_json(a.value)} for a in actions])


def actions_from_json(text: str) -> tuple[Action, ...]:
    """Parse stored actions; raises ValueError on anything unknown."""
    return tuple(Action(Do(d["do"]), _value_from_json(d.get("value"))) for d in json.loads(text))


# -- what a small business can use on day one ---------------------------------------

_OUTAGE = (
    "down", "outage", "not working", "doesn't work", "does not work", "broken", "error",
    "can't log in", "cannot log in", "can't check out", "crash", "crashed", "offline",
)  # fmt: skip
_REFUND = (
    "refund", "charged twice", "double charged", "money back", "chargeback", "overcharged",
    "cancel my order", "never arrived", "not delivered", "missing parcel",
)  # fmt: skip
_SPAM = (
    "free followers", "crypto giveaway", "airdrop", "dm for promo", "promote your",
    "earn $", "onlyfans", "click my bio", "cheap followers", "iphone giveaway",
    "10k followers", "a day from home", "hot singles", "selected for verification",
)  # fmt: skip

DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(
        "Spam",
        (Condition(When.KEYWORDS, _SPAM),),
        (Action(Do.SPAM),),
        stop=True,
    ),
    Rule("Direct message", (Condition(When.KIND, ("dm",)),), (Action(Do.PRIORITY, 30),)),
    Rule(
        "Outage complaint",
        (Condition(When.KEYWORDS, _OUTAGE),),
        (Action(Do.PRIORITY, 40), Action(Do.TAGS, ("outage",))),
    ),
    Rule(
        "Refund or billing",
        (Condition(When.KEYWORDS, _REFUND),),
        (Action(Do.PRIORITY, 40), Action(Do.TAGS, ("billing",))),
    ),
    Rule("Asks a question", (Condition(When.QUESTION),), (Action(Do.PRIORITY, 10),)),
    Rule(
        "Negative tone",
        (Condition(When.SENTIMENT, ("negative",)),),
        (Action(Do.PRIORITY, 15),),
    ),
    Rule("VIP contact", (Condition(When.VIP),), (Action(Do.PRIORITY, 25),)),
    Rule("Large audience", (Condition(When.FOLLOWERS, 10_000),), (Action(Do.PRIORITY, 15),)),
    Rule("Waiting over an hour", (Condition(When.WAITING, 60),), (Action(Do.PRIORITY, 10),)),
    Rule(
        "Praise",
        (
            Condition(When.SENTIMENT, ("positive",)),
            Condition(When.QUESTION, negate=True),
            Condition(
                When.KEYWORDS, _OUTAGE + _REFUND, negate=True
            ),  # "I want a refund" is positive to VADER
        ),
        (Action(Do.PRIORITY, -10), Action(Do.TAGS, ("praise",))),
    ),
)


def default_decide(facts: Facts) -> Decision:
    """The day-one rules, for callers without a store (tests, tools)."""
    return _DEFAULT(facts)


_DEFAULT = Ruleset(DEFAULT_RULES)


def rule_to_data(rule: Rule) -> dict[str, Any]:
    """A rule as plain data (what `rules list --json` prints, and operations carry)."""
    return {
        "id": rule.id,
        "position": rule.position,
        "name": rule.name,
        "enabled": rule.enabled,
        "match": rule.match,
        "stop": rule.stop,
        "conditions": json.loads(conditions_to_json(rule.conditions)),
        "actions": json.loads(actions_to_json(rule.actions)),
    }


def rule_from_data(data: Mapping[str, Any]) -> Rule:
    """The inverse of rule_to_data.

    Raises:
        ValueError, KeyError, TypeError: not a rule.
    """
    return Rule(
        name=str(data["name"]).strip(),
        conditions=conditions_from_json(json.dumps(data.get("conditions", []))),
        actions=actions_from_json(json.dumps(data.get("actions", []))),
        match=str(data.get("match", "all")),
        enabled=bool(data.get("enabled", True)),
        stop=bool(data.get("stop", False)),
        id=int(data.get("id", 0) or 0),
        position=int(data.get("position", 0) or 0),
    )
