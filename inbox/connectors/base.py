"""The connector protocol, the declared config schema and the registry of kinds.

A connector is one service desk or knowledge base. It declares its settings
once (the settings dialog and the CLI are generated from them), proves its
credentials with test(), and turns transcripts into tickets and articles.
Connectors never touch the store: the engine hands them values and stores
what they return.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

import httpx

from inbox.core.errors import ConfigError, NotSupported
from inbox.core.handoff import Article, Entry, ExternalRef, Transcript


@dataclass(frozen=True)
class Field:
    """One declared setting of a connector kind.

    type is one of: str, url, int, bool, choice, path, text.
    """

    name: str
    type: str = "str"
    required: bool = False
    secret: bool = False
    help: str = ""
    default: Any = None
    choices: tuple[str, ...] = ()
    label: str = ""

    @property
    def title(self) -> str:
        """The form's label: "URL", "API token", "SMTP host" (acronyms kept whole)."""
        if self.label:
            return self.label
        words = self.name.split("_")
        shown = [ACRONYMS.get(w.lower(), w.lower()) for w in words]
        if shown and shown[0] == words[0].lower():
            shown[0] = shown[0].capitalize()
        return " ".join(shown)


ACRONYMS = {
    "url": "URL",
    "api": "API",
    "id": "ID",
    "smtp": "SMTP",
    "imap": "IMAP",
    "hmac": "HMAC",
    "tls": "TLS",
    "ssl": "SSL",
    "jql": "JQL",
    "rt": "RT",
}
RATE = "requests_per_minute"


def rate_field(default: int | None, published: str) -> Field:
    """The declared pace of a desk: its published API limit, which the user's plan may raise."""
    return Field(
        RATE,
        "int",
        default=default,
        label="Requests per minute",
        help=f"Requests are spaced to stay under this. {published}",
    )


def per_minute(schema: tuple[Field, ...], config: Mapping[str, Any]) -> int | None:
    """The configured pace, else the declared default (None: not paced ahead of a 429)."""
    value = config.get(RATE)
    if value in (None, ""):
        value = next((f.default for f in schema if f.name == RATE), None)
    return int(value) if value else None


class Connector(Protocol):
    """What every service desk / knowledge base module offers."""

    kind: ClassVar[str]
    title: ClassVar[str]
    schema: ClassVar[tuple[Field, ...]]
    tickets: ClassVar[bool]  # push/append work
    articles: ClassVar[bool]  # publish_article works

    async def test(self) -> str:
        """A cheap authenticated call; returns what it found, in plain words.

        Raises:
            InboxError: bad URL, bad credentials, missing permission, unreachable.
        """
        ...

    async def push(self, transcript: Transcript) -> ExternalRef:
        """Create the ticket, or find the one a previous attempt created (by marker)."""
        ...

    async def append(self, ref: ExternalRef, entry: Entry) -> None:
        """Add a follow-up to the same ticket; notes become internal comments."""
        ...

    async def has_followup(self, ref: ExternalRef, marker: str) -> bool:
        """Whether the ticket's recent comments already carry this follow-up's marker.

        Asked before re-sending a follow-up whose first attempt may have reached the desk.
        Systems that cannot be searched answer False and rely on their own de-duplication
        (a stable Message-ID for e-mail, a stable delivery id for webhooks).
        """
        ...

    async def publish_article(self, article: Article) -> ExternalRef:
        """Publish an article (knowledge bases only)."""
        ...

    async def aclose(self) -> None: ...


# kind -> connector class; each module registers itself on import (see load_all).
KINDS: dict[str, Any] = {}


def register(cls: Any) -> Any:
    """Class decorator: make a connector kind known to the app."""
    KINDS[cls.kind] = cls
    return cls


def load_all() -> dict[str, Any]:
    """Import every connector module once, so KINDS is complete."""
    import importlib
    import pkgutil

    import inbox.connectors

    for info in pkgutil.iter_modules(inbox.connectors.__path__):
        if info.name not in {"base", "http"}:
            importlib.import_module(f"inbox.connectors.{info.name}")
    return KINDS


def kind_class(kind: str) -> Any:
    load_all()
    try:
        return KINDS[kind]
    except KeyError:
        known = ", ".join(sorted(KINDS))
        raise ConfigError(f"Unknown connector kind {kind!r}. Known kinds: {known}.") from None


