"""twitter-text's published conformance suite, run against networks/x/length.py.

The YAML files are copied unmodified (plus a license header) from
twitter/twitter-text conformance/ into tests/data/twitter-text/. Every weighted-tweet
case of validate.yml and every URL case of extract.yml must pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from inbox.networks.x import length

DATA = Path(__file__).resolve().parents[2] / "data" / "twitter-text"
VALIDATE = yaml.safe_load((DATA / "validate.yml").read_text(encoding="utf-8"))["tests"]
EXTRACT = yaml.safe_load((DATA / "extract.yml").read_text(encoding="utf-8"))["tests"]

# Section -> the twitter-text config version its expectations were written for.
WEIGHTED = {
    "WeightedTweetsCounterTest": 2,
    "WeightedTweetsWithDiscountedEmojiCounterTest": 3,
    "UnicodeDirectionalMarkerCounterTest": 3,
}
URL_SECTIONS = (
    "urls",
    "urls_with_indices",
    "urls_with_directional_markers",
    "tco_urls_with_params",
)


def _cases(suite: dict[str, list[dict[str, Any]]], sections: Any) -> list[Any]:
    return [
        pytest.param(section, case, id=f"{section}: {case['description']}")
        for section in sections
        for case in suite[section]
    ]


@pytest.mark.parametrize(("section", "case"), _cases(VALIDATE, WEIGHTED))
def test_weighted_length(section: str, case: dict[str, Any]) -> None:
    parsed = length.parse(case["text"], WEIGHTED[section])
    assert {k: getattr(parsed, k) for k in case["expected"]} == case["expected"]


@pytest.mark.parametrize(
    "case",
    [c.values[1] for c in _cases(VALIDATE, ["WeightedTweetsWithDiscountedEmojiCounterTest"])],
)
def test_count_agrees_with_the_suite(case: dict[str, Any]) -> None:
    """What the composer shows (length, OK) is exactly the suite's weight and validity."""
    c = length.count(case["text"])
    assert c.length == case["expected"]["weightedLength"]
    assert c.ok == case["expected"]["valid"]


@pytest.mark.parametrize(("section", "case"), _cases(EXTRACT, URL_SECTIONS))
def test_url_extraction(section: str, case: dict[str, Any]) -> None:
    found = length.links(case["text"])
    if section == "urls" or section == "tco_urls_with_params":
        assert [s.value for s in found] == case["expected"]
    else:
        assert [{"url": s.value, "indices": [s.start, s.end]} for s in found] == case["expected"]


def test_suite_is_complete() -> None:
    """Guard against an empty or truncated copy of the data."""
    assert sum(len(VALIDATE[s]) for s in WEIGHTED) >= 40
    assert sum(len(EXTRACT[s]) for s in URL_SECTIONS) >= 100
