"""Publishing settings: who I am, each team's approval and missed-post policy, alt text."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from inbox.core.posts import ApprovalPolicy, TeamPolicy
from inbox.core.schedule import MissedPolicy
from inbox.engine import Engine, ops
from inbox.store import Store
from inbox.ui.bridge import EngineBridge

APPROVAL_LABELS = {
    ApprovalPolicy.CONTRIBUTORS: "Contributors' posts need approval",
    ApprovalPolicy.EVERYONE: "Every post needs approval",
    ApprovalPolicy.NOBODY: "No approval",
}
MISSED_LABELS = {
    MissedPolicy.ASK: "Ask what to do",
    MissedPolicy.PUBLISH: "Publish at once (marked late)",
    MissedPolicy.SKIP: "Skip (marked skipped)",
}


class PublishingSettings(QDialog):
    """Edits settings["publishing.*"] and teams.settings_json["publishing"]."""

    def __init__(self, store: Store, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Publishing settings")
        self.store = store
        self.bridge = bridge
        self.member = QComboBox()
        self.member.addItem("(nobody: a one-person install, acts as admin)", None)
        for m in sorted(store.teams.members(), key=lambda m: m.name):
            self.member.addItem(f"{m.name} ({m.role})", m.id)
        current = store.teams.current()
        me = current.id if current is not None else None
        self.member.setCurrentIndex(max(0, self.member.findData(me)))
        self.team = QComboBox()
        self.team.addItem("Posts without a team", None)
        for row in sorted(store.teams.all().items(), key=lambda t: t[1]):
            self.team.addItem(row[1], row[0])
        self.approval = QComboBox()
        for key, label in APPROVAL_LABELS.items():
            self.approval.addItem(label, str(key))
        self.missed = QComboBox()
        for missed, text in MISSED_LABELS.items():
            self.missed.addItem(text, str(missed))
        self.grace = QSpinBox()
        self.grace.setRange(1, 24 * 60)
        self.grace.setSuffix(" min")
        self.alt = QCheckBox("Images need alt text before a post can go out")
        self.alt.setChecked(store.posts.require_alt())
        self.status = QLabel()
        save = QPushButton("Save")
        save.clicked.connect(self.save)
        form = QFormLayout(self)
        form.addRow("I am", self.member)
        form.addRow("Team", self.team)
        form.addRow("Approval", self.approval)
        form.addRow("When the app was closed at a post's time", self.missed)
        form.addRow("A post is missed when late by more than", self.grace)
        form.addRow("", self.alt)
        form.addRow(self.status, save)
        self.team.currentIndexChanged.connect(lambda _i: self.load_team())
        self.load_team()

    def load_team(self) -> None:
        team = self.team.currentData()
        policy = TeamPolicy.from_data(self.store.posts.team_policy_data(team), team)
        self.approval.setCurrentIndex(self.approval.findData(str(policy.approval)))
        self.missed.setCurrentIndex(self.missed.findData(str(policy.missed)))
        self.grace.setValue(policy.grace_minutes)

    def save(self) -> None:
        team = self.team.currentData()
        policy = TeamPolicy(
            approval=ApprovalPolicy(self.approval.currentData()),
            missed=MissedPolicy(self.missed.currentData()),
            grace_minutes=self.grace.value(),
        )
        member = self.member.currentData()
        alt = self.alt.isChecked()

        def save(engine: Engine) -> None:
            ops.run(
                engine,
                "posts.set_team_policy",
                team_id=team,
                approval=str(policy.approval),
                missed=str(policy.missed),
                grace_minutes=policy.grace_minutes,
            )
            ops.run(engine, "members.set_current", member_id=member)
            ops.run(engine, "settings.set", name="publishing.require_alt_text", value=alt)

        self.bridge.run(save, on_done=lambda _r: self.status.setText("Saved."))
