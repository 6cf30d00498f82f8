"""Moderation and guidelines in the window: Block (B), Mute (M), Report (Shift+R), Hide reply
(H) and their undos on the selected card's author, each behind a confirm dialog with the
team's guidelines to pick from; Triage → Guidelines… edits the list; held replies are
approved in the approval queue."""

from __future__ import annotations

import uuid

from inbox.core import moderation
from inbox.engine import Engine
from inbox.ui.column_model import ID_ROLE
from inbox.ui.guidelines import GuidelinesDialog
from inbox.ui.main_window import MainWindow
from inbox.ui.moderation import ModerateDialog

BINDINGS = {
    "block_author": moderation.BLOCK,
    "mute_author": moderation.MUTE,
    "report_author": moderation.REPORT,
    "hide_reply": moderation.HIDE_REPLY,
    "unblock_author": moderation.UNBLOCK,
    "unmute_author": moderation.UNMUTE,
    "unhide_reply": moderation.UNHIDE_REPLY,
}


class Moderation:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.dialog: ModerateDialog | None = None
        self.guidelines_dialog: GuidelinesDialog | None = None

    def target(self) -> int:
        """The selected card of the current column, else the open conversation."""
        view = self.window.deck.current_column()
        if view is not None:
            index = view.list.currentIndex()
            if index.isValid() and index.data(ID_ROLE):
                return int(index.data(ID_ROLE))
        return self.window.current_conversation_id()

    def ask(self, action: str) -> ModerateDialog | None:
        conversation_id = self.target()
        store = self.window.store
        summary = store.conversations.get(conversation_id) if conversation_id else None
        if summary is None:
            self.window.statusBar().showMessage("Select a conversation first.", 5000)
            return None
        rules = store.guidelines.for_conversation(conversation_id)
        dialog = ModerateDialog(action, summary, rules, self.window)
        self.dialog = dialog
        key = uuid.uuid4().hex  # this dialog's row: confirming twice queues once
        who = summary.contact_handle.lstrip("@")

        def done(_item_id: object) -> None:
            words = moderation.DONE[action]
            back = " Ctrl+Z takes it back." if action in moderation.UNDO else ""
            self.window.statusBar().showMessage(
                f"{words} @{who} (queued to {summary.account_handle}).{back}", 8000
            )

        def go() -> None:
            self.window.bridge.op(
                "moderation.act",
                done,
                action=action,
                conversation_id=conversation_id,
                reason=dialog.reason.text(),
                guideline_id=dialog.guideline_id(),
                category=str(dialog.category.currentData()),
                key=key,
            )

        dialog.accepted.connect(go)
        dialog.open()
        dialog.activateWindow()  # the next key (Enter) confirms
        dialog.focus_default()
        return dialog

    def open_guidelines(self) -> GuidelinesDialog:
        dialog = GuidelinesDialog(self.window.store, self.window.bridge, self.window)
        self.guidelines_dialog = dialog
        dialog.show()
        return dialog


def install(window: MainWindow, engine: Engine) -> None:
    feature = Moderation(window)
    window.moderation = feature  # type: ignore[attr-defined]
    for action_id, action in BINDINGS.items():
        window.bind(action_id, lambda a=action: feature.ask(a))
    window.bind("guidelines", feature.open_guidelines)
