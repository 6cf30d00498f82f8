"""Declared schemas: validation, secrets split off, the registry of kinds."""

from __future__ import annotations

import pytest

from inbox.connectors import base
from inbox.core.errors import ConfigError

EXPECTED = {
    "rt",
    "zendesk",
    "zendesk_guide",
    "freshdesk",
    "jira",
    "confluence",
    "mediawiki",
    "email",
    "webhook",
    "markdown",
}


def test_every_kind_is_registered_with_a_schema() -> None:
    kinds = base.load_all()
    assert set(kinds) == EXPECTED
    for cls in kinds.values():
        assert cls.schema and cls.title and (cls.tickets or cls.articles)
        names = [f.name for f in cls.schema]
        assert len(names) == len(set(names))


def test_validate_splits_secrets_and_applies_defaults() -> None:
    config, secrets = base.validate(
        "email",
        {
            "host": "smtp.example",
            "port": "2525",
            "password": "pw",
            "from_address": "a@b.example",
            "to_address": "desk@b.example",
            "send_notes": "no",
        },
    )
    assert secrets == {"password": "pw"}
    assert config["port"] == 2525 and config["security"] == "starttls"
    assert config["send_notes"] is False and "password" not in config


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"url": "rt.example", "queue": "Q"}, "must be an http(s) URL"),
        ({"url": "https://rt.example", "queue": "Q", "tokn": "x"}, "has no setting tokn"),
        ({"queue": "Q"}, "URL is required"),
    ],
)
def test_bad_input_is_a_plain_config_error(values, words) -> None:
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        base.validate("rt", values)


def test_unknown_kind_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="Known kinds: confluence, email"):
        base.kind_class("ticketmaster")
