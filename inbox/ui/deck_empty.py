"""What an empty deck shows: why it is empty and one click to the usual columns."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from inbox.core.models import ColumnFilter, Kind

USUAL_COLUMNS: tuple[tuple[str, ColumnFilter], ...] = (
    ("Priority", ColumnFilter()),
    ("Direct messages", ColumnFilter(kinds=(Kind.DM,))),
    ("Mentions", ColumnFilter(kinds=(Kind.MENTION, Kind.REPLY, Kind.QUOTE))),
)


class EmptyDeck(QFrame):
    """A card in place of the columns.

    Signals:
        usual_requested: add USUAL_COLUMNS.
        new_requested: open the column editor.
    """

    usual_requested = Signal()
    new_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deckEmpty")
        self.setFixedWidth(420)
        title = QLabel("No columns yet")
        title.setObjectName("deckEmptyTitle")
        text = QLabel(
            "A column is a saved filter: which accounts, which kinds of message, how "
            "urgent. Start with the usual three (priority, direct messages, mentions) "
            "or make your own."
        )
        text.setWordWrap(True)
        self.usual_button = QPushButton("Add the usual columns")
        self.usual_button.setDefault(True)
        self.usual_button.clicked.connect(self.usual_requested)
        self.new_button = QPushButton("New column…")
        self.new_button.clicked.connect(self.new_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 24)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(text)
        layout.addSpacing(4)
        layout.addWidget(self.usual_button)
        layout.addWidget(self.new_button)
        layout.setAlignment(Qt.AlignmentFlag.AlignTop)
