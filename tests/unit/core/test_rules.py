"""Rules: every condition, every action, order and precedence, the explanation of a score."""

from __future__ import annotations

import pytest

from inbox.core.models import Kind, Status
from inbox.core.rules import (
    BREACH_RULE,
    DEFAULT_RULES,
    OVERRIDE_RULE,
    Action,
    Condition,
    Do,
    Facts,
    Rule,
    Ruleset,
    When,
    actions_from_json,
    actions_to_json,
    band,
    breach_lift,
    conditions_from_json,
    conditions_to_json,
    default_decide,
    with_override,
)
from inbox.core.textfacts import sentiment


def facts(text: str = "hello", kind: Kind = Kind.MENTION, **kw) -> Facts:
    return Facts(text=text, kind=kind, **kw)


def fires(condition: Condition, f: Facts) -> bool:
    return bool(Ruleset([Rule("r", (condition,), (Action(Do.PRIORITY, 1),))]).fired(f))


@pytest.mark.parametrize(
    ("condition", "yes", "no"),
    [
        (Condition("kind", ("dm",)), facts(kind=Kind.DM), facts(kind=Kind.MENTION)),
        (Condition("kind", ("reply", "quote")), facts(kind=Kind.QUOTE), facts(kind=Kind.DM)),
        (Condition("kind", ("keyword",)), facts(kind=Kind.KEYWORD), facts()),
        (Condition("account", ("2",)), facts(account_id=2), facts(account_id=3)),
        (Condition("network", ("bluesky",)), facts(network="Bluesky"), facts(network="x")),
        (Condition("question"), facts("Is the shop open today"), facts("The shop is open")),
        (Condition("question"), facts("open on sunday?"), facts("we are open")),
        (Condition("vip"), facts(vip=True), facts(vip=False)),
        (Condition("followers", 1000), facts(followers=1001), facts(followers=1000)),
        (Condition("followers", 1000), facts(followers=5000), facts(followers=None)),
        (Condition("waiting", 60), facts(waiting_minutes=61), facts(waiting_minutes=59)),
        (Condition("language", ("fr",)), facts(language="fr-CA"), facts(language="en")),
        (Condition("language", ("fr",)), facts(language="FR"), facts(language="")),
    ],
)
def test_each_condition_matches_and_misses(condition, yes, no) -> None:
    assert fires(condition, yes)
    assert not fires(condition, no)
    negated = Condition(condition.when, condition.value, negate=True)
    assert fires(negated, no) and not fires(negated, yes)


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("Your site is DOWN again", True),
        ("le cafe ferme ce soir", True),  # keyword "café fermé": accents ignored
        ("CAFÉ   FERMÉ!", True),
        ("I wrote it downstairs", False),  # whole words only
        ("markdown is nice", False),
        ("down.", True),
    ],
)
def test_keywords_are_whole_words_ignoring_case_and_accents(text, hit) -> None:
    cond = Condition("keywords", ("down", "café fermé"))
    assert fires(cond, facts(text)) is hit


def test_sentiment_uses_vader_labels() -> None:
    cond = {
        label: Condition("sentiment", (label,)) for label in ("negative", "neutral", "positive")
    }
    happy = facts(sentiment=sentiment("I love this, thank you so much!"))
    angry = facts(sentiment=sentiment("This is terrible, worst service ever"))
    plain = facts(sentiment=sentiment("The parcel left the warehouse on Monday"))
    assert fires(cond["positive"], happy) and not fires(cond["negative"], happy)
    assert fires(cond["negative"], angry) and not fires(cond["positive"], angry)
    assert fires(cond["neutral"], plain)


def _rule(name: str, *actions: Action, when: str = "dm", **kw) -> Rule:
    from inbox.core.rules import When

    return Rule(name, (Condition(When.KIND, (when,)),), actions, **kw)


def test_points_add_up_and_the_explanation_names_each_rule() -> None:
    rules = Ruleset(
        [
            _rule("DM", Action(Do.PRIORITY, 30)),
            _rule("Not a mention", Action(Do.PRIORITY, -5)),
            _rule("Mentions", Action(Do.PRIORITY, 99), when="mention"),
        ]
    )
    decision = rules(facts(kind=Kind.DM))
    assert decision.priority == 25
    assert decision.explain == (("DM", 30), ("Not a mention", -5))


def test_every_action() -> None:
    decision = Ruleset(
        [
            _rule(
                "all",
                Action(Do.TEAM, 3),
                Action(Do.ASSIGN, 7),
                Action(Do.TAGS, ("vip", "sales")),
                Action(Do.STATUS, "pending"),
                Action(Do.TEMPLATE, "Refund steps"),
            ),
            _rule("spam", Action(Do.SPAM)),
        ]
    )(facts(kind=Kind.DM))
    assert (decision.team_id, decision.assignee_id) == (3, 7)
    assert decision.tags == ("vip", "sales", "spam")
    assert decision.status is Status.PENDING
    assert decision.template == "Refund steps"
    assert decision.hidden
    assert decision.explain == (("all", 0), ("spam", 0))


