"""UI fixtures: real profiles on disk, a started engine, the real main window."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from inbox.core.models import AccountInfo, ColumnFilter, Contact, Kind, Message
from inbox.core.sla import SlaPolicy
from inbox.engine import Engine
from inbox.profile import Profile
from inbox.ui.app import Session, open_session

Opener = Callable[..., Session]


@pytest.fixture
def open_profile(qtbot: QtBot) -> Iterator[Opener]:
    """Open sessions on a profile folder; every one still open is closed at the end."""
    sessions: list[Session] = []

    def opener(folder: Path, demo: bool = False) -> Session:
        session = open_session(Profile.resolve(folder, demo))
        sessions.append(session)
        session.window.show()
        qtbot.waitExposed(session.window)
        session.window.activateWindow()  # window shortcuts need the active window
        qtbot.waitUntil(session.window.isActiveWindow)
        qtbot.waitUntil(session.window.deck.loaded)  # first pages come from the reader thread
        return session

    yield opener
    for session in sessions:
        latest = session.latest()  # the Team server form may have reopened it
        if latest.engine.running:
            latest.close()


def message(
    engine: Engine,
    remote_id: str,
    text: str,
    *,
    key: str | None = None,
    author: str = "alice",
    kind: Kind = Kind.MENTION,
    minutes_ago: float = 0,
    html: str = "",
) -> Message:
    return Message(
        remote_id=remote_id,
        conversation_key=key or remote_id,
        kind=kind,
        author=Contact("mastodon", f"id-{author}", author, author.title()),
        text=text,
        html=html,
        created_at=engine.clock.now() - timedelta(minutes=minutes_ago),
    )


def ingest(engine: Engine, messages: list[Message], account_id: int = 1) -> None:
    """Store messages on the engine thread and publish what changed, as sync does."""

    def run(e: Engine) -> None:
        changed = e.store.ingest.messages(account_id, messages, e.decide)
        if changed:
            e.publish(changed)

    engine.call(run)


def neutral_triage(engine: Engine) -> None:
    """No rules and no SLA: every conversation scores the same, so columns show newest first."""
    for rule in engine.store.rules.all():
        engine.store.rules.remove(rule.id)
    engine.store.teams.set_policy(None, SlaPolicy(enabled=False))


def build_workspace(
    folder: Path, messages: Callable[[Engine], list[Message]], columns: bool = True
) -> None:
    """A profile with one account, the given messages and two columns, made headless."""
    engine = Engine(Profile.resolve(folder).db_path)
    engine.start()
    try:
        info = AccountInfo("mastodon", "social.test", "1", "teashop", "The Tea Shop")
        engine.call(lambda e: e.store.add_account(info))
        engine.call(neutral_triage)
        ingest(engine, messages(engine))
        if columns:
            engine.call(lambda e: e.store.columns.add("Everything", ColumnFilter()))
            engine.call(lambda e: e.store.columns.add("DMs", ColumnFilter(kinds=(Kind.DM,))))
    finally:
        engine.stop()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """Five known conversations, newest first by minutes_ago, all the same priority."""
    folder = tmp_path / "profile"

    def messages(engine: Engine) -> list[Message]:
        texts = [
            "Where is my parcel",
            "Loving the jasmine blend",
            "Shop page is slow today",
            "Thanks for the quick answer",
            "Do you ship to Norway",
        ]
        return [
            message(engine, f"m{n}", text, author=f"user{n}", minutes_ago=5 * n)
            for n, text in enumerate(texts)
        ]

    build_workspace(folder, messages)
    return folder
