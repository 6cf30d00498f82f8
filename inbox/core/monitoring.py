"""Monitoring: what a search column listens for beyond our own mentions. Pure.

A search is terms (keywords, "phrases", #hashtags, brand and competitor names: any of
them), exclusions (a post naming one is dropped) and the networks to ask (none: every
network that can search). Each network package turns it into its own calls
(networks/<net>/search.py); the engine (engine/monitoring.py) stores what they find
as Kind.MONITORING conversations, through the same ingest and rules as mentions.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from inbox.core.errors import ConfigError

MAX_TERMS = 20
MAX_TERM_CHARS = 100


@dataclass(frozen=True, slots=True)
class SearchSpec:
    """What one monitoring column searches for."""

    terms: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()  # empty: every network that can search

    @property
    def hashtags(self) -> tuple[str, ...]:
        """The #hashtag terms, without the #."""
        return tuple(t[1:] for t in self.terms if t.startswith("#") and len(t) > 1)

    @property
    def words(self) -> tuple[str, ...]:
        """The other terms: words, phrases, names."""
        return tuple(t for t in self.terms if not t.startswith("#"))

    def asks(self, network: str) -> bool:
        return not self.networks or network in self.networks

    def to_json(self) -> str:
        return json.dumps(
            {
                "terms": list(self.terms),
                "exclude": list(self.exclude),
                "networks": list(self.networks),
            }
        )

    def describe(self) -> str:
        """One line for a column header: `tea, #leafkettle − spam`."""
        text = ", ".join(self.terms)
        if self.exclude:
            text += " − " + ", ".join(self.exclude)
        return text


def split_terms(text: str) -> tuple[str, ...]:
    """Terms typed in one box: separated by commas or new lines; quotes around a phrase
    are dropped; repeats (any case) once. Hashtags typed with spaces between them
    ("#matcha #sencha") are one term each: a hashtag has no spaces."""
    out: dict[str, str] = {}
    for part in re.split(r"[,\n]", text or ""):
        term = " ".join(part.strip().strip("\"'“”").split())
        words = term.split()
        pieces = words if len(words) > 1 and all(w.startswith("#") for w in words) else [term]
        for piece in pieces:
            if piece and piece.casefold() not in out:
                out[piece.casefold()] = piece
    return tuple(out.values())


def make_spec(
    terms: str | list[str] | tuple[str, ...],
    exclude: str | list[str] | tuple[str, ...] = (),
    networks: list[str] | tuple[str, ...] = (),
    *,
    typed: bool = True,
) -> SearchSpec:
    """A checked SearchSpec from what a person typed (typed=False: a stored one, which
    keeps a hashtag with a space that an older version let through).

    Raises:
        ConfigError: no term, too many, one too long, a bare "#", a hashtag with a space.
    """
    found = split_terms(terms if isinstance(terms, str) else ",".join(terms))
    dropped = split_terms(exclude if isinstance(exclude, str) else ",".join(exclude))
    if not found:
        raise ConfigError("A search needs at least one word, name or #hashtag.")
    if len(found) > MAX_TERMS:
        raise ConfigError(f"A search takes at most {MAX_TERMS} terms, not {len(found)}.")
    for term in found + dropped:
        if len(term) > MAX_TERM_CHARS:
            raise ConfigError(f"A search term is at most {MAX_TERM_CHARS} characters: {term[:40]}…")
        if term.strip("#") == "":
            raise ConfigError("A hashtag needs a name after the #.")
        if typed and term.startswith("#") and " " in term:
            raise ConfigError(
                f"A hashtag has no spaces: “{term[:40]}”. Separate terms with commas "
                "(#tea, green tea)."
            )
    nets = tuple(dict.fromkeys(n.strip() for n in networks if n.strip()))
    return SearchSpec(found, dropped, nets)


def spec_from_json(text: str) -> SearchSpec:
    """A stored spec; a damaged one raises ConfigError."""
    try:
        data: Any = json.loads(text or "{}")
        return make_spec(
            list(data.get("terms") or []),
            list(data.get("exclude") or []),
            list(data.get("networks") or []),
            typed=False,
        )
    except (ValueError, TypeError, AttributeError) as exc:
        raise ConfigError(f"A saved search is not valid: {exc}") from exc


def excluded(spec: SearchSpec, text: str) -> bool:
    """Whether text names one of the exclusions (whole words, any case, any accent)."""
    from inbox.core.textfacts import fold, word_pattern  # VADER with it: not for the deck

    pattern = word_pattern(term.lstrip("#") for term in spec.exclude)
    return pattern is not None and pattern.search(fold(text)) is not None


@dataclass(frozen=True, slots=True)
class FetchState:
    """Where a search stands, for its column header."""

    state: str = "new"  # new, fetching, ok, error
    detail: str = ""  # what each network said ("X: your X plan does not include search")
    fetched_at: str | None = None  # UTC ISO of the last completed fetch
