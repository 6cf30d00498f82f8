"""Writes resources/icons/{light,dark}/*.svg: network marks and status glyphs for both themes.

Run once after changing a shape or colour and commit the SVGs; the app only reads them.
Generic marks (a letter in the network's colour), not the networks' trademarked logos.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "resources" / "icons"

# name: (light-theme colour, dark-theme colour, letter)
NETWORKS = {
    "mastodon": ("#563acc", "#9b87f5", "M"),
    "bluesky": ("#0a7aff", "#58a6ff", "B"),
    "x": ("#111111", "#e6e6e6", "X"),
}
# name: (light, dark, svg body drawn on a 16 grid in `{c}`)
STATUSES = {
    "new": ("#2f6fde", "#6ea1ff", '<circle cx="8" cy="8" r="5" fill="{c}"/>'),
    "open": (
        "#2f6fde",
        "#6ea1ff",
        '<circle cx="8" cy="8" r="4.5" fill="none" stroke="{c}" stroke-width="2"/>',
    ),
    "pending": (
        "#b7791f",
        "#f0b45a",
        '<circle cx="8" cy="8" r="5.5" fill="none" stroke="{c}" stroke-width="1.6"/>'
        '<path d="M8 4.8 V8 L10.4 9.4" fill="none" stroke="{c}" stroke-width="1.6" '
        'stroke-linecap="round"/>',
    ),
    "resolved": (
        "#2e8540",
        "#5fd07a",
        '<path d="M3.5 8.5 L6.8 11.5 L12.5 4.8" fill="none" stroke="{c}" stroke-width="2.2" '
        'stroke-linecap="round" stroke-linejoin="round"/>',
    ),
    "urgent": (
        "#c62828",
        "#ff6b6b",
        '<path d="M8 1.8 L14.6 13.6 H1.4 Z" fill="{c}"/>'
        '<rect x="7.1" y="5.6" width="1.8" height="4.4" rx=".9" fill="{bg}"/>'
        '<circle cx="8" cy="11.7" r="1" fill="{bg}"/>',
    ),
    "sla-breached": (
        "#c62828",
        "#ff6b6b",
        '<circle cx="8" cy="8" r="6" fill="{c}"/>'
        '<path d="M8 4.6 V8.4 L10.4 9.8" fill="none" stroke="{bg}" stroke-width="1.6" '
        'stroke-linecap="round"/>',
    ),
}
BACKGROUND = {"light": "#ffffff", "dark": "#202329"}


def svg(body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">'
        f"{body}</svg>\n"
    )


def main() -> None:
    for index, theme in enumerate(("light", "dark")):
        out = ROOT / theme
        out.mkdir(parents=True, exist_ok=True)
        ink = BACKGROUND[theme]
        for name, (light, dark, letter) in NETWORKS.items():
            colour = (light, dark)[index]
            text = "#ffffff" if theme == "light" or name != "x" else "#111111"
            body = (
                f'<rect x="0.5" y="0.5" width="15" height="15" rx="4" fill="{colour}"/>'
                f'<text x="8" y="12" text-anchor="middle" font-family="sans-serif" '
                f'font-weight="bold" font-size="11" fill="{text}">{letter}</text>'
            )
            (out / f"{name}.svg").write_text(svg(body), encoding="utf-8")
        for name, (light, dark, body) in STATUSES.items():
            colour = (light, dark)[index]
            (out / f"status-{name}.svg").write_text(
                svg(body.format(c=colour, bg=ink)), encoding="utf-8"
            )


if __name__ == "__main__":
    main()
