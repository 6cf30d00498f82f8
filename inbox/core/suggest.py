"""Suggested answers from the team's own solved cases, saved replies and articles (pure).

store/suggest.py gathers a bounded set of candidates (FTS5 bm25 over the question's
distinctive terms in the index of solved questions, plus the saved replies and the
published articles); this module ranks them, removes near-identical answers, and
turns the chosen answer into text for THIS customer:

    reusable(answer, ...)  the earlier customer's names, handles, order numbers,
                           e-mail addresses, phone numbers and links become
                           placeholders ({author.name}, {order.number}, …), the
                           earlier agent's name becomes {agent.name}
    fill(text, values)     the placeholders this conversation can fill are filled;
                           the rest stay, and the reply box refuses to send them

Ranking is text similarity (IDF-weighted word cosine with light stemming, plus a
character-trigram cosine that forgives typos) with bm25, tags, the rules that
fired, the network, reuse and recency as features. No model, nothing leaves the
laptop.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from inbox.core import templates as core_templates
from inbox.core.redact import redact
from inbox.core.textfacts import fold

SHOWN = 3  # suggestions the pane shows
MAX_QUESTION_CHARS = 2000  # a 5,000-character question is ranked on its first 2,000
MAX_TERMS = 12  # distinctive terms handed to the FTS query
MIN_SCORE = 0.12  # below this a candidate is not worth showing
SAME_ANSWER = 0.8  # answers this similar are one suggestion ("answered like this N times")

CONVERSATION = "conversation"
TEMPLATE = "template"
ARTICLE = "article"
SOURCES = (CONVERSATION, TEMPLATE, ARTICLE)

# Words that say nothing about what a question is about (English, and the commonest of
# the other languages the demo has). Kept short on purpose: bm25's IDF does the rest.
_STOPWORDS = """
a an and are as at be been but by can could did do does doing for from had has have
hello hey hi how i i'm im if in into is it its it's just me my no not of on or our
please so than thanks thank that the their them then there these they this to too
was we were what when where which who why will with would you your yours us any
anyone some still get got one two also about again very really here der die das und
ist ich nicht ein eine le la les et est je pas un une des du de el los las y es no
en que por para o um uma os as e pelo pela do da
"""
STOPWORDS = frozenset(_STOPWORDS.split())

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
_ORDER = re.compile(
    r"(?i)(?:(?<=order )|(?<=order no\. )|(?<=order number )|(?<=bestellung )"
    r"|(?<=commande )|(?<=pedido ))#?\s?\d{3,}|#\d{3,}"
)
_SUFFIXES = ("ing", "edly", "ed", "es", "e", "s", "ly")

# What redaction leaves, as the placeholder the reply box fills or asks for.
_PLACEHOLDERS = {
    "[name]": "{author.name}",
    "[handle]": "{author.handle}",
    "[email]": "{author.email}",
    "[phone]": "{author.phone}",
    "[link]": "{link}",
}
ORDER_FIELD = "order.number"


@dataclass(frozen=True)
class Query:
    """The conversation asking: its customer's words and what the rules said about it."""

    conversation_id: int
    text: str
    network: str = ""
    tags: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()  # names of the rules that fired on it
    template: str = ""  # the saved reply a rule suggested, by name


@dataclass(frozen=True)
class Candidate:
    """Something that may answer the query.

    source: "conversation" (a solved case: question = the customer's words, answer = our
    last reply), "template" (a saved reply: question = its name, answer = its body) or
    "article" (published: question = title + question, answer = its answer, url).
    personal: names and handles of the earlier customer, removed from the answer.
    """

    source: str
    source_id: int
    question: str
    answer: str
    bm25: float = 0.0  # FTS5's score (more negative is better); 0 when not from FTS
    at: datetime | None = None
    by: str = ""
    network: str = ""
    tags: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    title: str = ""
    url: str = ""
    uses: int = 0
    personal: tuple[str, ...] = ()
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    """One ranked suggestion: the candidate, its score, and its reusable text."""

    candidate: Candidate
    score: float
    text: str  # the answer with the earlier customer taken out ({author.name} …)
    alike: int = 1  # how many solved cases were answered like this

    @property
    def source(self) -> str:
        return self.candidate.source

    @property
    def source_id(self) -> int:
        return self.candidate.source_id


