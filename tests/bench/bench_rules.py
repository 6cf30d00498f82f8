"""Benchmark: conversations re-prioritized per second, 100,000 conversations, 30 rules.

`rules`: every conversation's stored decision is made to differ first, so the pass
writes every row (comparable with the issue's figure). Alongside, `unchanged_*`: the
same re-apply when the decisions stand (a rule edit that changes few), which writes
nothing: the rules' own cost. Baseline: the same store pass (read the facts, time the
SLA, write every row back) with no rules to evaluate. PAIRS rounds interleaved
(baseline, rules, unchanged), medians; per CPU-second figures alongside.
Run alone: python -m tests.bench.bench_rules
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from inbox.core.clock import FakeClock, to_iso
from inbox.core.rules import DEFAULT_RULES, Action, Condition, Do, Rule, Ruleset, When
from inbox.core.textfacts import sentiment
from inbox.store import Store
from tests.bench import SCALE, result, scaled, workdir

N = int(os.environ.get("BENCH_RULES_N", scaled(100_000)))
PAIRS = int(os.environ.get("RULES_PAIRS", "5" if SCALE <= 0.1 else "1"))
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TEXTS = [
    "Is the site down? I can't check out and my cart is gone",
    "Hi, I was charged twice for order 4411, can you refund one?",
    "Loving the new jasmine blend, thank you!",
    "When do you restock the matcha?",
    "My parcel says delivered but it isn't here",
    "Le thé est arrivé cassé, remboursement s'il vous plaît",
    "Get free followers now, click my bio",
    "Do you ship to Norway? Asking for a friend",
    "Worst customer service ever, still waiting for an answer",
    "Just tried the oolong, pretty good honestly",
    "your app crashed again when I opened my order history",
    "Can I change the delivery address for order 9921",
]


def rules() -> list[Rule]:
    """The ten day-one rules and twenty more of every condition kind: thirty."""
    extra: list[Rule] = []
    words = ["matcha", "oolong", "jasmine", "norway", "address", "cassé", "history", "cart"]
    for i in range(20):
        cond: Condition
        match i % 5:
            case 0:
                cond = Condition(When.KEYWORDS, (words[i % len(words)], f"word{i}", "late again"))
            case 1:
                cond = Condition(When.NETWORK, (("mastodon", "bluesky", "x")[i % 3],))
            case 2:
                cond = Condition(When.LANGUAGE, (("fr", "de", "en")[i % 3],))
            case 3:
                cond = Condition(When.FOLLOWERS, 1000 * i)
            case _:
                cond = Condition(When.ACCOUNT, (str(i % 3 + 1),))
        extra.append(
            Rule(
                f"Extra {i}",
                (cond, Condition(When.KIND, ("mention", "dm"))),
                (Action(Do.PRIORITY, i % 7 - 3), Action(Do.TAGS, (f"t{i % 4}",))),
            )
        )
    return [*DEFAULT_RULES, *extra]


def build(path: Path, n: int = N) -> Store:
    """A profile with n conversations of one inbound message each, written in bulk."""
    store = Store(path, clock=FakeClock(NOW))
    rng = random.Random(7)
    scores = [sentiment(t) for t in TEXTS]
    with store.transaction() as conn:
        for i, network in enumerate(("mastodon", "bluesky", "x")):
            conn.execute(
                "INSERT INTO accounts (network, remote_id, handle, created_at) VALUES (?, ?, ?, ?)",
                (network, str(i), f"shop{i}", to_iso(NOW)),
            )
        conn.executemany(
            "INSERT INTO contacts (network, remote_id, handle, followers_count, is_vip)"
            " VALUES ('x', ?, ?, ?, ?)",
            [(str(i), f"c{i}", rng.randrange(50_000), int(i % 97 == 0)) for i in range(5000)],
        )
        for start in range(0, n, 10_000):
            conv, msgs = [], []
            for i in range(start, min(n, start + 10_000)):
                when = to_iso(NOW - timedelta(minutes=rng.randrange(600)))
                t = i % len(TEXTS)
                conv.append(
                    (i + 1, i % 3 + 1, f"k{i}", ("mention", "dm")[i % 2], i % 5000 + 1,
                     TEXTS[t][:240], when, when, when, when, i + 1)
                )  # fmt: skip
                msgs.append(
                    (i + 1, i % 3 + 1, i + 1, f"m{i}", ("mention", "dm")[i % 2], TEXTS[t],
                     ("en", "fr", "")[i % 3], when, scores[t])
                )  # fmt: skip
            conn.executemany(
                "INSERT INTO conversations (id, account_id, key, kind, contact_id, snippet,"
                " first_message_at, last_message_at, last_inbound_at, waiting_since,"
                " last_inbound_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                conv,
            )
            conn.executemany(
                "INSERT INTO messages (id, account_id, conversation_id, remote_id, kind, text,"
                " language, created_at, sentiment_score) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                msgs,
            )
    return store


def _timed_pass(store: Store, ruleset: Ruleset, rewrite: bool = True) -> tuple[float, float]:
    """(wall, CPU) seconds for one full re-apply; rewrite: every row is made to differ
    first, so all are written."""
    if rewrite:
        with store.transaction() as conn:
            conn.execute("UPDATE conversations SET priority = -1")
    start, cpu = time.perf_counter(), time.process_time()
    for _ in store.rules.reapply(ruleset):
        pass
    return time.perf_counter() - start, time.process_time() - cpu


def run() -> Iterable[dict[str, object]]:
    store = build(workdir() / "bench_rules.db")
    runs: dict[str, list[tuple[float, float]]] = {"bare": [], "rules": [], "unchanged": []}
    try:
        ruleset = Ruleset(rules())
        assert len(ruleset.rules) == 30
        for _ in range(PAIRS):  # interleaved: bare, rules, unchanged, bare, ...
            runs["bare"].append(_timed_pass(store, Ruleset([])))
            runs["rules"].append(_timed_pass(store, ruleset))
            runs["unchanged"].append(_timed_pass(store, ruleset, rewrite=False))
    finally:
        store.close()

    def rate(name: str, i: int) -> float:
        return N / statistics.median(r[i] for r in runs[name])

    yield result(
        "rules",
        rate("rules", 0),
        "conv/s",
        rate("bare", 0),
        target="value >= 50000",
        conversations=N,
        rules=30,
        pairs=PAIRS,
        seconds=round(N / rate("rules", 0), 2),
        baseline_seconds=round(N / rate("bare", 0), 2),
        conv_per_cpu_s=round(rate("rules", 1)),
        baseline_conv_per_cpu_s=round(rate("bare", 1)),
        # the same re-apply when no decision changes: nothing is written
        unchanged_conv_per_s=round(rate("unchanged", 0)),
        unchanged_conv_per_cpu_s=round(rate("unchanged", 1)),
    )


if __name__ == "__main__":
    for line in run():
        print(json.dumps(line))
