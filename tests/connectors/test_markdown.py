"""Markdown folder: one file per article, front matter, published once."""

from __future__ import annotations

from inbox.core.article import draft_article
from inbox.core.errors import ConfigError
from inbox.core.handoff import RefKind
from inbox.engine import connectors as ops
from inbox.engine.outbox import deliver_due


async def test_one_file_per_article_with_front_matter(
    store, tmp_path, conversation, inline_engine
) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    ops.save_connector(store, "md", "markdown", {"folder": str(folder)})
    assert "is writable (0 articles)" in await ops.test_connector(store, "md")
    draft = draft_article(store.connectors.transcript(conversation), labels=("orders",))
    ops.queue_article(store, draft, "md")
    assert await deliver_due(inline_engine) == 1
    ref = store.connectors.ref(conversation, "md", RefKind.ARTICLE)
    assert ref is not None and ref.url.startswith("file://")
    (path,) = folder.glob("*.md")
    text = path.read_text()
    assert path.name == "where-is-my-order-42.md"
    assert text.startswith('---\ntitle: "Where is my order 42?"\ndate: 2026-03-02\n')
    assert f'social_inbox: "{store.connectors.marker(conversation)}"' in text
    assert 'labels: ["orders"]' in text and "## Answer\n\nSorry [name]! It ships tomorrow." in text

    # A retry that lost the ref rewrites the same file instead of adding one.
    store.conn.execute("DELETE FROM external_refs")
    store.conn.execute("DELETE FROM outbox")
    ops.queue_article(store, draft, "md")
    await deliver_due(inline_engine)
    assert [p.name for p in folder.glob("*.md")] == [path.name]


async def test_missing_folder_is_plain(store, tmp_path) -> None:
    ops.save_connector(store, "md", "markdown", {"folder": str(tmp_path / "nope")})
    try:
        await ops.test_connector(store, "md")
    except ConfigError as exc:
        assert "does not exist" in str(exc)
    else:
        raise AssertionError("expected ConfigError")
