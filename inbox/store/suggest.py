"""Suggested answers: the bounded candidate set (SQL), ranked by core.suggest.

Candidates, all read on whatever connection the caller has (the pane asks on the
reader thread, the CLI on a read-only store):

- solved cases: the `answered` table (migration 0015: one row per resolved
  conversation with an answer, kept by triggers) through its FTS5 index. The
  question's distinctive terms (core.suggest.terms, each in fewer than COMMON solved
  questions) are OR-ed; every match is scored by bm25 (on a team server: ts_rank_cd
  over the stored, stemmed tsvector, store.dialect.fts_rank), however old, and the best
  CANDIDATES kept: at most MAX_TERMS x COMMON rows are scored, however many messages the
  profile holds;
- solved questions in Chinese, Japanese or Korean (migration 0025's `cjk`): scored by
  the character pairs they share with the question;
- the saved replies (all of them: a team keeps tens);
- published articles: the outbox rows that delivered them hold their text.

`suggestion_uses` records each use (the `suggestions.use` operation), so "reused N
times" and the report's figures are counts of real uses.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from inbox.core import suggest as core
from inbox.core.clock import from_iso
from inbox.core.errors import ConfigError

if TYPE_CHECKING:
    from inbox.store.store import Store

COMMON = 1000  # a term in this many solved questions is not distinctive
# Every match of the distinctive terms is scored (it was the newest 500, which let a
# better, older case go unseen); each term has fewer than COMMON matches, so this cap,
# newest first, never cuts: it only states the bound.
WINDOW = core.MAX_TERMS * COMMON
CANDIDATES = 12  # solved cases handed to the re-ranking
ARTICLES = 200  # newest published articles considered
CJK_WINDOW = 2000  # newest solved CJK questions scored by shared character pairs
QUESTION_CHARS = 2000


def query_for(store: Store, conversation_id: int) -> core.Query:
    """The conversation's question: its customer's messages (first ones first), tags, rules.

    Raises:
        ConfigError: there is no such conversation.
    """
    rows = store.query(
        """SELECT c.id, c.tags, c.priority_explain, c.template, a.network
           FROM conversations c JOIN accounts a ON a.id = c.account_id WHERE c.id = ?""",
        (conversation_id,),
    )
    if not rows:
        raise ConfigError(f"There is no conversation {conversation_id}.")
    r = rows[0]
    texts = store.query(
        "SELECT text FROM messages WHERE conversation_id = ? AND direction = 'in'"
        " ORDER BY created_at, id LIMIT 20",
        (conversation_id,),
    )
    text = "\n".join(t[0] for t in texts)[:QUESTION_CHARS]
    return core.Query(
        conversation_id=r["id"],
        text=text,
        network=r["network"],
        tags=tuple(_json_list(r["tags"])),
        rules=_rule_names(r["priority_explain"]),
        template=r["template"] or "",
    )


def _json_list(text: str | None) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _rule_names(text: str | None) -> tuple[str, ...]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return ()
    if not isinstance(value, list):
        return ()
    return tuple(str(v[0]) for v in value if isinstance(v, list) and v)


def distinctive(store: Store, found: Sequence[str]) -> list[str]:
    """The terms found in fewer than COMMON solved cases (and in at least one).

    A term in thousands of solved questions says little about this one, and bm25 pays
    for every term by reading its whole posting list; counting stops at COMMON, so
    this costs little even for the commonest words.
    """
    if not found:
        return []
    # One statement (one round trip on a team server), one count per term.
    sql = " UNION ALL ".join(
        f"SELECT {n} AS term, count(*) AS n FROM (SELECT 1 FROM answered_fts"
        f" WHERE answered_fts MATCH ? LIMIT {COMMON}) AS hits{n}"
        for n in range(len(found))
    )
    counts = {int(r[0]): int(r[1]) for r in store.query(sql, [core.fts_query([t]) for t in found])}
    return [t for n, t in enumerate(found) if 0 < counts.get(n, 0) < COMMON]


def solved(store: Store, query: core.Query) -> list[core.Candidate]:
    """The solved cases nearest the question, bounded: bm25 over the distinctive terms
    (every match scored, the best CANDIDATES kept), or, when every term is common, the
    newest CANDIDATES matches (the re-ranking sorts them); plus _cjk_matches for the
    question's CJK character pairs."""
    found = core.terms(query.text)
    grams = core.cjk_terms(query.text)
    scores = _cjk_matches(store, grams, query.conversation_id) if grams else {}
    if not found:
        return cases(store, scores)
    try:
        keep = distinctive(store, found)
        if keep:
            # bm25 on SQLite, ts_rank_cd over the stored tsvector on PostgreSQL (the dialect's).
            score, uses_query = store.dialect.fts_rank("answered_fts")
            text = core.fts_query(keep)
            hits = store.query(
                f"""SELECT id, score FROM (
                       SELECT rowid AS id, {score} AS score FROM answered_fts
                       WHERE answered_fts MATCH ? ORDER BY rowid DESC LIMIT ?) AS newest
                   WHERE id <> ? ORDER BY score, id DESC LIMIT ?""",
                (*[text] * uses_query, text, WINDOW, query.conversation_id, CANDIDATES),
            )
        else:
            hits = store.query(
                """SELECT rowid, 0.0 FROM answered_fts WHERE answered_fts MATCH ?
                   AND rowid <> ? ORDER BY rowid DESC LIMIT ?""",
                (core.fts_query(found), query.conversation_id, CANDIDATES),
            )
    except sqlite3.OperationalError:  # a term FTS5 cannot parse: no candidates, no crash
        return cases(store, scores)
    for h in hits:
        scores.setdefault(int(h[0]), float(h[1]))
    return cases(store, scores)


