"""The window's stylesheet, built from the palette in force so light and dark both read well."""

from __future__ import annotations

from inbox.ui import theme


def stylesheet() -> str:
    c = theme.colours()
    rule = "#30353d" if c.dark else "#dde1e6"
    column_bg = "#202329" if c.dark else "#ffffff"
    header_bg = "#24282e" if c.dark else "#fafbfc"
    return f"""
#deckInner {{ background: palette(window); }}
#deck {{ background: palette(window); }}
#deckColumn, #searchColumn {{
    background: {column_bg};
    border: 1px solid {rule};
    border-radius: 8px;
}}
#searchColumn {{ border: 1px solid {c.accent}; }}
#deckEmpty {{ background: {column_bg}; border: 1px solid {rule}; border-radius: 8px; }}
#deckEmptyTitle {{ font-size: 16px; font-weight: 600; }}
#columnHeader {{
    background: {header_bg};
    border-top-left-radius: 8px;
    border-top-right-radius: 8px;
}}
#columnRule {{ color: {rule}; background: {rule}; max-height: 1px; border: none; }}
#columnTitle {{ font-weight: 600; font-size: 14px; }}
#columnCount {{
    color: #ffffff; background: {c.accent}; border-radius: 9px;
    padding: 1px 8px; font-size: 11px; font-weight: 600;
}}
#columnList {{ background: {column_bg}; border: none; }}
#columnMenu::menu-indicator {{ image: none; width: 0; }}
#columnMenu {{ font-size: 15px; padding: 0 4px; }}
#columnEmpty {{ color: {c.muted}; font-size: 13px; padding: 24px; }}
#conversationPane {{ background: {column_bg}; border-left: 1px solid {rule}; }}
#authorCard {{ border-bottom: 1px solid {rule}; }}
#authorName {{ font-size: 16px; font-weight: 600; }}
#authorHandle, #authorMeta {{ color: {c.muted}; }}
#thread {{ background: {column_bg}; padding: 8px 12px; }}
#paneEmpty {{ color: {c.muted}; }}
#paneActions {{ border-top: 1px solid {rule}; }}
#appTitle {{ font-weight: 700; font-size: 15px; padding: 0 8px 0 6px; }}
#mainToolbar {{ spacing: 8px; padding: 6px 8px; border: none;
    border-bottom: 1px solid {rule}; }}
#searchField {{
    padding: 5px 10px; border-radius: 6px; border: 1px solid {rule};
    background: palette(base); min-width: 320px;
}}
#searchField:focus {{ border: 1px solid {c.accent}; }}
#errorLabel {{ color: {c.urgent}; }}
#accountStatus {{ padding: 0 8px; color: {c.muted}; }}
QStatusBar {{ border-top: 1px solid {rule}; }}
QSplitter::handle {{ background: {rule}; width: 1px; }}
"""
