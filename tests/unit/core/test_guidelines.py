"""The pure check of a text against a team's guidelines: which rule, which words."""

from __future__ import annotations

import pytest

from inbox.core.errors import ConfigError
from inbox.core.guidelines import Guideline, Severity, check, holds, links, summary, validate

FORBIDDEN = Guideline(
    "No promises", "forbidden", ("guaranteed refund", "free"), severity=Severity.APPROVAL, id=1
)
AD = Guideline("Disclose ads", "disclosure", ("#ad", "#sponsored"), ("partner", "sponsored"), id=2)
DOMAINS = Guideline("Our sites only", "domains", ("leafandkettle.example",), id=3)
CLAIMS = Guideline("No health claims", "claims", ("cures", "clinically proven"), id=4)
RULES = [FORBIDDEN, AD, DOMAINS, CLAIMS]


def names(text: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(b.guideline.name, b.words) for b in check(text, RULES)]


def test_forbidden_phrases_match_whole_words_in_any_case_and_spacing() -> None:
    assert names("You get a GUARANTEED\n refund!") == [("No promises", ("guaranteed refund",))]
    assert names("Shipping is freely available") == []  # "free" is not "freely"
    assert names("It's free.") == [("No promises", ("free",))]


def test_a_disclosure_tag_is_required_only_when_a_trigger_appears() -> None:
    assert names("Our partner tea is lovely") == [("Disclose ads", ("partner",))]
    assert names("Our partner tea is lovely #ad") == []
    assert names("Our partner tea #adopt") == [("Disclose ads", ("partner",))]  # not #ad
    assert names("Just tea") == []
    always = Guideline("Always disclose", "disclosure", ("#ad",))
    assert [b.guideline.name for b in check("Just tea", [always])] == ["Always disclose"]


def test_links_outside_the_allowed_domains_are_named() -> None:
    found = names(
        "See https://shop.leafandkettle.example/x and http://evil.example/y www.b.example"
    )
    assert found == [("Our sites only", ("evil.example", "b.example"))]
    assert names("mail me at a@evil.example") == []  # an address is not a link
    assert links("go to LeafAndKettle.example/tea, now") == ["leafandkettle.example"]


def test_claims_and_holding() -> None:
    found = check("This tea cures colds, clinically   proven, and it's free", RULES)
    assert [b.guideline.name for b in found] == ["No promises", "No health claims"]
    assert found[1].words == ("cures", "clinically proven")
    assert holds(found) and not holds(found[1:])
    text = summary(found)
    assert text.splitlines()[0] == "No promises (needs approval): uses “free”."
    assert "No health claims (warning): makes an unverified claim: “cures”" in text


def test_bad_rules_are_refused_in_words() -> None:
    with pytest.raises(ConfigError, match="needs a name"):
        validate(Guideline(" ", "forbidden", ("x",)))
    with pytest.raises(ConfigError, match="at least one word"):
        validate(Guideline("Empty", "forbidden", (" ", "")))
    with pytest.raises(ConfigError, match="not a domain"):
        validate(Guideline("Sites", "domains", ("not a domain",)))
    with pytest.raises(ConfigError, match="Unknown kind"):
        validate(Guideline("X", "shouting", ("x",)))
    ok = validate(Guideline("Sites", "domains", ("https://www.Example.com/path", "*.b.example")))
    assert ok.words == ("example.com", "b.example")
    assert validate(Guideline("Spam", "conduct")).words == ()
    assert validate(Guideline("Dupes", "forbidden", ("Free", "free ", "FREE"))).words == ("Free",)