@dataclass(frozen=True)
class Suggestions:
    """What the pane shows: up to SHOWN suggestions, or why there are none (note)."""

    items: tuple[Suggestion, ...] = ()
    note: str = ""
    terms: tuple[str, ...] = field(default=())


NO_WORDS = "No suggestions: the customer's message has no words to match (empty or only emoji)."
NO_SOLVED = (
    "No suggestions yet: answered and resolved conversations, saved replies and published "
    "articles become suggestions."
)
NOTHING_CLOSE = "No suggestions: nothing answered before is close to this question."


# -- words ---------------------------------------------------------------------------------


def _stem(word: str) -> str:
    """charged, charges, charge -> charg; shipping -> ship (light, English-only)."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            if len(stem) >= 4 and stem[-1] == stem[-2] and stem[-1] not in "aeiouls":
                stem = stem[:-1]  # shipp -> ship
            return stem
    return word


def _cjk_char(ch: str) -> bool:
    # Hiragana, katakana, CJK ideographs (and their extensions), half-width katakana, Hangul.
    n = ord(ch)
    return (
        0x3040 <= n <= 0x30FF
        or 0x3400 <= n <= 0x4DBF
        or 0x4E00 <= n <= 0x9FFF
        or 0xF900 <= n <= 0xFAFF
        or 0xFF66 <= n <= 0xFF9F
        or 0xAC00 <= n <= 0xD7AF
        or 0x20000 <= n <= 0x2FA1F
    )


_CJK_ANY = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\uac00-\ud7af"
    "\U00020000-\U0002fa1f]"
)


def _cjk(word: str) -> bool:
    return _CJK_ANY.search(word) is not None


def cjk_grams(token: str) -> list[str]:
    """The overlapping character pairs of each run of CJK characters in token (a lone
    character stands for itself); other letters in the token are left out."""
    out: list[str] = []
    run: list[str] = []
    for ch in [*token, ""]:
        if ch and _cjk_char(ch):
            run.append(ch)
            continue
        if len(run) == 1:
            out.append(run[0])
        out.extend(run[i] + run[i + 1] for i in range(len(run) - 1))
        run = []
    return out


_NOT_WORDS = re.compile(r"(?<!\w)@[\w.@\-]+|https?://\S+")
# A folded token -> its stems ("" for a stopword, a number, a short word). Tokens repeat a
# lot (every candidate is read per suggestion), so each is looked at once per process;
# bounded so a stream of unique tokens cannot grow it without end.
_STEMS: dict[str, tuple[str, ...]] = {}
_STEMS_MAX = 200_000


def _stems(token: str) -> tuple[str, ...]:
    found = _STEMS.get(token)
    if found is None:
        if token in STOPWORDS or token.isdigit():
            found = ()
        elif _cjk(token):
            found = tuple(cjk_grams(token))
        elif len(token) < 3:
            found = ()
        else:
            found = (_stem(token),)
        if len(_STEMS) >= _STEMS_MAX:
            _STEMS.clear()
        _STEMS[token] = found
    return found


def words(text: str) -> list[str]:
    """The folded, lightly stemmed content words of text (stopwords, numbers, handles out).
    Chinese and Japanese have no spaces between words: a run of their characters counts as
    its overlapping character pairs ("抹茶の再入荷" -> 抹茶 茶の の再 再入 入荷)."""
    text = _NOT_WORDS.sub(" ", text[:MAX_QUESTION_CHARS])
    out: list[str] = []
    known = _STEMS.get
    for token in _WORD.findall(fold(text)):
        found = known(token)
        if found is None:
            found = _stems(token)
        if found:
            out += found
    return out


def terms(text: str, limit: int = MAX_TERMS) -> list[str]:
    """The question's distinctive terms for the FTS query: content words, longest first
    (long words are the rare ones), each once; numbers, handles and links left out."""
    text = _NOT_WORDS.sub(" ", text[:MAX_QUESTION_CHARS])
    seen: dict[str, None] = {}
    for token in _WORD.findall(fold(text)):
        if token in STOPWORDS or token.isdigit() or (len(token) < 3 and not _cjk(token)):
            continue
        seen.setdefault(token.replace("'", " ").split()[0], None)
    return sorted(seen, key=len, reverse=True)[:limit]


def cjk_terms(text: str, limit: int = MAX_TERMS) -> list[str]:
    """The character pairs of text's Chinese/Japanese/Korean runs to look for in earlier
    questions, each once, in order; pairs of kana only ("ます", "いつ": grammar, mostly)
    are left out when the text has others."""
    text = text[:MAX_QUESTION_CHARS]
    if not _CJK_ANY.search(text):  # most questions: one scan in C, not a loop per character
        return []
    found: dict[str, None] = {}
    # Not folded: the pairs are looked for in the stored text as it is (folding would take
    # the voicing marks off: で -> て).
    for token in _WORD.findall(unicodedata.normalize("NFKC", text[:MAX_QUESTION_CHARS])):
        if _cjk(token):
            found.update(dict.fromkeys(cjk_grams(token)))
    grams = [g for g in found if len(g) == 2]
    meaning = [g for g in grams if not all(0x3040 <= ord(ch) <= 0x30FF for ch in g)]
    return (meaning or grams)[:limit]


def fts_query(found: Sequence[str]) -> str:
    """An FTS5 OR query over terms (quoted: nothing the customer typed is syntax)."""
    return " OR ".join('"' + t.replace('"', "") + '"' for t in found if t.replace('"', ""))


def problem(text: str) -> str:
    """Why a question cannot be matched ("" when it can): empty or emoji-only."""
    return "" if terms(text) or cjk_terms(text) else NO_WORDS


# -- similarity ----------------------------------------------------------------------------


SIMILARITY_CHARS = 400  # a long earlier question is compared on its start


def _trigrams(counts: Mapping[str, int]) -> Counter[str]:
    grams: Counter[str] = Counter()
    for w, n in counts.items():
        padded = f" {w} "
        for i in range(len(padded) - 2):
            grams[padded[i : i + 3]] += n
    return grams


def _unit(vector: Mapping[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {k: v / norm for k, v in vector.items()} if norm else {}


def _dot(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    small, big = (a, b) if len(a) < len(b) else (b, a)
    return sum(v * big.get(k, 0.0) for k, v in small.items())


class Similarity:
    """Text similarity within one pool of texts: IDF learnt from the pool itself.

    Each text's words are read once (memoised), so ranking N candidates against one
    question costs N + 1 readings, not 2N.
    """

    def __init__(self, texts: Iterable[str], drop: Iterable[str] = ()) -> None:
        self._drop = set(drop)
        self._counts: dict[str, Counter[str]] = {}
        self._vectors: dict[str, tuple[dict[str, float], dict[str, float]]] = {}
        df: Counter[str] = Counter()
        n = 0
        for text in texts:
            df.update(self.counts(text).keys())
            n += 1
        n = max(n, 1)
        self.idf = {w: math.log(1 + n / c) for w, c in df.items()}
        self.default_idf = math.log(1 + n)

    def counts(self, text: str) -> Counter[str]:
        found = self._counts.get(text)
        if found is None:
            found = Counter(w for w in words(text[:SIMILARITY_CHARS]) if w not in self._drop)
            self._counts[text] = found
        return found

    def vectors(self, text: str) -> tuple[dict[str, float], dict[str, float]]:
        found = self._vectors.get(text)
        if found is None:
            counts = self.counts(text)
            word = {
                w: (1 + math.log(c)) * self.idf.get(w, self.default_idf) for w, c in counts.items()
            }
            found = (_unit(word), _unit(_trigrams(counts)))
            self._vectors[text] = found
        return found

    def score(self, a: str, b: str) -> float:
        """0..1: 0.65 word cosine (IDF, stems) + 0.35 character-trigram cosine (typos)."""
        wa, ta = self.vectors(a)
        wb, tb = self.vectors(b)
        return 0.65 * _dot(wa, wb) + 0.35 * _dot(ta, tb)


def _overlap(a: Sequence[str], b: Sequence[str]) -> float:
    if not a or not b:
        return 0.0
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb)


def _alike(a: Counter[str], b: Counter[str]) -> float:
    """Cosine of two answers' word counts (names of the people involved left out)."""
    return _dot(_unit(a), _unit(b))


