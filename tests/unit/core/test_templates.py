"""Template substitution is named-field only, flags unknown fields, and searches fuzzily."""

from __future__ import annotations

from datetime import date

import pytest

from inbox.core import templates as t
from inbox.core.errors import ConfigError
from inbox.core.templates import Template


def _ctx() -> dict[str, str]:
    return t.context(
        author_name="Alice",
        author_handle="alice",
        agent_name="Sam",
        ticket_id="42",
        ticket_url="https://desk.example/42",
        account_handle="@shop",
        today=date(2026, 3, 2),
        custom={"order": "A-7"},
    )


def test_all_standard_fields() -> None:
    body = (
        "Hi {author.name} ({author.handle}), {agent.name} here for {account.handle}. "
        "Ticket {ticket.id}: {ticket.url} on {today}. Order {order}."
    )
    r = t.render(body, _ctx())
    assert r.ok
    assert r.text == (
        "Hi Alice (@alice), Sam here for @shop. "
        "Ticket 42: https://desk.example/42 on 2026-03-02. Order A-7."
    )


def test_unknown_placeholder_is_flagged_and_not_substituted() -> None:
    r = t.render("Hi {author.nmae} and {missing}", _ctx())
    assert not r.ok
    assert r.unknown == ("author.nmae", "missing")


def test_ticket_fields_are_unknown_without_a_ticket() -> None:
    r = t.render("See {ticket.url}", t.context(author_handle="a"))
    assert r.unknown == ("ticket.url",)


@pytest.mark.parametrize(
    "body",
    [
        "{author.__class__}",
        "{0}",
        "{author.name!r}",
        "{author.name:>99999}",
        "{__import__('os')}",
        "{author[name]}",
        "{",
        "}",
        "{author.name",
    ],
)
def test_no_code_runs_and_odd_syntax_is_refused(body: str) -> None:
    r = t.render(body, _ctx())
    assert not r.ok
    assert "Alice" not in r.text or body == "{author.name"


def test_values_are_not_reinterpreted() -> None:
    r = t.render("{author.name}", {"author.name": "{agent.name} {{x}}"})
    assert r.ok and r.text == "{agent.name} {{x}}"


def test_literal_braces() -> None:
    assert t.render("{{not a field}}", {}).text == "{not a field}"


def test_placeholders_listed() -> None:
    assert t.placeholders("{a} {b.c} {a} {{d}}") == ["a", "b.c"]


TEMPLATES = [
    Template("Thanks for reaching out", "Thanks {author.name}!", shortcut="ty"),
    Template("Refund policy", "Refunds within 30 days.", shortcut="refund", team_id=1),
    Template("Shipping delay", "Sorry, parcels are late.", shortcut="ship", team_id=2),
]


def test_fuzzy_search_by_shortcut_name_and_subsequence() -> None:
    assert t.search(TEMPLATES, "ty")[0].shortcut == "ty"
    assert t.search(TEMPLATES, "refnd")[0].name == "Refund policy"
    assert t.search(TEMPLATES, "ship")[0].name == "Shipping delay"
    assert t.search(TEMPLATES, "zzz") == []


def test_search_by_team_keeps_shared() -> None:
    names = {x.name for x in t.search(TEMPLATES, "", team_id=1)}
    assert names == {"Thanks for reaching out", "Refund policy"}


def test_slash_query() -> None:
    assert t.slash_query("Hello /ref", 10) == (6, "ref")
    assert t.slash_query("/", 1) == (0, "")
    assert t.slash_query("a/b", 3) is None


def test_json_round_trip() -> None:
    items = [*TEMPLATES, Template("Custom", "Order {order}", custom_fields=("order",))]
    assert t.loads(t.dumps(items)) == items


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"format": "other"}',
        '{"format": "social-inbox-templates", "templates": [{"name": ""}]}',
        '{"format": "social-inbox-templates", "templates": [{"name": "a", "body": "b", '
        '"team_id": "x"}]}',
    ],
)
def test_bad_files_are_refused_clearly(text: str) -> None:
    with pytest.raises(ConfigError):
        t.loads(text)
