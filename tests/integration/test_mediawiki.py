"""MediaWiki for real: bot login, article published once, read back through the API."""

from __future__ import annotations

import httpx
import pytest

from inbox.core.article import draft_article
from inbox.core.errors import AuthExpired
from inbox.core.handoff import RefKind
from inbox.engine import connectors as ops
from inbox.engine.outbox import deliver_due

pytestmark = pytest.mark.integration


def page(env: dict[str, str], title: str) -> dict[str, object]:
    response = httpx.get(
        env["MW_API_URL"],
        params={
            "action": "query",
            "prop": "revisions",
            "titles": title,
            "rvprop": "content|user",
            "rvslots": "main",
            "format": "json",
            "formatversion": "2",
        },
    )
    response.raise_for_status()
    return dict(response.json()["query"]["pages"][0])


@pytest.fixture
def wiki(store, mediawiki_server):
    env = mediawiki_server
    ops.save_connector(
        store,
        "kb",
        "mediawiki",
        {
            "api_url": env["MW_API_URL"],
            "username": env["MW_BOTUSER"],
            "password": env["MW_BOTPASS"],
            "namespace": env["MW_KB_NAMESPACE"],
        },
    )
    return env


async def test_connection_test_logs_in_and_checks_rights(store, wiki) -> None:
    assert "can create pages" in await ops.test_connector(store, "kb")
    ops.save_connector(
        store,
        "bad",
        "mediawiki",
        {"api_url": wiki["MW_API_URL"], "username": wiki["MW_BOTUSER"], "password": "nope"},
    )
    with pytest.raises(AuthExpired, match="Incorrect username or password"):
        await ops.test_connector(store, "bad")


async def test_article_is_published_once_without_personal_data(
    store, wiki, conversation, inline_engine
) -> None:
    transcript = store.connectors.transcript(conversation)
    title = f"Where is my order ({store.connectors.marker(conversation)})"
    draft = draft_article(transcript, title=title, labels=("orders",))
    item = ops.queue_article(store, draft, "kb")
    assert await deliver_due(inline_engine) == 1
    ref = store.connectors.ref(conversation, "kb", RefKind.ARTICLE)
    assert ref is not None and ref.remote_id == f"KB:{title}"
    assert ref.url.startswith(wiki["MW_URL"]) and store.outbox.get(item.id).status == "done"

    stored = page(wiki, ref.remote_id)
    assert stored["ns"] == int(wiki["MW_KB_NAMESPACE_ID"])
    revisions = stored["revisions"]
    assert isinstance(revisions, list)
    text = revisions[0]["slots"]["main"]["content"]
    assert "where is my order 42?" in text and "It ships tomorrow." in text
    assert "[[Category:orders]]" in text
    for personal in ("bob", "Bob", "fosstodon", "teashop"):
        assert personal not in text

    # Again (a retry after a crash lost the ref): the page is ours, nothing new is made.
    store.conn.execute("DELETE FROM external_refs")
    store.conn.execute("UPDATE outbox SET status = 'failed' WHERE id = ?", (item.id,))
    again = ops.queue_article(store, draft, "kb")
    assert again.id == item.id
    assert await deliver_due(inline_engine) == 1
    assert store.connectors.ref(conversation, "kb", RefKind.ARTICLE) == ref


async def test_a_title_taken_by_someone_else_is_a_plain_error(
    store, wiki, conversation, inline_engine
) -> None:
    draft = draft_article(store.connectors.transcript(conversation), title="Main Page")
    ops.save_connector(
        store,
        "main",
        "mediawiki",
        {
            "api_url": wiki["MW_API_URL"],
            "username": wiki["MW_BOTUSER"],
            "password": wiki["MW_BOTPASS"],
        },
    )
    item = ops.queue_article(store, draft, "main")
    await deliver_due(inline_engine)
    failed = store.outbox.get(item.id)
    assert failed.status == "failed"
    assert "already has a page titled 'Main Page'" in failed.last_error