def _cjk_matches(store: Store, grams: Sequence[str], conversation_id: int) -> dict[int, float]:
    """Solved CJK questions (migration 0025's `cjk`) sharing the most character pairs with the
    question: the newest CJK_WINDOW scored by how many of grams each contains, the best
    CANDIDATES kept; the score is negative like bm25's (more shared pairs: lower)."""
    shared = " + ".join("CASE WHEN question LIKE ? THEN 1 ELSE 0 END" for _ in grams)
    rows = store.query(
        f"""SELECT id, shared FROM (
               SELECT conversation_id AS id, {shared} AS shared FROM (
                   SELECT conversation_id, question FROM answered
                   WHERE cjk = 1 AND conversation_id <> ?
                   ORDER BY conversation_id DESC LIMIT {CJK_WINDOW}) AS newest) AS scored
            WHERE shared > 0 ORDER BY shared DESC, id DESC LIMIT {CANDIDATES}""",
        (*(f"%{g}%" for g in grams), conversation_id),
    )
    return {int(r[0]): -float(r[1]) for r in rows}


def cases(store: Store, scores: dict[int, float]) -> list[core.Candidate]:
    """Solved cases as candidates: question, our last answer, who gave it, the customer."""
    if not scores:
        return []
    ids = json.dumps(list(scores))
    info = {
        r["id"]: r
        for r in store.query(
            """SELECT c.id, c.tags, c.priority_explain, a.network, a.handle AS account,
                      coalesce(p.display_name, '') AS name, coalesce(p.handle, '') AS handle,
                      coalesce(p.profile_url, '') AS profile_url
               FROM json_each(?) j CROSS JOIN conversations c ON c.id = j.value
               JOIN accounts a ON a.id = c.account_id
               LEFT JOIN contacts p ON p.id = c.contact_id""",
            (ids,),
        )
    }
    messages: dict[int, list[sqlite3.Row]] = {}
    for m in store.query(
        """SELECT m.conversation_id, m.direction, m.text, m.author_handle, m.author_name,
                  m.mentions_json, m.created_at
           FROM json_each(?) j CROSS JOIN messages m ON m.conversation_id = j.value
           ORDER BY m.conversation_id, m.created_at, m.id""",
        (ids,),
    ):
        messages.setdefault(m["conversation_id"], []).append(m)
    by = {
        r["conversation_id"]: r["actor"]
        for r in store.query(
            """SELECT l.conversation_id, l.actor FROM json_each(?) j
               CROSS JOIN audit_log l ON l.conversation_id = j.value
               WHERE l.action = 'reply.sent' ORDER BY l.at, l.id""",
            (ids,),
        )
    }
    used = uses(store, core.CONVERSATION, scores)
    out = []
    for cid, score in scores.items():
        row, thread = info.get(cid), messages.get(cid, [])
        outs = [m for m in thread if m["direction"] == "out"]
        if row is None or not outs:
            continue
        answer = outs[-1]
        question = "\n".join(
            m["text"]
            for m in thread
            if m["direction"] == "in" and m["created_at"] <= answer["created_at"]
        ) or "\n".join(m["text"] for m in thread if m["direction"] == "in")
        personal = {row["name"], row["handle"]}
        for m in thread:
            if m["direction"] == "in":
                personal.update((m["author_name"], m["author_handle"]))
                if m["mentions_json"] != "[]":
                    personal.update(_json_list(m["mentions_json"]))
        out.append(
            core.Candidate(
                source=core.CONVERSATION,
                source_id=cid,
                question=question[:QUESTION_CHARS],
                answer=answer["text"],
                bm25=score,
                at=from_iso(answer["created_at"]),
                by=by.get(cid) or f"@{row['account']}",
                network=row["network"],
                tags=tuple(_json_list(row["tags"])),
                rules=_rule_names(row["priority_explain"]),
                uses=used.get(cid, 0),
                personal=tuple(p for p in personal if p),
                links=(row["profile_url"],) if row["profile_url"] else (),
            )
        )
    return out


