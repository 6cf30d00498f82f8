"""Adding an X account from the window: the team's own app's Client ID, the browser's
PKCE consent, the loopback redirect, and the account in the deck — against the fake X API."""

from __future__ import annotations

import threading
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from inbox import secrets
from inbox.engine.accounts import token_key
from inbox.ui.features import accounts as accounts_feature
from tests.networks.x.fake import CLIENT_ID, HOST, FakeX
from tests.ui.conftest import Opener


@pytest.fixture
def fake(monkeypatch) -> FakeX:
    server = FakeX()
    monkeypatch.setattr(accounts_feature, "ADAPTER_OPTIONS", {"http": server.client()})
    monkeypatch.setattr(accounts_feature, "SIGN_IN_OPTIONS", {"port": 0})  # a free port
    return server


def test_the_client_id_typed_in_the_dialog_signs_in_through_the_browser(
    tmp_path: Path, open_profile: Opener, qtbot: QtBot, fake: FakeX, monkeypatch
) -> None:
    opened: list[dict[str, str]] = []

    def browser(url: str) -> bool:
        """The user approves on X's consent page; X redirects to our loopback server."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        opened.append(query)
        code = fake.approve(query["code_challenge"], query["redirect_uri"])
        target = f"{query['redirect_uri']}?state={query['state']}&code={code}"
        threading.Thread(target=lambda: urllib.request.urlopen(target).read(), daemon=True).start()
        return True

    monkeypatch.setattr(accounts_feature, "OPEN_BROWSER", browser)
    session = open_profile(tmp_path / "empty")
    dialog = accounts_feature.AddAccountDialog(session.engine, session.window, network="x")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.app_box is not None and dialog.app_box.isVisible()
    assert "callback" in dialog.app_box.findChildren(type(dialog.status))[0].text()
    assert dialog.instance.text() == "api.x.com"  # nothing to type for the one API host
    assert "JSON bundle" in dialog.token.placeholderText()
    dialog.instance.setText(HOST)

    qtbot.mouseClick(dialog.browser_button, Qt.MouseButton.LeftButton)  # no Client ID yet
    assert dialog.status.text() == "Enter your app's Client ID first (see above)."
    assert opened == [] and dialog.browser_button.isEnabled()

    qtbot.keyClicks(dialog.client_id, f"  {CLIENT_ID} ")
    qtbot.mouseClick(dialog.browser_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=20000)

    assert opened[0]["client_id"] == CLIENT_ID  # what X's consent page was asked for
    [exchange] = fake.to("/2/oauth2/token")
    assert parse_qs(exchange.content.decode())["client_id"] == [CLIENT_ID]
    account = dialog.account
    assert account is not None and account.network == "x" and account.handle == "LeafKettleTea"
    assert secrets.get_secret(token_key(session.store, account))
    qtbot.waitUntil(lambda: [a.handle for a in session.store.accounts()] == ["LeafKettleTea"])

    # Signing in again later: the Client ID is filled in from where it was kept.
    again = accounts_feature.AddAccountDialog(
        session.engine, session.window, instance=HOST, network="x"
    )
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.client_id.text() == CLIENT_ID)
    assert again.client_secret.text() == ""  # a public client has none
