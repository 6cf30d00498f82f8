"""Qt widgets: the only layer that imports PySide6."""

import os

# Qt's raster engine hands a large fill or copy (a scroll bar's groove, a toolbar's lines,
# a tall pixmap) to its thread pool and waits for those threads; on a busy machine they
# are not scheduled for a while and the window waits with them (docs/architecture.md,
# "Performance"). Serial painting is what a window of this size needs. Qt reads this
# when the pool is first wanted, i.e. after this module is imported.
os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")
