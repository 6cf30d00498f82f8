"""The headless runtime: sync loops, the outbox worker and the scheduler, Qt-free."""

from inbox.engine.runtime import Engine

__all__ = ["Engine"]