def build(
    kind: str,
    config: Mapping[str, Any],
    secrets: Mapping[str, str],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Connector:
    """A ready connector from its stored config and its secrets from the keyring."""
    cls = kind_class(kind)
    values = dict(config)
    for field in cls.schema:
        if field.secret:
            values[field.name] = secrets.get(field.name, "")
    missing = [f.title for f in cls.schema if f.required and values.get(f.name) in (None, "")]
    if missing:
        raise ConfigError(f"{cls.title}: missing {', '.join(missing)}.")
    connector: Connector = cls(values, transport=transport)
    return connector


def validate(kind: str, values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Split and check user input: (config without secrets, secrets).

    Raises:
        ConfigError: unknown field, missing required field, bad type or URL.
    """
    cls = kind_class(kind)
    fields = {f.name: f for f in cls.schema}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        names = ", ".join(sorted(fields))
        raise ConfigError(f"{cls.title} has no setting {', '.join(unknown)}. Settings: {names}.")
    config: dict[str, Any] = {}
    secrets: dict[str, str] = {}
    for name, field in fields.items():
        raw = values.get(name)
        if raw in (None, "") and not field.secret:
            raw = field.default
        if raw in (None, ""):
            if field.required:
                raise ConfigError(f"{cls.title}: {field.title} is required. {field.help}")
            continue
        value = coerce(field, raw)
        if field.secret:
            secrets[name] = str(value)
        else:
            config[name] = value
    return config, secrets


def warnings(kind: str, config: Mapping[str, Any]) -> list[str]:
    """What to tell the user about a valid config: plain http to another machine."""
    found = []
    for field in kind_class(kind).schema:
        value = config.get(field.name)
        if field.type != "url" or not isinstance(value, str):
            continue
        parts = urlsplit(value)
        if parts.scheme == "http" and not _loopback(parts.hostname or ""):
            found.append(
                f"{field.title} uses plain http:// to {parts.hostname}: tickets, customer "
                "messages and the credentials travel unencrypted. Use https:// if the "
                "server offers it."
            )
    return found


def _loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


MAX_INT = 1_000_000  # requests per minute, ports: none is larger


def coerce(field: Field, raw: Any) -> Any:
    """One value as its declared type."""
    if field.type == "int":
        try:
            number = int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{field.title} must be a whole number, not {raw!r}.") from None
        if not 0 <= number <= MAX_INT:  # a pacer or a socket cannot take more (OverflowError)
            raise ConfigError(f"{field.title} must be a whole number from 0 to {MAX_INT:,}.")
        return number
    if field.type == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{field.title} must be yes or no, not {raw!r}.")
    if field.type == "url":
        text = str(raw).strip().rstrip("/")
        try:
            parts = urlsplit(text)
            httpx.URL(text)  # what every call will parse: IDNA, brackets, ports
        except (ValueError, httpx.InvalidURL) as exc:  # "http://[::1", a bidi control in the host
            raise ConfigError(f"{field.title} is not a usable address ({exc}).") from None
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            shown = "the address given" if "@" in text else repr(text)  # never echo a password
            raise ConfigError(f"{field.title} must be an http(s) URL, not {shown}.")
        if "@" in parts.netloc:  # user:password@host would be stored and listed in clear
            raise ConfigError(
                f"{field.title} must not contain a user name or password "
                f"({parts.scheme}://…@{parts.hostname}). Put the URL without them here and the "
                "credentials in the connector's secret field (kept in the system keyring)."
            )
        return text
    if field.type == "choice" and field.choices and str(raw) not in field.choices:
        raise ConfigError(f"{field.title} must be one of {', '.join(field.choices)}.")
    return str(raw)


class NoTickets:
    """Mixin for knowledge bases: they make articles, not tickets."""

    tickets: ClassVar[bool] = False
    articles: ClassVar[bool] = True
    title: ClassVar[str]

    async def push(self, transcript: Transcript) -> ExternalRef:
        raise NotSupported(f"{self.title} is a knowledge base: it publishes articles, not tickets.")

    async def append(self, ref: ExternalRef, entry: Entry) -> None:
        raise NotSupported(f"{self.title} is a knowledge base: it has no tickets to follow up.")

    async def has_followup(self, ref: ExternalRef, marker: str) -> bool:
        return False


class NoArticles:
    """Mixin for service desks: they make tickets, not articles."""

    tickets: ClassVar[bool] = True
    articles: ClassVar[bool] = False
    title: ClassVar[str]

    async def publish_article(self, article: Article) -> ExternalRef:
        raise NotSupported(f"{self.title} is a service desk: it cannot publish articles.")
