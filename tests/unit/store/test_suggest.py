"""store.suggest: the index of solved questions follows resolve/reopen, candidates come from
it, the saved replies and published articles, and uses are counted."""

from __future__ import annotations

import json

import pytest

from inbox.core import suggest as core
from inbox.core import triage as policy
from inbox.core.errors import ConfigError
from inbox.core.models import Direction, Role, Status
from inbox.core.templates import Template
from inbox.store import suggest


def set_status(store, ids, new, actor):
    """Change status the way the triage operation writes it (core.triage decides)."""
    store.triage.edit(ids, actor, "status", policy.status(new))


@pytest.fixture
def world(store, account_info, make_message):
    account = store.add_account(account_info)
    ann = store.teams.add_member("Ann Lee", Role.ADMIN)
    store.teams.set_current(ann.id)
    cases = {
        "refund": (
            "I was charged twice for order #41234, please refund",
            "Hi Mia, refunded! — Ann",
        ),
        "parcel": ("Where is my parcel? It has not moved", "Hi Bo, it is with the courier."),
        "open": ("I was charged twice for order #50000, refund please", None),
    }
    for key, (question, answer) in cases.items():
        author = {"refund": "mia", "parcel": "bo", "open": "sofia"}[key]
        items = [make_message(key=key, text=question, author=author, minutes_ago=10)]
        if answer:
            items.append(
                make_message(
                    key=key, text=answer, author="shop", direction=Direction.OUT, minutes_ago=5
                )
            )
        store.ingest.messages(account.id, items)
    ids = {r[0]: r[1] for r in store.query("SELECT key, id FROM conversations")}
    return store, ann, ids


def indexed(store) -> set[int]:
    return {r[0] for r in store.query("SELECT conversation_id FROM answered")}


def test_resolving_an_answered_conversation_indexes_it_and_reopening_takes_it_out(world) -> None:
    store, ann, ids = world
    assert indexed(store) == set()
    set_status(store, [ids["refund"], ids["parcel"], ids["open"]], Status.RESOLVED, ann)
    # "open" has no answer of ours: not a solved case.
    assert indexed(store) == {ids["refund"], ids["parcel"]}
    set_status(store, [ids["parcel"]], Status.OPEN, ann)
    assert indexed(store) == {ids["refund"]}
    hits = store.query("SELECT rowid FROM answered_fts WHERE answered_fts MATCH ?", ('"refund"',))
    assert [h[0] for h in hits] == [ids["refund"]]


def test_the_index_stems_words(world) -> None:
    """FTS5's porter tokenizer on SQLite; Snowball English stems on PostgreSQL."""
    store, ann, ids = world
    set_status(store, [ids["refund"], ids["parcel"]], Status.RESOLVED, ann)
    for word, case in (("refunds", "refund"), ("refunding", "refund"), ("parcels", "parcel")):
        hits = store.query(
            "SELECT rowid FROM answered_fts WHERE answered_fts MATCH ?", (f'"{word}"',)
        )
        assert [h[0] for h in hits] == [ids[case]], word


def test_the_best_matching_solved_case_is_a_candidate_however_old(
    store, account_info, make_message
) -> None:
    """Scored (bm25 / ts_rank_cd), not newest first: the one old case that shares every
    distinctive word with the question is among the candidates, ahead of 30 newer ones that
    share one, and scores best."""
    account = store.add_account(account_info)
    ann = store.teams.add_member("Ann Lee", Role.ADMIN)
    store.teams.set_current(ann.id)
    texts = {"best": "my teapot lid cracked in the parcel, the teapot spout too"}
    texts |= {f"n{i}": f"question {i} about a parcel" for i in range(30)}
    texts["ask"] = "the teapot arrived with a cracked lid and spout, parcel crushed"
    for n, (key, text) in enumerate(texts.items()):
        items = [make_message(key=key, text=text, author=f"c{n}", minutes_ago=500 - n)]
        if key != "ask":
            items.append(
                make_message(
                    key=key, text="Sorry!", author="shop", direction=Direction.OUT,
                    minutes_ago=499 - n,
                )
            )  # fmt: skip
        store.ingest.messages(account.id, items)
    ids = {r[0]: r[1] for r in store.query("SELECT key, id FROM conversations")}
    set_status(store, [i for k, i in ids.items() if k != "ask"], Status.RESOLVED, ann)
    found = suggest.solved(store, suggest.query_for(store, ids["ask"]))
    scores = {c.source_id: c.bm25 for c in found}
    assert ids["best"] in scores, "the best match was left out of the candidates"
    best = scores.pop(ids["best"])
    assert best < 0 and all(best < other for other in scores.values()), (best, scores)


def test_suggest_finds_the_solved_case_and_the_saved_reply(world) -> None:
    store, ann, ids = world
    set_status(store, [ids["refund"], ids["parcel"]], Status.RESOLVED, ann)
    store.templates.save(Template("Refund on its way", "Hi {author.name}, refunded.", "refund"))
    found = suggest.suggest(store, ids["open"])
    first = found.items[0]
    assert (first.source, first.source_id) == (core.CONVERSATION, ids["refund"])
    assert first.candidate.by == "@shop"  # no reply.sent audit: the account answered
    assert "Mia" not in first.text and "41234" not in first.text
    assert first.text == "Hi {author.name}, refunded! — {agent.first_name}"  # she is "Mia"
    assert core.TEMPLATE in {s.source for s in found.items}
    assert ids["parcel"] not in [s.source_id for s in found.items[:1]]


