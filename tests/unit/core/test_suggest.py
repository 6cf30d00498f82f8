"""core.suggest: ranking, near-identical answers merged, and no trace of the earlier customer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inbox.core import suggest
from inbox.core.suggest import Answered, Candidate, Query
from inbox.core.templates import unfilled

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def case(cid: int, question: str, answer: str, **kw: object) -> Candidate:
    return Candidate(suggest.CONVERSATION, cid, question, answer, at=NOW, **kw)  # type: ignore[arg-type]


EARLIER = (
    "@mia@tea.social Hi Mia, sorry about the double charge on order #41234! We refunded it; "
    "the receipt went to mia.green@example.com, call +44 20 7946 0958 if it hasn't arrived. "
    "Profile noted: https://tea.social/@mia — Sam"
)


def test_reusable_leaves_nothing_of_the_earlier_customer() -> None:
    text = suggest.reusable(
        EARLIER, personal=("Mia Green", "mia@tea.social"), links=(), agents=("Sam Okafor",)
    )
    for trace in ("Mia", "mia", "41234", "example.com", "7946", "tea.social", "Sam"):
        assert trace not in text, trace
    assert text.startswith(
        "Hi {author.first_name}, sorry about the double charge on order #{order.number}!"
    )
    assert "{author.email}" in text and "{author.phone}" in text and "{link}" in text
    assert text.endswith("— {agent.first_name}")


def test_fill_puts_this_customer_in_and_leaves_unknowns_to_be_filled() -> None:
    template = suggest.reusable(EARLIER, personal=("Mia Green",), agents=("Sam Okafor",))
    values = suggest.values_for(
        "I was charged twice for order #49850!",
        {"author.name": "Sofia Lind", "agent.name": "Alex Rivera", "author.handle": "@sofia"},
    )
    text = suggest.fill(template, values)
    assert text.startswith("Hi Sofia, sorry about the double charge on order #49850!")
    assert text.endswith("— Alex")
    # No e-mail or phone of this customer is known: the reply box must ask for them.
    assert (
        unfilled(text)
        == "Fill in {author.email}, {author.phone}, {link}: placeholders are never sent."
    )


def test_two_order_numbers_are_not_guessed() -> None:
    values = suggest.values_for("orders #11111 and #22222 both charged twice", {})
    assert "order.number" not in values


def test_braces_in_an_answer_stay_literal() -> None:
    text = suggest.reusable("Use code {SPRING} at checkout")
    assert suggest.fill(text, {}) == "Use code {SPRING} at checkout"


def test_the_near_identical_question_wins_and_alike_answers_merge() -> None:
    refund = "Hi {n}, we've refunded the duplicate payment; it shows in 3-5 business days."
    candidates = [
        case(
            1,
            "I was charged twice for order #40001, can you refund one?",
            refund.format(n="Ana"),
            personal=("Ana Silva",),
        ),
        case(
            2,
            "Double charge on my card for the matcha, please help",
            refund.format(n="Ben"),
            personal=("Ben Ito",),
        ),
        case(
            3,
            "Where is my order #40003? Tracking hasn't moved",
            "Hi Cy, your parcel is with the courier.",
            personal=("Cy Berg",),
        ),
        Candidate(suggest.TEMPLATE, 9, "Outage", "Sorry {author.name}, checkout is down."),
    ]
    q = Query(10, "I was charged twice for order #45678, please refund one of them")
    found = suggest.rank(q, candidates, now=NOW)
    assert found.items[0].source_id == 1
    assert found.items[0].alike == 2  # Ben's answer is the same answer
    assert [s.source_id for s in found.items].count(2) == 0
    assert "Ana" not in found.items[0].text and "{author.first_name}" in found.items[0].text


def test_typos_still_find_the_answer() -> None:
    candidates = [
        case(1, "I was charged twice, please refund", "We refunded the duplicate charge."),
        case(2, "When is the matcha back in stock?", "Next Tuesday."),
    ]
    found = suggest.rank(Query(5, "i was chraged twise plz refnd"), candidates)
    assert found.items[0].source_id == 1


def test_rule_suggested_template_tags_and_rules_break_ties() -> None:
    a = case(1, "my parcel is late", "It is with the courier.")
    b = case(2, "my parcel is late", "We sent a new one.", tags=("vip",), rules=("VIP",))
    t = Candidate(suggest.TEMPLATE, 3, "Shipping delay", "Sorry, parcels are slow this week.")
    q = Query(5, "my parcel is late")
    assert next(s.source_id for s in suggest.rank(q, [a, b, t]).items) in (1, 2)
    tagged = Query(5, "my parcel is late", tags=("vip",), rules=("VIP",))
    assert suggest.rank(tagged, [a, b, t]).items[0].source_id == 2
    other = case(4, "parcel crushed in the post, box damaged", "Sorry! A new one is on its way.")
    plain = suggest.rank(Query(5, "my parcel is late"), [other, t]).items
    ruled = suggest.rank(Query(5, "my parcel is late", template="Shipping delay"), [other, t]).items
    assert [s.source_id for s in plain] == [4, 3]
    assert [s.source_id for s in ruled] == [3, 4]  # the rule that fired suggests this reply


def test_bad_questions_say_so() -> None:
    c = [case(1, "charged twice", "refunded")]
    assert suggest.rank(Query(1, ""), c).note == suggest.NO_WORDS
    assert suggest.rank(Query(1, "🙂🙂🔥 !!! 👍"), c).note == suggest.NO_WORDS
    assert suggest.rank(Query(1, "charged twice"), []).note == suggest.NO_SOLVED
    assert suggest.rank(Query(1, "sencha gyokuro difference"), c).note == suggest.NOTHING_CLOSE
    huge = "charged twice please refund " * 200  # 5,600 characters
    found = suggest.rank(Query(1, huge), c)
    assert found.items[0].source_id == 1
    assert len(found.terms) <= suggest.MAX_TERMS


def test_fts_query_quotes_what_the_customer_typed() -> None:
    assert suggest.fts_query(suggest.terms('refund" OR NEAR(x) *')) == '"refund" OR "near"'


def test_newest_first_baseline_ignores_the_text() -> None:
    old = case(1, "charged twice", "refunded")
    new = Candidate(suggest.CONVERSATION, 2, "parcel", "courier", at=NOW + timedelta(days=1))
    assert [c.source_id for c in suggest.newest_first([old, new])] == [2, 1]


def test_repeated_answers_without_an_article_become_one_offer() -> None:
    refund = "Hi {}, we've refunded the duplicate payment; it shows in 3-5 business days. — Sam"
    cases = [
        Answered(i, f"I was charged twice for order #4000{i}", refund.format(n), NOW, (n,))
        for i, n in enumerate(("Ana", "Ben", "Cy"), 1)
    ] + [Answered(9, "Where is my parcel?", "With the courier.", NOW)]
    offers = suggest.repeated(cases, [], at_least=3)
    assert len(offers) == 1 and offers[0].conversation_ids == (1, 2, 3)
    covered = suggest.repeated(
        cases, ["Charged twice\nI was charged twice for an order"], at_least=3
    )
    assert covered == []
    assert suggest.repeated(cases, [], at_least=4) == []


def test_a_name_written_into_japanese_leaves_no_trace() -> None:
    """ "Yuiさん": the earlier customer's first name runs straight into the next character;
    a word boundary (\\w) does not end there, so it used to be left in."""
    answer = "Yuiさん、抹茶は来週火曜日に再入荷します。佐藤様のご注文 #41234 — Jordan"
    text = suggest.reusable(
        answer, personal=("Yui Sato", "佐藤", "yuisato@tea.social"), agents=("Jordan Lee",)
    )
    for trace in ("Yui", "佐藤", "41234", "Jordan"):
        assert trace not in text, trace
    assert text.startswith("{author.first_name}さん、抹茶は来週火曜日に再入荷します。")
    filled = suggest.fill(text, suggest.values_for("", {"author.name": "Aoi Tanaka"}))
    assert filled.startswith("Aoiさん、")
    # A Latin name inside a longer Latin word is not a name.
    assert suggest.reusable("Miami is lovely, Mia", personal=("Mia Green",)) == (
        "Miami is lovely, {author.first_name}"
    )


def test_japanese_is_read_as_character_pairs() -> None:
    assert suggest.cjk_grams("抹茶の再入荷") == ["抹茶", "茶の", "の再", "再入", "入荷"]
    # Pairs of kana only are grammar when others exist; voicing marks kept (です, not てす).
    assert suggest.cjk_terms("抹茶はいつ入荷しますか？") == ["抹茶", "茶は", "つ入", "入荷", "荷し"]
    assert suggest.cjk_terms("ですか") == ["です", "すか"]
    assert suggest.cjk_terms("Where is my parcel?") == []
    assert suggest.problem("抹茶？") == ""  # a one-word Japanese question can be matched
    solved = [
        case(1, "抹茶の再入荷はいつですか？", "来週です。"),
        case(2, "注文した荷物がまだ届きません。", "配送中です。"),
    ]
    found = suggest.rank(Query(9, "抹茶はいつ入荷しますか？"), solved, now=NOW)
    assert [s.source_id for s in found.items][:1] == [1]