def test_the_first_rule_to_set_a_single_value_wins_and_tags_add_up() -> None:
    decision = Ruleset(
        [
            _rule("first", Action(Do.TEAM, 1), Action(Do.TAGS, ("a",))),
            _rule("second", Action(Do.TEAM, 2), Action(Do.TAGS, ("a", "b"))),
        ]
    )(facts(kind=Kind.DM))
    assert decision.team_id == 1
    assert decision.tags == ("a", "b")


def test_stop_ends_evaluation_and_disabled_rules_never_fire() -> None:
    rules = [
        _rule("off", Action(Do.PRIORITY, 100), enabled=False),
        _rule("stopper", Action(Do.PRIORITY, 1), stop=True),
        _rule("after", Action(Do.PRIORITY, 10)),
    ]
    assert Ruleset(rules)(facts(kind=Kind.DM)).explain == (("stopper", 1),)
    reordered = [rules[2], rules[1], rules[0]]
    assert Ruleset(reordered)(facts(kind=Kind.DM)).priority == 11


def test_match_any_versus_all() -> None:
    from inbox.core.rules import When

    conds = (Condition(When.KIND, ("dm",)), Condition(When.VIP))
    any_rule = Rule("any", conds, (Action(Do.PRIORITY, 1),), match="any")
    all_rule = Rule("all", conds, (Action(Do.PRIORITY, 1),))
    dm = facts(kind=Kind.DM)
    assert Ruleset([any_rule]).fired(dm) and not Ruleset([all_rule]).fired(dm)


def test_a_rule_without_conditions_never_fires() -> None:
    assert not Ruleset([Rule("empty", (), (Action(Do.PRIORITY, 5),))]).fired(facts())


def test_breach_boost_and_override_are_explained() -> None:
    decision = Ruleset([_rule("DM", Action(Do.PRIORITY, 30))])(
        facts(kind=Kind.DM, sla_breached=True)
    )
    assert decision.priority == 49  # the top of the "high" band, not urgent
    assert decision.explain[-1] == (BREACH_RULE, 19)
    manual = with_override(decision, 5)
    assert (manual.priority, manual.explain) == (5, ((OVERRIDE_RULE, 5),))
    assert with_override(decision, None) is decision


def test_a_breach_leads_its_band_and_never_leaves_it() -> None:
    assert [band(p) for p in (-5, 0, 9, 10, 29, 30, 49, 50, 500)] == [
        "low",
        "low",
        "low",
        "normal",
        "normal",
        "high",
        "high",
        "urgent",
        "urgent",
    ]
    for base in range(-20, 60):
        lifted = base + breach_lift(base)
        assert band(lifted) == band(base)
        assert lifted > base or band(base + 1) != band(base)
    assert breach_lift(10) == 19 and breach_lift(49) == 0 and breach_lift(60) == 20


def test_rules_round_trip_through_json() -> None:
    for rule in DEFAULT_RULES:
        assert conditions_from_json(conditions_to_json(rule.conditions)) == rule.conditions
        assert actions_from_json(actions_to_json(rule.actions)) == rule.actions
    with pytest.raises(ValueError):
        conditions_from_json('[{"when": "moon_phase"}]')


@pytest.mark.parametrize(
    ("text", "kind", "expect_rule"),
    [
        ("Is the site down? I can't check out", Kind.MENTION, "Outage complaint"),
        ("I was charged twice, I want a refund", Kind.DM, "Refund or billing"),
        ("Loving the new jasmine blend, thank you!", Kind.MENTION, "Praise"),
        ("Get FREE followers now, click my bio", Kind.MENTION, "Spam"),
    ],
)
def test_day_one_defaults(text, kind, expect_rule) -> None:
    decision = default_decide(facts(text, kind, sentiment=sentiment(text)))
    assert expect_rule in dict(decision.explain)


def test_day_one_defaults_rank_complaints_over_praise_and_hide_spam() -> None:
    def score(text: str, kind: Kind = Kind.MENTION):
        return default_decide(facts(text, kind, sentiment=sentiment(text)))

    outage = score("Your app is down and not working, this is awful")
    refund_dm = score("I need a refund for order 4411", Kind.DM)
    praise = score("Great service, thanks a lot!")
    spam = score("crypto giveaway! free followers")
    assert refund_dm.priority > praise.priority and outage.priority > praise.priority
    assert praise.priority < 0 and "praise" in praise.tags
    assert spam.hidden and spam.explain == (("Spam", 0),)


