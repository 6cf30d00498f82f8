"""Fusion style with light and dark palettes that follow the system colour scheme.

SOCIAL_INBOX_THEME=light|dark forces one scheme (screenshots, tests, taste).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QProxyStyle,
    QStyle,
    QStyleFactory,
    QStyleOption,
    QWidget,
)

THEME_ENV = "SOCIAL_INBOX_THEME"


@dataclass(frozen=True)
class Colours:
    """The few colours the palette roles do not cover."""

    dark: bool
    accent: str
    muted: str
    urgent: str
    high: str
    medium: str
    unread: str
    card: str
    outbound: str
    # Priority bands are filled pills, SLA states outlined with a clock, networks a
    # lettered square: three shapes, so colour is never the only difference. The hues
    # come from the Okabe-Ito palette (told apart with every common colour blindness).
    band_urgent: str = "#c0392b"
    band_high: str = "#b35900"
    band_normal: str = "#5f6b7a"
    sla_breached: str = "#a4377d"
    sla_amber: str = "#8a6d00"
    tag_bg: str = "#e6e9ee"
    tag_text: str = "#374151"


LIGHT = Colours(
    dark=False,
    accent="#2f6fde",
    muted="#6b7280",
    urgent="#d9480f",
    high="#e67700",
    medium="#1c7ed6",
    unread="#2f6fde",
    card="#f3f4f6",
    outbound="#e7f0ff",
)
DARK = Colours(
    dark=True,
    accent="#5b9bff",
    muted="#9aa3af",
    urgent="#ff8a4c",
    high="#ffb347",
    medium="#74b0ff",
    unread="#5b9bff",
    card="#262a31",
    outbound="#1f3352",
    band_urgent="#ff8a70",
    band_high="#f0b050",
    band_normal="#9aa5b4",
    sla_breached="#e29ccb",
    sla_amber="#f0e442",
    tag_bg="#343a44",
    tag_text="#d5dae1",
)


def _palette(dark: bool) -> QPalette:
    pal = QPalette()
    if dark:
        window, base, alt, text = "#1b1e23", "#202329", "#262a31", "#e6e8eb"
        button, highlight, mid = "#2a2e35", "#2f5fb3", "#3a3f47"
    else:
        window, base, alt, text = "#eef0f3", "#ffffff", "#f7f8fa", "#1f2328"
        button, highlight, mid = "#f6f7f9", "#dbe7ff", "#d0d5dc"
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: alt,
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: button,
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.ToolTipBase: base,
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: "#8b929c" if dark else "#8a9099",
        QPalette.ColorRole.Highlight: highlight,
        # A pale highlight in light mode needs dark text on it; dark mode keeps light text.
        QPalette.ColorRole.HighlightedText: "#ffffff" if dark else text,
        QPalette.ColorRole.Link: DARK.accent if dark else LIGHT.accent,
        QPalette.ColorRole.Mid: mid,
        QPalette.ColorRole.Midlight: alt,
        QPalette.ColorRole.Dark: "#14161a" if dark else "#b8bec7",
        QPalette.ColorRole.Light: "#30353d" if dark else "#ffffff",
    }
    for role, colour in roles.items():
        pal.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b7078" if dark else "#a0a6ae"))
    return pal


def forced_scheme() -> str | None:
    value = os.environ.get(THEME_ENV, "").strip().lower()
    return value if value in ("light", "dark") else None


def system_is_dark() -> bool:
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


_preference = "system"  # Preferences → theme (ui.theme); the environment variable wins


def set_preference(scheme: str) -> None:
    """ "system", "light" or "dark" from the profile's ui.theme setting."""
    global _preference
    _preference = scheme if scheme in ("light", "dark") else "system"


def is_dark() -> bool:
    forced = forced_scheme() or (_preference if _preference != "system" else None)
    return forced == "dark" if forced else system_is_dark()


def colours() -> Colours:
    """The extra colours of the scheme in force; read at paint time, so a switch repaints right."""
    return DARK if is_dark() else LIGHT


class InboxStyle(QProxyStyle):
    """Fusion, with tick boxes that stand out in the dark scheme.

    Fusion outlines a tick box with the window colour darkened and fills it with the
    base colour: on a dark window both vanish. Dark mode draws them on a lighter
    box with a light outline; everything else is Fusion's.
    """

    BOXES = (
        QStyle.PrimitiveElement.PE_IndicatorCheckBox,
        QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck,
        QStyle.PrimitiveElement.PE_IndicatorRadioButton,
    )

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if element in self.BOXES and is_dark():
            lighter = type(option)(option)
            pal = QPalette(option.palette)
            pal.setColor(QPalette.ColorRole.Base, QColor("#3a404a"))
            pal.setColor(QPalette.ColorRole.Window, QColor("#c2c9d3"))  # outline: darker(140)
            pal.setColor(QPalette.ColorRole.Text, QColor("#ffffff"))
            lighter.palette = pal
            super().drawPrimitive(element, lighter, painter, widget)
            return
        super().drawPrimitive(element, option, painter, widget)


def apply(app: QApplication) -> None:
    if not isinstance(app.style(), InboxStyle):
        app.setStyle(InboxStyle(QStyleFactory.create("Fusion")))
    app.setPalette(_palette(is_dark()))


class ThemeFollower(QObject):
    """Re-applies the palette when the system switches between light and dark."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        apply(app)
        app.styleHints().colorSchemeChanged.connect(self._on_scheme)

    def _on_scheme(self, _scheme: Qt.ColorScheme) -> None:
        apply(self._app)
