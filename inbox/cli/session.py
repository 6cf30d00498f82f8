"""The engine a CLI verb runs its operations on: the same operations as the window."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from inbox.engine import Engine
from inbox.profile import Profile

T = TypeVar("T")


@contextmanager
def engine(args: argparse.Namespace) -> Iterator[Engine]:
    """A started engine on the profile args name; stopped on exit."""
    profile = Profile.resolve(getattr(args, "profile", None), getattr(args, "demo", False))
    e = Engine(profile.db_path)
    e.start()
    try:
        yield e
    finally:
        e.stop()


def call(args: argparse.Namespace, fn: Callable[[Engine], T]) -> T:
    """Run fn(engine) on the engine thread of a short-lived engine."""
    with engine(args) as e:
        return e.call(fn)
