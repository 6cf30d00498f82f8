"""The Bluesky page of "Add account": app password, explanation, errors in plain words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from inbox import secrets
from inbox.core.events import AccountStatus
from inbox.engine.accounts import token_key
from inbox.networks.bluesky.xrpc import Session
from inbox.ui.features import accounts as accounts_feature
from inbox.ui.features import password_account
from tests.ui.conftest import Opener

PDS = "http://127.0.0.1:2583"
DID = "did:plc:shop000000000000000000"


def fake_pds(request: httpx.Request) -> httpx.Response:
    nsid = request.url.path.removeprefix("/xrpc/")
    if nsid == "com.atproto.server.createSession":
        import json

        body = json.loads(request.content)
        if body["password"] != "abcd-efgh-ijkl-mnop":
            return httpx.Response(
                401,
                json={
                    "error": "AuthenticationRequired",
                    "message": "Invalid identifier or password",
                },
            )
        return httpx.Response(
            200,
            json={"accessJwt": "a1", "refreshJwt": "r1", "did": DID, "handle": "teashop.test"},
        )
    if nsid == "app.bsky.actor.getProfile":
        return httpx.Response(
            200, json={"did": DID, "handle": "teashop.test", "displayName": "Test Shop"}
        )
    return httpx.Response(501, json={"error": "MethodNotImplemented"})


def test_add_a_bluesky_account_with_an_app_password(
    tmp_path: Path, open_profile: Opener, qtbot: QtBot, monkeypatch
) -> None:
    client = httpx.AsyncClient(transport=httpx.MockTransport(fake_pds))
    monkeypatch.setattr(password_account, "ADAPTER_OPTIONS", {"http": client})
    session = open_profile(tmp_path / "empty")
    chooser = accounts_feature.ChooseNetworkDialog(session.window)
    qtbot.addWidget(chooser)
    chooser.buttons["bluesky"].click()
    assert chooser.choice == "bluesky"
    dialog = password_account.PasswordAccountDialog(
        session.engine, session.window, network="bluesky"
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert "app password" in dialog.help.text() and "direct messages" in dialog.help.text()
    dialog.handle.setText("teashop.test")
    dialog.service.setText(PDS)
    dialog.sign_in_button.click()
    assert "app password" in dialog.status.text()  # nothing typed yet
    dialog.password.setText("wrong-wrong-wrong-wrong")
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: dialog.status.text().startswith("⚠"))
    assert "Wrong handle or app password" in dialog.status.text()
    dialog.password.setText("abcd-efgh-ijkl-mnop")
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted)
    assert dialog.account is not None and dialog.account.instance == PDS
    saved = secrets.get_secret(token_key(session.store, dialog.account))
    assert saved is not None and Session.loads(saved).refresh_jwt == "r1"
    assert "abcd-efgh" not in saved
    qtbot.waitUntil(lambda: [a.handle for a in session.store.accounts()] == ["teashop.test"])


def _mention(n: int, at: datetime) -> dict[str, object]:
    """A listNotifications item (lexicon app.bsky.notification.listNotifications#notification)."""
    uri = f"at://did:plc:cust000000000000000000/app.bsky.feed.post/3lmention{n:04d}"
    when = at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {
        "uri": uri,
        "cid": f"bafyreimention{n:04d}",
        "reason": "mention",
        "author": {"did": "did:plc:cust000000000000000000", "handle": "customer.test"},
        "record": {"$type": "app.bsky.feed.post", "text": f"@teashop.test question {n}",
                   "createdAt": when},
        "isRead": False,
        "indexedAt": when,
        "labels": [],
    }  # fmt: skip


def test_the_first_sync_shows_how_far_the_back_fill_got(
    tmp_path: Path, open_profile: Opener, qtbot: QtBot, monkeypatch
) -> None:
    now = datetime.now(UTC)
    pages = {
        None: {"cursor": "page2", "notifications": [_mention(i, now - timedelta(minutes=i))
                                                    for i in range(1, 4)]},
        "page2": {"notifications": [_mention(i, now - timedelta(minutes=i)) for i in (4, 5)]},
    }  # fmt: skip
    asked: list[str | None] = []

    def pds(request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.removeprefix("/xrpc/")
        if nsid == "app.bsky.notification.listNotifications":
            cursor = request.url.params.get("cursor")
            asked.append(cursor)
            return httpx.Response(200, json=pages[cursor])
        if nsid == "app.bsky.feed.getPostThread":
            return httpx.Response(400, json={"error": "NotFound", "message": "Post not found"})
        if nsid == "com.atproto.repo.listRecords":
            return httpx.Response(200, json={"records": []})
        return fake_pds(request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(pds))
    monkeypatch.setattr(password_account, "ADAPTER_OPTIONS", {"http": client})
    session = open_profile(tmp_path / "backfill")
    labels: list[str] = []

    def on_status(event: AccountStatus) -> None:  # after the window's own slot: its label
        label = session.window._account_labels.get(event.account_id)
        labels.append(label.text() if label is not None else "")

    session.bridge.account_status.connect(on_status)
    dialog = password_account.PasswordAccountDialog(
        session.engine, session.window, network="bluesky"
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.handle, "teashop.test")
    qtbot.keyClicks(dialog.service, PDS)
    qtbot.keyClicks(dialog.password, "abcd-efgh-ijkl-mnop")
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)

    def synced() -> bool:  # up to date again after a sync (a new account starts "ok")
        started = next((i for i, t in enumerate(labels) if "syncing…" in t), None)
        return started is not None and any("up to date" in t for t in labels[started:])

    qtbot.waitUntil(synced, timeout=20_000)
    progress = [t for t in labels if "syncing…" in t]
    assert any("Bluesky" in t and "syncing… 3 items fetched" in t for t in progress)
    assert any("syncing… 5 items fetched" in t for t in progress)
    assert asked[:2] == [None, "page2"]  # page by page, back to the window's edge
    count = session.store.query("SELECT count(*) FROM messages")[0][0]
    assert count == 5