def saved_replies(store: Store) -> list[core.Candidate]:
    templates = store.templates.all(team_id=None)
    used = uses(store, core.TEMPLATE, [t.id for t in templates])
    return [
        core.Candidate(
            source=core.TEMPLATE,
            source_id=t.id,
            question=t.name,
            answer=t.body,
            by="Saved reply" + (f" /{t.shortcut}" if t.shortcut else ""),
            title=t.name,
            uses=used.get(t.id, 0),
        )
        for t in templates
    ]


@dataclass(frozen=True)
class PublishedArticle:
    id: int  # the outbox row that published it
    conversation_id: int | None
    title: str
    question: str
    answer: str
    url: str
    at: datetime


def published_articles(store: Store, limit: int = ARTICLES) -> list[PublishedArticle]:
    """Articles this profile published, newest first (their text is in the outbox row)."""
    out = []
    for r in store.query(
        "SELECT id, conversation_id, payload_json, remote_url, updated_at FROM outbox"
        " WHERE kind = 'article' AND status = 'done' ORDER BY id DESC LIMIT ?",
        (limit,),
    ):
        try:
            article = json.loads(r["payload_json"]).get("article") or {}
        except (ValueError, AttributeError):
            continue
        out.append(
            PublishedArticle(
                r["id"],
                r["conversation_id"],
                str(article.get("title", "")),
                str(article.get("question", "")),
                str(article.get("answer", "")),
                r["remote_url"] or "",
                from_iso(r["updated_at"]),
            )
        )
    return out


def articles(store: Store) -> list[core.Candidate]:
    found = published_articles(store)
    used = uses(store, core.ARTICLE, [a.id for a in found])
    out = []
    for a in found:
        web = a.url.startswith(("http://", "https://"))
        out.append(
            core.Candidate(
                source=core.ARTICLE,
                source_id=a.id,
                question=f"{a.title}\n{a.question}",
                answer=a.answer + (f"\n\nMore: {a.url}" if web else ""),
                at=a.at,
                by="Article",
                title=a.title,
                url=a.url,
                uses=used.get(a.id, 0),
            )
        )
    return out


def candidates(store: Store, query: core.Query) -> list[core.Candidate]:
    return [*solved(store, query), *saved_replies(store), *articles(store)]


def agents(store: Store) -> list[str]:
    """Our team's names: an earlier answer's signature becomes {agent.name}."""
    return [m.name for m in store.teams.members()]


def suggest(store: Store, conversation_id: int, limit: int = core.SHOWN) -> core.Suggestions:
    """What the pane shows for a conversation (also `social-inbox suggest ID`).

    Raises:
        ConfigError: there is no such conversation.
    """
    query = query_for(store, conversation_id)
    if core.problem(query.text):
        return core.Suggestions(note=core.NO_WORDS)
    return core.rank(
        query,
        candidates(store, query),
        now=store.clock.now(),
        limit=limit,
        agents=agents(store),
    )


def has_solved(store: Store) -> bool:
    return bool(store.query("SELECT 1 FROM answered LIMIT 1"))


# -- uses ----------------------------------------------------------------------------------


def uses(store: Store, source: str, ids: Iterable[int]) -> dict[int, int]:
    """How often each of ids (of source) was put into a reply box."""
    rows = store.query(
        """SELECT u.source_id, count(*) FROM json_each(?) j
           CROSS JOIN suggestion_uses u ON u.source = ? AND u.source_id = j.value
           GROUP BY u.source_id""",
        (json.dumps(list(ids)), source),
    )
    return {int(r[0]): int(r[1]) for r in rows}


