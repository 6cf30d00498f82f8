"""The Bluesky page of "Add account": app password, explanation, errors in plain words."""

from __future__ import annotations

from pathlib import Path

import httpx
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from inbox import secrets
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
