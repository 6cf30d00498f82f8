"""Markdown folder knowledge base: one file per article, front matter with source and date."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import httpx

from inbox.connectors.base import Field, NoTickets, register
from inbox.core.errors import ConfigError, RemoteRejected
from inbox.core.handoff import Article, ExternalRef, RefKind


@register
class MarkdownFolder(NoTickets):
    kind: ClassVar[str] = "markdown"
    title: ClassVar[str] = "Markdown folder"
    schema: ClassVar[tuple[Field, ...]] = (
        Field("folder", "path", required=True, help="Folder that receives one .md per article."),
    )

    def __init__(
        self, config: Mapping[str, Any], *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.folder = Path(str(config["folder"])).expanduser()

    async def aclose(self) -> None:
        return None

    async def test(self) -> str:
        if not self.folder.is_dir():
            raise ConfigError(f"The folder {self.folder} does not exist.")
        if not os.access(self.folder, os.W_OK):
            raise RemoteRejected(f"The folder {self.folder} is not writable.")
        count = len(list(self.folder.glob("*.md")))
        return f"The folder {self.folder} is writable ({count} articles)."

    async def publish_article(self, article: Article) -> ExternalRef:
        if not self.folder.is_dir():
            raise ConfigError(f"The folder {self.folder} does not exist.")
        base = slug(article.title) or "article"
        folder = self.folder / article.target if article.target else self.folder
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(1, 100):
            path = folder / (f"{base}.md" if n == 1 else f"{base}-{n}.md")
            if not path.exists() or _marker(path) == article.marker:
                break  # a free name, or our own file from an earlier attempt
        else:
            raise RemoteRejected(f"Too many articles named {base!r} in {folder}.")
        _write_atomically(path, render(article))
        return ExternalRef(self.kind, path.name, path.resolve().as_uri(), RefKind.ARTICLE)


def render(article: Article, now: datetime | None = None) -> str:
    date = (article.created_at or now or datetime.now(UTC)).strftime("%Y-%m-%d")
    front = [
        "---",
        f"title: {_yaml(article.title)}",
        f"date: {date}",
        f"source: {_yaml(article.source or 'social-inbox')}",
        f"social_inbox: {_yaml(article.marker)}",
        f"labels: [{', '.join(_yaml(label) for label in article.labels)}]",
    ]
    if article.target:
        front.append(f"section: {_yaml(article.target)}")
    front.append("---")
    body = ["", f"# {article.title}", "", "## Question", "", article.question, "", "## Answer", ""]
    return "\n".join([*front, *body, article.answer, ""])


def slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60]


def _yaml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _marker(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines()[:20]:
        if line.startswith("social_inbox:"):
            return line.partition(":")[2].strip().strip('"')
    return ""


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".md")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