def record_use(
    store: Store, conversation_id: int, source: str, source_id: int, rank: int, actor: str
) -> int:
    """Record one use; returns how often that source has been used now.

    Raises:
        ConfigError: an unknown source or conversation.
    """
    if source not in core.SOURCES:
        raise ConfigError(f"Unknown suggestion source {source!r}.")
    if not store.query("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)):
        raise ConfigError(f"There is no conversation {conversation_id}.")
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO suggestion_uses (at, conversation_id, source, source_id, rank, actor)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (store.now(), conversation_id, source, source_id, rank, actor),
        )
    return uses(store, source, [source_id]).get(source_id, 0)


# -- repeated questions --------------------------------------------------------------------


def answered_since(store: Store, since: str, limit: int = 500) -> list[core.Answered]:
    """Solved cases whose answer came at or after since (newest first, at most limit)."""
    rows = store.query(
        """SELECT a.conversation_id, a.question,
                  (SELECT m.text FROM messages m WHERE m.conversation_id = a.conversation_id
                   AND m.direction = 'out' ORDER BY m.created_at DESC, m.id DESC LIMIT 1) AS answer,
                  c.first_response_at, coalesce(p.display_name, ''), coalesce(p.handle, '')
           FROM answered a JOIN conversations c ON c.id = a.conversation_id
           LEFT JOIN contacts p ON p.id = c.contact_id
           WHERE c.first_response_at >= ? ORDER BY a.conversation_id DESC LIMIT ?""",
        (since, limit),
    )
    return [
        core.Answered(r[0], r[1], r[2], from_iso(r[3]), (r[4], r[5]))
        for r in rows
        if r[2] is not None
    ]


def article_sources(store: Store) -> set[int]:
    """Conversations an article was already made from."""
    rows = store.query("SELECT conversation_id FROM external_refs WHERE kind = 'article'")
    return {int(r[0]) for r in rows}


def repeated(store: Store, at_least: int, since: str) -> list[core.Repeated]:
    """Groups of solved cases answered alike since `since`, not covered by an article."""
    cases_ = answered_since(store, since)
    made = article_sources(store)
    texts = [f"{a.title}\n{a.question}" for a in published_articles(store)]
    found = core.repeated(cases_, texts, at_least=at_least)
    return [r for r in found if not made.intersection(r.conversation_ids)]


# -- reports -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UseRow:
    """One conversation received in a period: its first response, and whether a suggestion
    was used before it."""

    received: datetime
    first_response: datetime | None
    team_id: int | None
    suggested: bool


def use_counts(store: Store, lo: str, hi: str) -> dict[str, int]:
    """Suggestion uses in [lo, hi) by source."""
    rows = store.query(
        "SELECT source, count(*) FROM suggestion_uses WHERE at >= ? AND at < ? GROUP BY source",
        (lo, hi),
    )
    return {str(r[0]): int(r[1]) for r in rows}


def response_rows(store: Store, lo: str, hi: str, team_id: int | None = None) -> list[UseRow]:
    """Conversations received in [lo, hi) with a first response, and whether a suggestion was
    used in them before that response."""
    team = "" if team_id is None else " AND c.team_id = ?"
    params: Sequence[object] = (lo, hi) if team_id is None else (lo, hi, team_id)
    rows = store.query(
        f"""SELECT c.first_message_at, c.first_response_at, c.team_id,
                   EXISTS (SELECT 1 FROM suggestion_uses u WHERE u.conversation_id = c.id
                           AND u.at <= c.first_response_at) AS suggested
            FROM conversations c
            WHERE c.first_message_at >= ? AND c.first_message_at < ?{team}
              AND c.first_response_at IS NOT NULL""",
        params,
    )
    return [UseRow(from_iso(r[0]), from_iso(r[1]), r[2], bool(r[3])) for r in rows]


def rebuild(store: Store) -> int:
    """Index every resolved, answered conversation again (repair; the bench's big profile,
    built by direct SQL, fills it this way). Returns how many are indexed."""
    with store.transaction() as conn:
        conn.execute("DELETE FROM answered")
        conn.execute(
            """INSERT INTO answered (conversation_id, question)
               SELECT c.id, (SELECT group_concat(text, char(10)) FROM (
                   SELECT text FROM messages WHERE conversation_id = c.id AND direction = 'in'
                   ORDER BY created_at, id LIMIT 20) AS first_ones)
               FROM conversations c
               WHERE c.status = 'resolved' AND c.first_response_at IS NOT NULL
                 AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id
                             AND m.direction = 'in')"""
        )
    return int(store.query("SELECT count(*) FROM answered")[0][0])