def _answer_words(answer: str, people: Iterable[str]) -> Counter[str]:
    personal = set(words(" ".join(people)))
    return Counter(w for w in words(answer[:SIMILARITY_CHARS]) if w not in personal)


# -- ranking -------------------------------------------------------------------------------


def rank(
    query: Query,
    candidates: Sequence[Candidate],
    *,
    now: datetime | None = None,
    limit: int = SHOWN,
    agents: Sequence[str] = (),
) -> Suggestions:
    """The best `limit` candidates for query, near-identical answers merged, or a note."""
    found = terms(query.text)
    if not found and not cjk_terms(query.text):
        return Suggestions(note=NO_WORDS)
    if not candidates:
        return Suggestions(note=NO_SOLVED, terms=tuple(found))
    sim = Similarity([query.text, *(c.question for c in candidates)])
    best_bm25 = min((c.bm25 for c in candidates if c.bm25 < 0), default=0.0)
    scored: list[tuple[float, Candidate]] = []
    for c in candidates:
        if c.source == TEMPLATE:
            text_score = 0.8 * sim.score(query.text, f"{c.question}\n{c.answer}")
            if query.template and query.template == c.question:
                text_score += 0.3  # the rule that fired suggests this saved reply
        elif c.source == ARTICLE:
            text_score = 0.95 * sim.score(query.text, c.question)
        else:
            text_score = sim.score(query.text, c.question)
        if text_score <= 0.0:
            continue
        score = text_score
        if best_bm25 < 0 and c.bm25 < 0:
            score += 0.1 * (c.bm25 / best_bm25)
        score += 0.1 * _overlap(query.tags, c.tags) + 0.1 * _overlap(query.rules, c.rules)
        if query.network and c.network == query.network:
            score += 0.02
        score += 0.04 * min(c.uses, 10) / 10
        if now is not None and c.at is not None:
            days = max((now - c.at).total_seconds() / 86400, 0.0)
            score += 0.03 / (1 + days / 30)
        scored.append((score, c))
    scored.sort(key=lambda s: (-s[0], s[1].source, -s[1].source_id))
    chosen: list[tuple[float, Candidate, Counter[str], int]] = []
    for score, c in scored:
        if score < MIN_SCORE:
            break
        answer = _answer_words(c.answer, (*c.personal, *agents))
        same = next((i for i, k in enumerate(chosen) if _alike(k[2], answer) >= SAME_ANSWER), None)
        if same is not None:
            kept = chosen[same]
            chosen[same] = (kept[0], kept[1], kept[2], kept[3] + 1)
            continue
        if len(chosen) < limit:
            chosen.append((score, c, answer, 1))
        elif score < chosen[-1][0] * 0.5:
            break
    if not chosen:
        return Suggestions(note=NOTHING_CLOSE, terms=tuple(found))
    items = tuple(
        Suggestion(
            c,
            round(score, 4),
            c.answer  # a saved reply is a template already
            if c.source == TEMPLATE
            else reusable(c.answer, personal=c.personal, links=c.links, agents=agents),
            alike,
        )
        for score, c, _, alike in chosen
    )
    return Suggestions(items, terms=tuple(found))


