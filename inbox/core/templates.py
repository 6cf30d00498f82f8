"""Saved replies: safe named-field placeholders, fuzzy search for "/" insertion, JSON files.

A placeholder is ``{name}`` or ``{name.part}`` made of letters, digits, "_" and
".". Rendering looks the whole name up in a flat dict of strings: nothing is
evaluated, no attribute or index access happens (unlike ``str.format``), and a
name the context does not know is reported, never sent raw. ``{{`` and ``}}``
write literal braces.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date

from inbox.core.errors import ConfigError

STANDARD_FIELDS = (
    "author.name",
    "author.handle",
    "agent.name",
    "ticket.id",
    "ticket.url",
    "account.handle",
    "today",
)

_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_.]*)\}|\{[^{}]*\}?|\}")
FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Template:
    """A saved reply. team_id None means shared with every team."""

    name: str
    body: str
    shortcut: str = ""
    team_id: int | None = None
    id: int = 0
    custom_fields: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendering: text is safe to send only when ok (nothing unknown, nothing malformed)."""

    text: str
    unknown: tuple[str, ...] = ()
    malformed: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.unknown and not self.malformed


def placeholders(body: str) -> list[str]:
    """Every placeholder name used in body, in order of first use."""
    seen: list[str] = []
    for m in _TOKEN.finditer(body):
        name = m.group(1)
        if name and name not in seen:
            seen.append(name)
    return seen


def unfilled(body: str) -> str:
    """Why body cannot be sent yet ("Fill in {ticket.id}: …"), or "" when every field is filled.

    The one refusal the reply box shows and the reply operation raises (window and CLI).
    """
    left = placeholders(body)
    if not left:
        return ""
    names = ", ".join("{" + n + "}" for n in left)
    return f"Fill in {names}: placeholders are never sent."


def render(body: str, values: Mapping[str, str]) -> Rendered:
    """Substitute named fields from values; unknown names stay marked and are reported.

    An unknown ``{x}`` is left in the text as ``{x}`` for the user to see, but
    ok is False and callers must refuse to send until it is fixed.
    """
    out: list[str] = []
    unknown: list[str] = []
    malformed: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(body):
        out.append(body[pos : m.start()])
        pos = m.end()
        token = m.group()
        if token == "{{":
            out.append("{")
        elif token == "}}":
            out.append("}")
        elif m.group(1) is not None:
            name = m.group(1)
            if name in values:
                out.append(str(values[name]))
            else:
                out.append(token)
                if name not in unknown:
                    unknown.append(name)
        else:
            out.append(token)
            malformed.append(token)
    out.append(body[pos:])
    return Rendered("".join(out), tuple(unknown), tuple(malformed))


def context(
    *,
    author_name: str = "",
    author_handle: str = "",
    agent_name: str = "",
    ticket_id: str | None = None,
    ticket_url: str | None = None,
    account_handle: str = "",
    today: date | None = None,
    custom: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The standard fields for one conversation; ticket.* only when a ticket exists."""
    values = {
        "author.name": author_name or author_handle,
        "author.handle": f"@{author_handle.lstrip('@')}" if author_handle else "",
        "agent.name": agent_name,
        "account.handle": f"@{account_handle.lstrip('@')}" if account_handle else "",
    }
    if ticket_id is not None:
        values["ticket.id"] = ticket_id
    if ticket_url is not None:
        values["ticket.url"] = ticket_url
    if today is not None:
        values["today"] = today.isoformat()
    for key, value in (custom or {}).items():
        values[key] = value
    return values


def fuzzy_score(query: str, candidate: str) -> int | None:
    """Subsequence match score (higher is better); None when query is not a subsequence."""
    q = query.lower().strip()
    c = candidate.lower()
    if not q:
        return 0
    if c.startswith(q):
        return 1000 - len(c)
    if q in c:
        return 500 - c.index(q)
    score = 0
    pos = 0
    prev = -2
    for ch in q:
        found = c.find(ch, pos)
        if found < 0:
            return None
        score += 10 if found == prev + 1 else 1
        if found == 0 or not c[found - 1].isalnum():
            score += 5  # start of a word
        prev = found
        pos = found + 1
    return score


def search(templates: Iterable[Template], query: str, team_id: int | None = None) -> list[Template]:
    """Templates matching query by shortcut, name or body, best first.

    team_id limits to that team's templates plus shared ones.
    """
    ranked: list[tuple[int, str, Template]] = []
    for t in templates:
        if team_id is not None and t.team_id not in (None, team_id):
            continue
        scores = [
            s
            for s in (
                (fuzzy_score(query, t.shortcut) or -1) * 3 if t.shortcut else None,
                (fuzzy_score(query, t.name) or -1) * 2,
                fuzzy_score(query, t.body),
            )
            if s is not None and s >= 0
        ]
        if scores:
            ranked.append((max(scores), t.name.lower(), t))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    return [t for _, _, t in ranked]


def slash_query(text: str, cursor: int) -> tuple[int, str] | None:
    """The "/query" being typed before cursor, for template insertion: (start, query)."""
    m = re.search(r"(?:^|(?<=\s))/([\w-]*)$", text[:cursor])
    if m is None:
        return None
    return m.start(), m.group(1)


def dumps(templates: Iterable[Template]) -> str:
    """A JSON file of templates (ids are local and left out)."""
    items = []
    for t in templates:
        d = asdict(t)
        d.pop("id")
        d["custom_fields"] = list(t.custom_fields)
        items.append(d)
    return json.dumps(
        {"format": "social-inbox-templates", "version": FORMAT_VERSION, "templates": items},
        indent=2,
        ensure_ascii=False,
    )


def loads(text: str) -> list[Template]:
    """Parse a templates file; raises ConfigError saying what is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"Not a templates file: {exc}") from exc
    except RecursionError:  # "[[[[…": the parser recurses per level
        raise ConfigError("Not a templates file: it nests too deeply.") from None
    if not isinstance(data, dict) or data.get("format") != "social-inbox-templates":
        raise ConfigError("Not a templates file: missing format 'social-inbox-templates'.")
    items = data.get("templates")
    if not isinstance(items, list):
        raise ConfigError("Templates file has no 'templates' list.")
    result = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ConfigError(f"Template {n} is not an object.")
        name, body = item.get("name"), item.get("body")
        if not isinstance(name, str) or not name.strip() or not isinstance(body, str):
            raise ConfigError(f"Template {n} needs a text 'name' and 'body'.")
        team = item.get("team_id")
        fields_ = item.get("custom_fields", [])
        if team is not None and not isinstance(team, int):
            raise ConfigError(f"Template {n} ({name}): team_id must be a number or null.")
        if not isinstance(fields_, list) or not all(isinstance(f, str) for f in fields_):
            raise ConfigError(f"Template {n} ({name}): custom_fields must be a list of names.")
        result.append(
            Template(
                name=name.strip(),
                body=body,
                shortcut=str(item.get("shortcut", "") or ""),
                team_id=team,
                custom_fields=tuple(fields_),
            )
        )
    return result
