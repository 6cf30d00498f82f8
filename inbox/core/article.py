"""Drafting a knowledge-base article from a resolved conversation."""

from __future__ import annotations

import re

from inbox.core.handoff import Article, EntryKind, Transcript
from inbox.core.redact import redact

TITLE_CHARS = 80


def draft_article(
    transcript: Transcript,
    *,
    title: str = "",
    redact_personal: bool = True,
    labels: tuple[str, ...] = (),
    target: str = "",
) -> Article:
    """Question from the customer's messages, answer from ours; personal data removed by default.

    The names known to the conversation (the contact, the authors of every entry)
    and the contact's profile link are removed as well as anything that looks
    like a handle, e-mail address, phone number or profile link.
    """
    question = "\n\n".join(e.text for e in transcript.entries if e.kind is EntryKind.IN)
    answer = "\n\n".join(e.text for e in transcript.entries if e.kind is EntryKind.OUT)
    source = next((e.url for e in transcript.entries if e.url), "")
    removed: list[str] = []
    if redact_personal:
        c = transcript.contact
        names = [c.display_name, c.handle, *(_author_names(transcript))]
        links = [c.profile_url, *(e.url for e in transcript.entries)]
        q = redact(question, names, links)
        a = redact(answer, names, links)
        # Mentions that open a post only address it: drop them rather than leave placeholders.
        question, answer = _unaddressed(q.text), _unaddressed(a.text)
        removed = [*q.removed, *a.removed]
        source = ""  # the original post names the customer
    if not title:
        title = _title_from(question) or f"Question from {transcript.network}"
    elif redact_personal:
        t = redact(title, [transcript.contact.display_name, transcript.contact.handle])
        title, removed = t.text, [*removed, *t.removed]
    return Article(
        marker=transcript.marker,
        conversation_id=transcript.conversation_id,
        title=title,
        question=question,
        answer=answer,
        labels=labels or tuple(t for t in transcript.labels if t != "social-inbox"),
        target=target,
        source=source,
        removed=tuple(dict.fromkeys(removed)),
    )


def _unaddressed(text: str) -> str:
    return re.sub(r"(?m)^(?:\[handle\][ ,:]*)+", "", text)


def _author_names(transcript: Transcript) -> list[str]:
    names: list[str] = []
    for entry in transcript.entries:
        # "@bob (Bob Smith)" -> "@bob", "Bob Smith"
        match = re.match(r"^(\S+)(?: \((.*)\))?$", entry.author)
        if match:
            names.extend(n for n in match.groups() if n)
        else:
            names.append(entry.author)
    return names


def _title_from(question: str) -> str:
    """The first sentence of the question, placeholders dropped, cut at a word."""
    first = re.split(r"(?<=[.?!])\s|\n", question.strip(), maxsplit=1)[0]
    first = re.sub(r"\[(?:handle|name|link|email|phone)\]\s*", "", first).strip(" ,:;-")
    if len(first) > TITLE_CHARS:
        first = first[:TITLE_CHARS].rsplit(" ", 1)[0] + "…"
    return first[:1].upper() + first[1:]
