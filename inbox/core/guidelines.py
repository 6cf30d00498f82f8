"""A team's posting guidelines and the pure check of a text against them.

Kinds of rule (``Guideline.kind``):

- ``forbidden``: words or phrases that must not appear ("guaranteed refund");
- ``disclosure``: one of ``words`` (tags such as ``#ad``) must appear, always, or only
  when one of ``triggers`` does ("sponsored", "partner");
- ``domains``: links may point only to these domains (and their subdomains);
- ``claims``: words of unverified claims ("cures", "clinically proven");
- ``conduct``: a community rule with no words ("No spam"), picked as the reason for a
  moderation action; it never flags a text.

Each rule has a severity: ``warn`` (the composer and the reply box say so as you type)
or ``approval`` (the post or reply waits in the approval queue instead of going out).
Matching ignores case and accents' composed/decomposed forms (NFKC + casefold) and
respects word boundaries, so "ad" does not match "bad" and "#ad" does not match "#adopt".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from inbox.core.errors import ConfigError


class Severity(StrEnum):
    WARN = "warn"
    APPROVAL = "approval"


KINDS = ("forbidden", "disclosure", "domains", "claims", "conduct")
KIND_LABELS = {
    "forbidden": "Forbidden words or phrases",
    "disclosure": "Required disclosure tag",
    "domains": "Allowed link domains",
    "claims": "Unverified claims",
    "conduct": "Community rule (for moderation)",
}
MAX_WORDS = 500
MAX_WORD_CHARS = 200


@dataclass(frozen=True)
class Guideline:
    """One rule of a team (team_id None: every team's)."""

    name: str
    kind: str = "forbidden"
    words: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()  # disclosure only: when the tag is required
    severity: Severity = Severity.WARN
    note: str = ""  # what the rule is for, shown with a breach
    team_id: int | None = None
    id: int = 0


@dataclass(frozen=True)
class Breach:
    """A rule a text breaks, with the words that break it (for the inline warning)."""

    guideline: Guideline
    words: tuple[str, ...] = field(default_factory=tuple)

    @property
    def holds(self) -> bool:
        """True when the rule sends the text to the approval queue."""
        return self.guideline.severity is Severity.APPROVAL

    def sentence(self) -> str:
        g = self.guideline
        quoted = ", ".join(f"“{w}”" for w in self.words)
        if g.kind == "forbidden":
            what = f"uses {quoted}"
        elif g.kind == "claims":
            what = f"makes an unverified claim: {quoted}"
        elif g.kind == "disclosure":
            tags = " or ".join(g.words)
            what = f"needs {tags}" + (f" (it mentions {quoted})" if self.words else "")
        elif g.kind == "domains":
            what = f"links outside the allowed domains: {quoted}"
        else:
            what = "breaks it"
        then = "needs approval" if self.holds else "warning"
        return f"{g.name} ({then}): {what}."


def clean_words(words: Iterable[str]) -> tuple[str, ...]:
    """Words as stored: trimmed, no blanks, no repeats (first spelling kept).

    Raises:
        ConfigError: too many words, or one too long.
    """
    seen: set[str] = set()
    out: list[str] = []
    for word in words:
        word = " ".join(str(word).split())
        if not word or _fold(word) in seen:
            continue
        if len(word) > MAX_WORD_CHARS:
            raise ConfigError(f"“{word[:40]}…” is longer than {MAX_WORD_CHARS} characters.")
        seen.add(_fold(word))
        out.append(word)
    if len(out) > MAX_WORDS:
        raise ConfigError(f"A guideline holds at most {MAX_WORDS} words or phrases.")
    return tuple(out)


def validate(g: Guideline) -> Guideline:
    """g with its words cleaned.

    Raises:
        ConfigError: no name, an unknown kind or severity, or a rule that can never match.
    """
    if not g.name.strip():
        raise ConfigError("A guideline needs a name.")
    if g.kind not in KINDS:
        raise ConfigError(f"Unknown kind of guideline {g.kind!r}: one of {', '.join(KINDS)}.")
    try:
        severity = Severity(g.severity)
    except ValueError:
        raise ConfigError(f"Severity must be warn or approval, not {g.severity!r}.") from None
    words = clean_words(g.words)
    triggers = clean_words(g.triggers)
    if g.kind == "domains":
        words = tuple(_domain(w) for w in words)
    if g.kind != "conduct" and not words:
        raise ConfigError(f"“{g.name}” needs at least one word, tag or domain.")
    return Guideline(
        name=g.name.strip(),
        kind=g.kind,
        words=words,
        triggers=triggers if g.kind == "disclosure" else (),
        severity=severity,
        note=g.note.strip(),
        team_id=g.team_id,
        id=g.id,
    )


def check(text: str, guidelines: Sequence[Guideline]) -> list[Breach]:
    """Every rule text breaks, in the order given (approval rules first is the caller's)."""
    if not text.strip():
        return []
    folded = " ".join(_fold(text).split())  # phrases match across any run of white space
    found: list[Breach] = []
    for g in guidelines:
        if g.kind in ("forbidden", "claims"):
            hits = _hits(g.words, folded)
            if hits:
                found.append(Breach(g, hits))
        elif g.kind == "disclosure":
            triggered = _hits(g.triggers, folded)
            if g.triggers and not triggered:
                continue
            if not _hits(g.words, folded):
                found.append(Breach(g, triggered))
        elif g.kind == "domains":
            outside = tuple(
                host for host in links(text) if not any(_within(host, d) for d in g.words)
            )
            if outside:
                found.append(Breach(g, tuple(dict.fromkeys(outside))))
    return found


def holds(breaches: Iterable[Breach]) -> bool:
    """True when any breach sends the text to the approval queue."""
    return any(b.holds for b in breaches)


def summary(breaches: Sequence[Breach]) -> str:
    """One line per breach, approval rules first."""
    ordered = sorted(breaches, key=lambda b: not b.holds)
    return "\n".join(b.sentence() for b in ordered)


# A link as people type it: a scheme, or www., or a bare domain with a dot and a path.
_LINK = re.compile(
    r"(?:(?<![\w@/.])(?:https?://)([^\s/?#<>\"']+))"
    r"|(?:(?<![\w@/.])(www\.[^\s/?#<>\"']+))"
    r"|(?:(?<![\w@/.#])([a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,})(?=/))",
    re.IGNORECASE,
)


def links(text: str) -> list[str]:
    """The host of every link in text (lower case, no port, no user part, no "www.")."""
    hosts: list[str] = []
    for match in _LINK.finditer(text):
        host = next(g for g in match.groups() if g)
        host = host.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".,;!?)").lower()
        hosts.append(host.removeprefix("www."))
    return [h for h in hosts if "." in h]


