"""The confirm dialog of a moderation action: what it does, on whom, why (a guideline from
the team's list and a reason), and for a report its category. Enter confirms, so a card's
author is blocked in two keys: B, Enter. Where the network (or its API plan) does not
allow the action the dialog says so and offers nothing to confirm."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from inbox.core import moderation
from inbox.core.guidelines import Guideline
from inbox.core.models import ConversationSummary
from inbox.networks import registry

WHAT = {
    moderation.BLOCK: "They can no longer see or answer this account's posts, and you no "
    "longer see theirs.",
    moderation.UNBLOCK: "Takes the block back.",
    moderation.MUTE: "Their posts and mentions no longer reach this account; they are not told.",
    moderation.UNMUTE: "Takes the mute back.",
    moderation.REPORT: "Sends their newest message to the server's moderators. A report cannot "
    "be taken back.",
    moderation.HIDE_REPLY: "Hides their reply under your post (people can still open hidden "
    "replies).",
    moderation.UNHIDE_REPLY: "Shows their hidden reply again.",
}


class ModerateDialog(QDialog):
    """Confirm one action on a conversation's author; result() is Accepted to go ahead."""

    def __init__(
        self,
        action: str,
        summary: ConversationSummary,
        guidelines: list[Guideline],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.action = action
        label = moderation.LABELS[action]
        who = summary.contact_handle.lstrip("@")
        network = registry.label(summary.network)
        self.setWindowTitle(f"{label} @{who}")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        caps = registry.find(summary.network)
        self.refusal = (
            caps.moderation_refusal(action) if caps is not None else f"Unknown network {network}."
        )
        head = QLabel(f"<b>{label} @{who}</b> on {network} ({summary.account_handle})")
        head.setWordWrap(True)
        layout.addWidget(head)
        explain = QLabel(self.refusal or WHAT[action])
        explain.setObjectName("moderateRefusal" if self.refusal else "moderateWhat")
        explain.setWordWrap(True)
        layout.addWidget(explain)
        form = QFormLayout()
        self.guideline = QComboBox()
        self.guideline.addItem("— none —", None)
        # Community rules first: they are what moderation is judged by.
        ordered = sorted(guidelines, key=lambda g: (g.kind != "conduct", g.name.casefold()))
        for g in ordered:
            self.guideline.addItem(g.name, g.id)
        if len(ordered) and ordered[0].kind == "conduct":
            self.guideline.setCurrentIndex(1)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why (kept in the history; a report's comment)")
        form.addRow("Guideline", self.guideline)
        form.addRow("Reason", self.reason)
        self.category = QComboBox()
        for value, text in (
            ("spam", "Spam"),
            ("violation", "Breaks a server rule"),
            ("other", "Other"),
        ):
            self.category.addItem(text, value)
        if action == moderation.REPORT:
            form.addRow("Category", self.category)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        if not self.refusal:
            self.confirm = buttons.addButton(label, QDialogButtonBox.ButtonRole.AcceptRole)
            self.confirm.setDefault(True)
            self.confirm.setAutoDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for w in (self.guideline, self.reason, self.category):
            w.setEnabled(not self.refusal)

    def focus_default(self) -> None:
        """Enter confirms (or closes, where the network refuses the action)."""
        button = getattr(self, "confirm", None)
        if button is not None:
            button.setFocus()
        else:
            self.setFocus()

    def guideline_id(self) -> int | None:
        value = self.guideline.currentData()
        return int(value) if value is not None else None
