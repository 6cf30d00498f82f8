"""The `social-inbox` command: the window by default, plus headless verbs.

Each module in this package that defines register(subparsers) adds its verbs.
"""