def _within(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def _domain(word: str) -> str:
    word = word.strip().lower()
    word = re.sub(r"^[a-z]+://", "", word).split("/", 1)[0].split(":", 1)[0]
    word = word.removeprefix("*.").removeprefix("www.")
    if "." not in word or not re.fullmatch(r"[a-z0-9.-]+", word):
        raise ConfigError(f"“{word}” is not a domain (like example.com).")
    return word


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _hits(words: tuple[str, ...], folded: str) -> tuple[str, ...]:
    """The words found in folded (white space already collapsed): a plain substring test
    first (600 phrases over a post take ~0.2 ms), the boundary pattern only on a hit."""
    return tuple(w for w in words if _key(w) in folded and _pattern(w).search(folded))


@lru_cache(maxsize=4096)
def _key(word: str) -> str:
    return " ".join(_fold(word).split())


@lru_cache(maxsize=4096)
def _pattern(word: str) -> re.Pattern[str]:
    """word as a case-folded pattern that respects word boundaries at its ends; spaces in
    a phrase match any run of white space."""
    folded = _fold(word)
    body = r"\s+".join(re.escape(part) for part in folded.split())
    start = r"(?<![\w#@])" if folded[:1].isalnum() or folded[:1] in "#@$" else ""
    end = r"(?!\w)" if folded[-1:].isalnum() else ""
    return re.compile(start + body + end)
