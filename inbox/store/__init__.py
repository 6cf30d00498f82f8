"""The local store: SQLite through sqlite-utils, numbered migrations, one writer."""

from inbox.store.db import SCHEMA_VERSION, open_connection
from inbox.store.store import Store

__all__ = ["SCHEMA_VERSION", "Store", "open_connection"]