def test_uses_are_counted_per_source(world) -> None:
    store, _ann, ids = world
    assert suggest.record_use(store, ids["open"], core.CONVERSATION, ids["refund"], 1, "Ann") == 1
    assert suggest.record_use(store, ids["open"], core.CONVERSATION, ids["refund"], 1, "Ann") == 2
    assert suggest.uses(store, core.CONVERSATION, [ids["refund"], 999]) == {ids["refund"]: 2}
    with pytest.raises(ConfigError):
        suggest.record_use(store, ids["open"], "gossip", 1, 1, "Ann")
    with pytest.raises(ConfigError):
        suggest.record_use(store, 999, core.TEMPLATE, 1, 1, "Ann")


def test_published_articles_are_candidates(world) -> None:
    store, _ann, _ids = world
    article = {
        "title": "Charged twice",
        "question": "Charged twice for an order",
        "answer": "We refund it.",
    }
    item = store.outbox.enqueue("article", "a1", {"connector": "kb", "article": article})
    store.outbox.complete(item.id, "x", "https://kb.example/charged-twice")
    found = suggest.articles(store)
    assert [(a.title, a.url) for a in found] == [
        ("Charged twice", "https://kb.example/charged-twice")
    ]
    assert found[0].answer.endswith("More: https://kb.example/charged-twice")


def test_a_profile_without_solved_cases_says_so(world) -> None:
    store, _, ids = world
    found = suggest.suggest(store, ids["open"])
    assert found.items == () and found.note == core.NO_SOLVED
    with pytest.raises(ConfigError):
        suggest.suggest(store, 12345)


def test_rebuild_indexes_what_the_triggers_would(world) -> None:
    store, ann, ids = world
    set_status(store, [ids["refund"]], Status.RESOLVED, ann)
    with store.transaction() as conn:
        conn.execute("DELETE FROM answered")
    assert suggest.rebuild(store) == 1
    assert json.dumps(sorted(indexed(store))) == json.dumps([ids["refund"]])


def test_the_report_compares_first_responses_with_and_without_a_suggestion(
    world, account_info, make_message, clock
) -> None:
    from inbox.core import reports
    from inbox.store.reports import period_report

    store, _ann, ids = world
    account = store.accounts()[0]
    # "open" gets a suggestion, then our answer 5 minutes later; "refund" and "parcel"
    # were answered without one.
    suggest.record_use(store, ids["open"], core.CONVERSATION, ids["refund"], 1, "Ann")
    clock.advance(minutes=5)
    store.ingest.messages(
        account.id,
        [make_message(key="open", text="Refunded!", author="shop", direction=Direction.OUT)],
    )
    day = clock.now().date().isoformat()
    report = period_report(store, reports.parse_period(day, day), None, clock.now())
    assert report.suggestions_used == 1 and report.suggestions_by_source == {"conversation": 1}
    assert report.with_suggestion.answered == 1
    assert report.without_suggestion.answered == 2
    data = report.to_json()
    assert data["answered_with_suggestion"] == 1
    assert data["first_response_median_with_suggestion_business_minutes"] == 15.0


def test_a_japanese_question_finds_the_japanese_case(store, account_info, make_message) -> None:
    """A run of kana and kanji is one word to the full-text index; the solved CJK questions
    are scored by the character pairs they share with the question instead (migration 25)."""
    account = store.add_account(account_info)
    ann = store.teams.add_member("Ann Lee", Role.ADMIN)
    store.teams.set_current(ann.id)
    texts = {
        "stock": "抹茶の再入荷はいつですか？",
        "parcel": "注文した荷物がまだ届きません。",
        "english": "When will the matcha be back in stock?",
        "ask": "抹茶はいつ入荷しますか？",
    }
    for n, (key, text) in enumerate(texts.items()):
        items = [make_message(key=key, text=text, author=f"c{n}", minutes_ago=50 - n)]
        if key != "ask":
            items.append(
                make_message(
                    key=key, text=f"Answer {key}", author="shop", direction=Direction.OUT,
                    minutes_ago=49 - n,
                )
            )  # fmt: skip
        store.ingest.messages(account.id, items)
    ids = {r[0]: r[1] for r in store.query("SELECT key, id FROM conversations")}
    set_status(store, [i for k, i in ids.items() if k != "ask"], Status.RESOLVED, ann)
    cjk = {r[0] for r in store.query("SELECT conversation_id FROM answered WHERE cjk = 1")}
    assert cjk == {ids["stock"], ids["parcel"]}
    found = suggest.suggest(store, ids["ask"])
    assert [s.source_id for s in found.items][:1] == [ids["stock"]], found
    assert ids["parcel"] not in [s.source_id for s in found.items]
