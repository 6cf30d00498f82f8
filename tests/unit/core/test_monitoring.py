"""core.monitoring: what a person types into a search column becomes a checked SearchSpec."""

from __future__ import annotations

import pytest

from inbox.core.errors import ConfigError
from inbox.core.monitoring import excluded, make_spec, spec_from_json, split_terms


def test_terms_split_on_commas_and_lines_quotes_dropped_repeats_once() -> None:
    assert split_terms(' Kettleco, "green tea"\n#LeafKettle, kettleco ,,') == (
        "Kettleco",
        "green tea",
        "#LeafKettle",
    )
    assert split_terms("#matcha #Sencha #matcha, tea") == ("#matcha", "#Sencha", "tea")


def test_hashtags_and_words_are_told_apart() -> None:
    spec = make_spec("Kettleco, #leafkettle, green tea", "giveaway", ["bluesky"])
    assert spec.hashtags == ("leafkettle",)
    assert spec.words == ("Kettleco", "green tea")
    assert spec.asks("bluesky") and not spec.asks("x")
    assert make_spec("tea").asks("x")  # no networks named: every one
    assert spec.describe() == "Kettleco, #leafkettle, green tea − giveaway"
    assert spec_from_json(spec.to_json()) == spec


@pytest.mark.parametrize(
    ("terms", "words"),
    [
        ("", "at least one word"),
        (" , ", "at least one word"),
        ("#", "needs a name after the #"),
        ("#tea time", "A hashtag has no spaces: “#tea time”"),
        (",".join(f"t{i}" for i in range(21)), "at most 20 terms"),
        ("x" * 101, "at most 100 characters"),
    ],
)
def test_bad_searches_are_refused_in_words(terms: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        make_spec(terms)


def test_a_damaged_stored_search_is_a_config_error_not_a_crash() -> None:
    with pytest.raises(ConfigError):
        spec_from_json("{not json")
    with pytest.raises(ConfigError):
        spec_from_json('{"terms": []}')


def test_exclusions_match_whole_words_in_any_case_and_accent() -> None:
    spec = make_spec("tea", "giveaway, café crème")
    assert excluded(spec, "Huge GIVEAWAY today")
    assert excluded(spec, "un cafe creme et du thé")
    assert not excluded(spec, "giveaways are over")  # another word
    assert not excluded(make_spec("tea"), "giveaway")  # no exclusions
