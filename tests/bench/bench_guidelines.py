"""Benchmark: checking a post against the team's guidelines, as the composer does per keystroke.

40 rules (30 forbidden lists of 20 phrases, 5 claims lists, disclosure with triggers,
allowed domains) over a 500-character post with links. Baseline: counting the same text
the network's way (registry.count), which the composer also does per keystroke.
Median of 300 interleaved pairs. Run alone: python -m tests.bench guidelines
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable
from typing import Any

from inbox.core.guidelines import Guideline, Severity, check
from inbox.networks import registry
from tests.bench import result

TEXT = (
    "Spring teas are here! Our partner farm in Uji sent the first flush sencha, and the "
    "jasmine pearls are back. Order at https://shop.leafandkettle.example/spring or see "
    "www.leafandkettle.example/blog for brewing tips. Free shipping over 40 euros this "
    "week, and every order gets a sample of the new oolong. Questions? Reply here or DM "
    "us, we answer within the hour on weekdays. #tea #spring #sencha #oolong #matcha"
)


def rules() -> list[Guideline]:
    out = [
        Guideline(
            f"Forbidden {i}",
            "forbidden",
            tuple(f"phrase {i} word {j}" for j in range(20)),
            severity=Severity.APPROVAL if i % 3 == 0 else Severity.WARN,
            id=i + 1,
        )
        for i in range(30)
    ]
    out += [
        Guideline(f"Claims {i}", "claims", ("cures", "clinically proven", f"heals {i}"), id=40 + i)
        for i in range(5)
    ]
    out.append(Guideline("Ads", "disclosure", ("#ad", "#sponsored"), ("partner", "sponsored")))
    out.append(Guideline("Sites", "domains", ("leafandkettle.example", "example.org")))
    return out


def run() -> Iterable[dict[str, Any]]:
    rules_ = rules()
    check(TEXT, rules_)  # compile the patterns once, as the first keystroke does
    registry.count("mastodon", TEXT)
    ours, base = [], []
    for _ in range(300):
        t0 = time.perf_counter()
        check(TEXT, rules_)
        t1 = time.perf_counter()
        registry.count("mastodon", TEXT)
        t2 = time.perf_counter()
        ours.append((t1 - t0) * 1000)
        base.append((t2 - t1) * 1000)
    yield result(
        "guidelines_check",
        statistics.median(ours),
        "ms",
        statistics.median(base),
        target="value <= 2 ms (per keystroke in the composer)",
        rules=len(rules_),
        chars=len(TEXT),
    )


if __name__ == "__main__":  # pragma: no cover
    import json

    for line in run():
        print(json.dumps(line))
