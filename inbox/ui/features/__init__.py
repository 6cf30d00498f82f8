"""Window features: each module here with install(window, engine) is called once the window exists.

Like the CLI's register(subparsers): a feature (reply box, assignment, desk push,
calendar...) adds its menus and pane widgets without editing the window's files.
"""