def newest_first(candidates: Sequence[Candidate], limit: int = SHOWN) -> list[Candidate]:
    """The baseline the bench compares with: the newest solved cases, whatever they say."""
    solved = [c for c in candidates if c.source == CONVERSATION and c.at is not None]
    solved.sort(key=lambda c: (c.at, c.source_id), reverse=True)
    return solved[:limit]


# -- the answer for this customer ----------------------------------------------------------


def order_numbers(text: str) -> list[str]:
    """Order numbers written in text ("order #41234", "#41234"), digits only, in order."""
    found: dict[str, None] = {}
    for m in _ORDER.finditer(text):
        found.setdefault(re.sub(r"\D", "", m.group(0)), None)
    return list(found)


def reusable(
    answer: str,
    *,
    personal: Iterable[str] = (),
    links: Iterable[str] = (),
    agents: Iterable[str] = (),
) -> str:
    """answer with nothing of the earlier customer left, as a template.

    The earlier customer's names and handles (personal), any handle, e-mail address,
    phone number, profile link (core.redact, the article path's redaction) and order
    number become placeholders; our agents' names become {agent.name}. Braces the
    answer had are kept as literal braces.
    """
    text = answer.replace("{", "{{").replace("}", "}}")
    text = _names(text, agents, "agent")
    text = _names(
        text, [p.strip().lstrip("@") for p in personal if "@" not in p.strip()[1:]], "author"
    )
    text = _ORDER.sub("#{" + ORDER_FIELD + "}", text)
    cleaned = redact(text, names=[p for p in personal if p], links=[u for u in links if u])
    text = cleaned.text
    for mark, placeholder in _PLACEHOLDERS.items():
        text = text.replace(mark, placeholder)
    # A reply opening with the customer's handle only addresses them: the network adds
    # the mention itself, so it goes.
    text = re.sub(r"^(?:\s*\{author\.handle\}[ ,:]*)+", "", text)
    return text


