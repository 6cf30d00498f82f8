"""Adding an X account from the window: the team's own app's Client ID, the browser's
PKCE consent, the loopback redirect, and the account in the deck — against the fake X API
on a real socket."""

from __future__ import annotations

import io
import json
import socket
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from inbox import secrets
from inbox.cli.main import main
from inbox.engine.accounts import token_key
from inbox.ui.composer import Composer
from inbox.ui.features import accounts as accounts_feature
from inbox.ui.features.reply import ReplyBox
from tests.cli.test_x_loopback import THREAD
from tests.networks.x.fake import CLIENT_ID, FakeX, bundle
from tests.ui.conftest import Opener


@pytest.fixture
def fake(monkeypatch) -> Iterator[FakeX]:
    """X on a real socket (its address in .url); the callback on any free port."""
    server = FakeX()
    server.limit = server.remaining = 900
    monkeypatch.setattr(accounts_feature, "SIGN_IN_OPTIONS", {"port": 0})  # a free port
    with server.serving():
        yield server


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
    dialog.instance.setText(fake.url)

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
        session.engine, session.window, instance=fake.url, network="x"
    )
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.client_id.text() == CLIENT_ID)
    assert again.client_secret.text() == ""  # a public client has none


# -- the window against X on a real socket: what the reply box and composer count ----------

URL_THEN_CJK = "https://example.com/" + "日本語です" * 40  # 23 + 200 × 2 = 423 for X
BAD_HOST = "https://" + "a" * 64 + ".com"  # a label over 63 characters: no URL, counted in full


@pytest.fixture
def x_profile(tmp_path: Path, monkeypatch) -> Iterator[tuple[FakeX, Path]]:
    """A profile with the X account signed in and synced through the CLI, X still serving."""
    fake = FakeX()
    fake.limit = fake.remaining = 900
    folder = tmp_path / "x"
    with fake.serving() as url:
        monkeypatch.setattr("sys.stdin", io.StringIO(bundle() + "\n"))
        args = ["--profile", str(folder), "accounts", "add", "x", "--instance", url]
        assert main([*args, "--token-stdin"]) == 0
        assert main(["--profile", str(folder), "sync", "--once"]) == 0
        yield fake, folder


def test_the_reply_box_counts_as_x_does_and_the_reply_reaches_x(
    x_profile, open_profile: Opener, qtbot: QtBot
) -> None:
    fake, folder = x_profile
    session = open_profile(folder)
    # The status bar names the calls X said are left (x-rate-limit-*), on hover.
    label = session.window._account_labels[1]
    qtbot.waitUntil(lambda: "calls left" in label.toolTip())
    assert "of 900 calls left" in label.toolTip() and "@LeafKettleTea" in label.text()
    [(thread,)] = session.store.query("SELECT id FROM conversations WHERE key = ?", [THREAD])
    session.window.open_conversation(int(thread))
    box = session.window.pane.findChild(ReplyBox)
    assert box is not None
    qtbot.waitUntil(box.isEnabled)
    box.editor.setFocus()

    qtbot.keyClicks(box.editor, "https://example.com/")
    assert box.counter.text() == str(280 - 23)
    box.editor.insertPlainText(URL_THEN_CJK.removeprefix("https://example.com/"))  # an IME
    assert box.counter.text() == str(280 - 423)  # not 257: the CJK is not part of the URL
    assert not box.send_button.isEnabled()

    box.editor.clear()
    qtbot.keyClicks(box.editor, BAD_HOST)
    assert box.counter.text() == str(280 - len(BAD_HOST))  # not 23: X would not link it

    box.editor.clear()
    qtbot.keyClicks(box.editor, "Sorry Sam! Tracking: https://example.com/track/5521")
    assert box.counter.text() == str(280 - len("Sorry Sam! Tracking: ") - 23)
    qtbot.keyClick(box.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(fake.posts) == 1, timeout=20000)
    [post] = fake.to("/2/tweets")
    assert json.loads(post.content) == {
        "text": "Sorry Sam! Tracking: https://example.com/track/5521",
        "reply": {"in_reply_to_tweet_id": "1860000000000000105"},
    }


def test_the_composer_counts_as_x_does(x_profile, open_profile: Opener, qtbot: QtBot) -> None:
    _fake, folder = x_profile
    session = open_profile(folder)
    new_post = next(
        a for a in session.window.menu("Publishing").actions() if a.text() == "New post…"
    )
    new_post.trigger()
    [composer] = [w for w in QApplication.topLevelWidgets() if isinstance(w, Composer)]
    qtbot.addWidget(composer)
    [account] = session.store.accounts()
    composer.set_accounts((account.id,))
    qtbot.keyClicks(composer.main_editor, "https://example.com/")
    composer.main_editor.insertPlainText(URL_THEN_CJK.removeprefix("https://example.com/"))
    qtbot.waitUntil(lambda: "-143" in composer.counters.text())
    assert "LeafKettleTea" in composer.counters.text()
    assert not composer.submit_button.isEnabled()
    composer.main_editor.clear()
    qtbot.keyClicks(composer.main_editor, "New sencha ")
    composer.main_editor.insertPlainText("🍵")  # from the emoji picker
    qtbot.keyClicks(composer.main_editor, " https://example.com/sencha")
    qtbot.waitUntil(lambda: f">{280 - 11 - 2 - 1 - 23}<" in composer.counters.text())
    assert composer.submit_button.isEnabled()


def test_the_callback_port_registered_with_the_app_is_the_one_listened_on(
    tmp_path: Path, open_profile: Opener, qtbot: QtBot, monkeypatch
) -> None:
    """X compares the callback exactly: the port typed in the dialog is where the code
    arrives (8723 unless the team registered another)."""
    fake = FakeX()
    fake.limit = fake.remaining = 900
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    opened: list[str] = []

    def browser(url: str) -> bool:
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        opened.append(query["redirect_uri"])
        code = fake.approve(query["code_challenge"], query["redirect_uri"])
        target = f"{query['redirect_uri']}?state={query['state']}&code={code}"
        threading.Thread(target=lambda: urllib.request.urlopen(target).read(), daemon=True).start()
        return True

    monkeypatch.setattr(accounts_feature, "OPEN_BROWSER", browser)
    session = open_profile(tmp_path / "empty")
    with fake.serving() as url:
        dialog = accounts_feature.AddAccountDialog(session.engine, session.window, network="x")
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.callback_port.value() == 8723 and dialog.callback_port.isVisible()
        dialog.instance.setText(url)
        qtbot.keyClicks(dialog.client_id, CLIENT_ID)
        dialog.callback_port.selectAll()
        qtbot.keyClicks(dialog.callback_port, str(port))
        qtbot.mouseClick(dialog.browser_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=20000)
    assert opened == [f"http://127.0.0.1:{port}/callback"]
    [exchange] = fake.to("/2/oauth2/token")
    assert parse_qs(exchange.content.decode())["redirect_uri"] == [opened[0]]
