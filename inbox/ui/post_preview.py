"""The composer's preview: the post as each selected account's network will show it."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from inbox.core.preview import TIMELINE_ASPECT, Preview
from inbox.networks import registry
from inbox.ui import fmt

THUMB_WIDTH = 96
STYLE = {
    "mention": "color:{link};",
    "hashtag": "color:{link};",
    "link": "color:{link};text-decoration:underline;",
    "over": "background:#ffcdd2;color:#b71c1c;text-decoration:line-through;",
}


def rich(preview: Preview, link: str = "#1565c0") -> str:
    """The preview's text as rich text: marks as the network shows them, the cut struck."""
    out = []
    for part in preview.parts:
        text = html.escape(part.text).replace("\n", "<br>")
        style = STYLE.get(part.kind)
        out.append(f"<span style='{style.format(link=link)}'>{text}</span>" if style else text)
    return "".join(out) or "<i>(nothing yet)</i>"


class PreviewCard(QFrame):
    """One account: who posts, the text, the link card, the cropped images, the notes."""

    def __init__(self, preview: Preview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        self.setObjectName("previewCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        colour = registry.colour(preview.network)
        head = QLabel(
            f"<b>@{html.escape(fmt.short_handle(preview.handle))}</b> "
            f"<span style='color:{colour}'>· {html.escape(preview.label)}</span>"
            f" · {preview.remaining} left"
        )
        head.setObjectName("previewHead")
        layout.addWidget(head)
        self.body = QLabel(rich(preview))
        self.body.setObjectName("previewBody")
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setWordWrap(True)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        layout.addWidget(self.body)
        if preview.card:
            self.card = QLabel(
                f"Link card: <b>{html.escape(preview.card)}</b><br>"
                "<small>The network shows this page's title and picture here.</small>"
            )
            self.card.setObjectName("previewLinkCard")
            self.card.setFrameShape(QFrame.Shape.Box)
            self.card.setWordWrap(True)
            layout.addWidget(self.card)
        if preview.media:
            row = QHBoxLayout()
            for path in preview.media[:4]:
                row.addWidget(_thumbnail(path))
            row.addStretch(1)
            layout.addLayout(row)
        for note in preview.notes:
            hint = QLabel(note)
            hint.setObjectName("previewNote")
            hint.setWordWrap(True)
            layout.addWidget(hint)


def _thumbnail(path: str) -> QLabel:
    """The image as the timeline crops it (centre, 16:9); a local file, nothing remote."""
    label = QLabel()
    label.setObjectName("previewImage")
    height = int(THUMB_WIDTH / TIMELINE_ASPECT)
    pixmap = QPixmap(path)
    if pixmap.isNull():
        label.setText("(image)")
        label.setFixedSize(THUMB_WIDTH, height)
        return label
    scaled = pixmap.scaled(
        THUMB_WIDTH,
        height,
        Qt.AspectRatioMode.KeepAspectRatioByExpanding,
        Qt.TransformationMode.SmoothTransformation,
    )
    x = (scaled.width() - THUMB_WIDTH) // 2
    y = (scaled.height() - height) // 2
    label.setPixmap(scaled.copy(x, y, THUMB_WIDTH, height))
    return label


class PreviewPane(QWidget):
    """Cards for every selected account, rebuilt as the post changes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("postPreview")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.cards: list[PreviewCard] = []
        self.empty = QLabel("Choose accounts to see the post as each network shows it.")
        self._layout.addWidget(self.empty)
        self._layout.addStretch(1)

    def show_previews(self, previews: Sequence[Preview]) -> None:
        for card in self.cards:
            self._layout.removeWidget(card)
            card.hide()  # deleteLater waits for the event loop; a stale card must not show
            card.deleteLater()
        self.cards = [PreviewCard(p, self) for p in previews]
        for i, card in enumerate(self.cards):
            self._layout.insertWidget(i, card)
        self.empty.setVisible(not self.cards)