# A letter that continues a Latin (or other spaced-script) word: CJK characters are not,
# since Japanese and Chinese write a name straight into the sentence ("Yuiさん"). Compiled
# once: a class like this takes ~30 ms to compile, so the names' own pattern has none.
_CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\uac00-\ud7af"
_GOES_ON = re.compile(rf"[^\W{_CJK_RANGES}]")


def _replace_names(text: str, names: Sequence[str], placeholder: str, after: str = "") -> str:
    """Each of names (longest first) as a whole word -> placeholder; a CJK name anywhere
    (no spaces there). after: characters that must not come just before (e.g. "{.")."""
    if not names:
        return text
    pattern = re.compile("|".join(re.escape(n) for n in names))

    def whole(m: re.Match[str]) -> str:
        start, end = m.start(), m.end()
        before = text[start - 1] if start else ""
        if before and before in after:
            return m.group(0)
        if not _cjk(m.group(0)) and (
            (before and _GOES_ON.match(before)) or (end < len(text) and _GOES_ON.match(text[end]))
        ):
            return m.group(0)
        return placeholder

    return pattern.sub(whole, text)


def _names(text: str, names: Iterable[str], who: str) -> str:
    """Full names -> {who.name}, then first names alone -> {who.first_name}."""
    full = sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True)
    text = _replace_names(text, full, "{" + who + ".name}")
    firsts = {n.split()[0] for n in full if " " in n and len(n.split()[0]) >= 2}
    ordered = sorted(firsts, key=len, reverse=True)
    return _replace_names(text, ordered, "{" + who + ".first_name}", after="{.")


def fill(text: str, values: Mapping[str, str]) -> str:
    """Placeholders this conversation knows, filled; unknown ones stay for the user to fill."""
    return core_templates.render(text, {k: v for k, v in values.items() if v}).text


def values_for(customer_text: str, values: Mapping[str, str]) -> dict[str, str]:
    """The reply box's template values plus what the customer wrote: their order number
    when they gave exactly one."""
    out = dict(values)
    for who in ("author", "agent"):
        name = out.get(f"{who}.name", "").strip()
        if name and f"{who}.first_name" not in out:
            out[f"{who}.first_name"] = name.split()[0]
    orders = order_numbers(customer_text)
    if len(orders) == 1:
        out[ORDER_FIELD] = orders[0]
    return out


# -- repeated questions --------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    """A solved case for the repeated-question check."""

    conversation_id: int
    question: str
    answer: str
    at: datetime
    personal: tuple[str, ...] = ()  # the customer's names and handles


@dataclass(frozen=True)
class Repeated:
    """N solved cases answered alike with no article covering them: an article to write."""

    conversation_ids: tuple[int, ...]
    best: int  # the most typical case: the draft takes its question and answer
    question: str  # the commonest question, as the draft's question


def repeated(
    cases: Sequence[Answered],
    articles: Sequence[str],
    *,
    at_least: int,
    covered_at: float = 0.45,
) -> list[Repeated]:
    """Groups of at least `at_least` cases answered with near-identical replies that no
    published article (title + question text in `articles`) already covers."""
    if at_least < 2 or len(cases) < at_least:
        return []
    answers = [_answer_words(c.answer, c.personal) for c in cases]
    groups: list[list[int]] = []
    for i, _ in enumerate(cases):
        for group in groups:
            if _alike(answers[group[0]], answers[i]) >= SAME_ANSWER:
                group.append(i)
                break
        else:
            groups.append([i])
    questions = Similarity([c.question for c in cases] + list(articles))
    out = []
    for group in groups:
        if len(group) < at_least:
            continue
        members = [cases[i] for i in group]
        # The question most like the others is the common one (among the newest 30:
        # quadratic, and it runs on the reader thread the columns share).
        sample = members[:30]
        best_q = max(
            sample,
            key=lambda m: sum(questions.score(m.question, o.question) for o in sample),
        )
        if any(questions.score(best_q.question, a) >= covered_at for a in articles):
            continue
        out.append(
            Repeated(
                tuple(sorted(m.conversation_id for m in members)),
                best_q.conversation_id,  # its question is the common one, its answer alike
                best_q.question,
            )
        )
    out.sort(key=lambda r: -len(r.conversation_ids))
    return out