def test_sentiment_is_worked_out_only_when_a_rule_reaches_it(monkeypatch) -> None:
    import inbox.core.rules as rules_module

    calls: list[str] = []

    def counting(text: str) -> float:
        calls.append(text)
        return sentiment(text)

    monkeypatch.setattr(rules_module, "sentiment", counting)
    happy_dm = Rule(
        "Happy DM",
        (Condition(When.SENTIMENT, ("positive",)), Condition(When.KIND, ("dm",))),
        (Action(Do.PRIORITY, 5),),
    )
    rules = Ruleset([happy_dm])
    # a mention: the cheap kind test fails first, VADER never runs
    decision = rules(facts("I love this", Kind.MENTION))
    assert calls == [] and decision.sentiment is None and decision.priority == 0
    # a DM: computed once, handed back for the store to keep, and the rule fires
    decision = rules(facts("I love this", Kind.DM))
    assert calls == ["I love this"]
    assert decision.sentiment == sentiment("I love this") and decision.priority == 5
    # a known score is used as given
    decision = rules(facts("I love this", Kind.DM, sentiment=-0.9))
    assert len(calls) == 1 and decision.sentiment is None and decision.priority == 0


def _holds(c: Condition, f: Facts) -> bool:
    """What each condition means, written out plainly: the reference for the compiled rules."""
    from inbox.core.textfacts import fold, is_question, sentiment_label, word_pattern

    values = c.value if isinstance(c.value, tuple) else (() if c.value is None else (c.value,))
    lowered = {str(v).lower() for v in values}
    lang = f.language.lower()
    score = sentiment(f.text) if f.sentiment is None else f.sentiment
    pattern = word_pattern([str(v) for v in values])
    number = float(c.value) if isinstance(c.value, int | str) else 0.0
    tests = {
        When.KIND: lambda: f.kind.value in lowered,
        When.ACCOUNT: lambda: str(f.account_id) in lowered,
        When.NETWORK: lambda: f.network.lower() in lowered,
        When.KEYWORDS: lambda: pattern is not None and pattern.search(fold(f.text)) is not None,
        When.QUESTION: lambda: is_question(f.text),
        When.SENTIMENT: lambda: sentiment_label(score) in lowered,
        When.VIP: lambda: f.vip,
        When.FOLLOWERS: lambda: (f.followers or 0) > number,
        When.WAITING: lambda: f.waiting_minutes > number,
        When.LANGUAGE: lambda: bool(lang) and (lang in lowered or lang.split("-")[0] in lowered),
    }
    result = bool(tests[c.when]())
    return result != c.negate


def test_the_compiled_rules_fire_exactly_as_each_condition_reads() -> None:
    """Ruleset compiles every rule into one function; on random rules and facts it fires
    the rules the plain reading of their conditions fires, in order, up to a stop."""
    import random

    rng = random.Random(13)
    texts = ["Is the site down?", "Love it, thanks!", "refund please", "Où est ma commande", ""]
    choices = {
        When.KIND: lambda: tuple(rng.sample(["mention", "dm", "reply", "Quote"], 2)),
        When.ACCOUNT: lambda: (str(rng.randint(1, 3)),),
        When.NETWORK: lambda: (rng.choice(["Mastodon", "bluesky"]),),
        When.KEYWORDS: lambda: tuple(rng.sample(["down", "refund", "commande", "love it"], 2)),
        When.QUESTION: lambda: None,
        When.SENTIMENT: lambda: (rng.choice(["negative", "neutral", "Positive"]),),
        When.VIP: lambda: None,
        When.FOLLOWERS: lambda: rng.choice([0, 500, "1000"]),
        When.WAITING: lambda: rng.choice([0, 30, 90]),
        When.LANGUAGE: lambda: (rng.choice(["en", "fr", "pt"]),),
    }
    for _ in range(40):
        rules = [
            Rule(
                f"r{i}",
                tuple(
                    Condition(w, choices[w](), negate=rng.random() < 0.3)
                    for w in rng.sample(list(When), rng.randint(0, 3))
                ),
                (Action(Do.PRIORITY, i),),
                match=rng.choice(["all", "any"]),
                stop=rng.random() < 0.1,
                enabled=rng.random() < 0.9,
            )
            for i in range(12)
        ]
        ruleset = Ruleset(rules)
        for _ in range(25):
            f = facts(
                rng.choice(texts),
                rng.choice(list(Kind)),
                account_id=rng.randint(1, 3),
                network=rng.choice(["mastodon", "Bluesky", "x"]),
                language=rng.choice(["", "en", "EN-gb", "fr", "pt-BR"]),
                sentiment=rng.choice([None, -0.5, 0.0, 0.6]),
                vip=rng.random() < 0.5,
                followers=rng.choice([None, 10, 800, 5000]),
                waiting_minutes=rng.choice([0.0, 45.0, 120.0]),
            )
            expected = []
            for rule in rules:
                if not rule.enabled or not rule.conditions:
                    continue
                held = [_holds(c, f) for c in rule.conditions]
                if any(held) if rule.match == "any" else all(held):
                    expected.append(rule)
                    if rule.stop:
                        break
            assert ruleset.fired(f) == expected
            assert [name for name, _ in ruleset(f).explain] == [r.name for r in expected]
