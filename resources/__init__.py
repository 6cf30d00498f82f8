"""Package data of Social Inbox (installed as `inbox.resources`).

Icons, the desktop entry, the AppStream metainfo and the demo recordings. Code
reaches them only through `inbox.assets`, never by a path into the source tree.
"""
