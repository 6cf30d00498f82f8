"""`social-inbox demo`: seed a profile folder with the demo workspace; open profiles for verbs."""

from __future__ import annotations

import argparse
import contextlib
import shutil
from collections.abc import Iterator
from typing import Any

from inbox import secrets
from inbox.core.errors import ConfigError
from inbox.demo import seed
from inbox.engine import Engine
from inbox.profile import Profile
from inbox.store import Store, reading


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "demo",
        help="fill a profile folder with the demo workspace",
        description="Seed --profile DIR with the recorded demo accounts, teams and columns. "
        "Seeding an already seeded folder changes nothing.",
    )
    add_profile_options(parser)
    parser.set_defaults(func=run)


def add_profile_options(parser: argparse.ArgumentParser, demo: bool = False) -> None:
    """Accept --profile (and --demo) after the verb too, as well as before it."""
    # SUPPRESS: when not given here, the value parsed before the verb stays.
    parser.add_argument(
        "--profile", metavar="DIR", default=argparse.SUPPRESS, help="profile folder"
    )
    if demo:
        parser.add_argument(
            "--demo", action="store_true", default=argparse.SUPPRESS, help="seed a demo first"
        )


def seed_profile(profile: Profile) -> None:
    """Seed profile through a short-lived engine; demo accounts need no real keyring."""
    secrets.use_memory_backend()
    engine = Engine(profile.db_path)
    engine.start()
    try:
        seed(engine)
    finally:
        engine.stop()


def run(args: argparse.Namespace) -> int:
    if args.profile is None:
        raise ConfigError("demo needs --profile DIR: it will not seed your own inbox.")
    profile = Profile.resolve(args.profile)
    seed_profile(profile)
    with contextlib.closing(Store(profile.db_path, readonly=True)) as store:
        conversations = reading.conversation_count(store)
        print(
            f"Seeded {profile.folder}: {len(store.accounts())} accounts, "
            f"{conversations} conversations, {len(store.columns.all())} columns."
        )
    return 0


@contextlib.contextmanager
def reader(args: argparse.Namespace) -> Iterator[Store]:
    """A read-only Store on --profile (or the user's profile); --demo seeds it first.

    With --demo and no --profile the throwaway folder is removed afterwards.

    Raises:
        ConfigError: the profile has no inbox yet.
    """
    profile = Profile.resolve(args.profile, demo=args.demo)
    throwaway = args.demo and args.profile is None
    try:
        if args.demo:
            seed_profile(profile)
        if not profile.has_store():
            raise ConfigError(
                f"No inbox in {profile.folder} yet: add an account in the app, "
                "or try --demo for the demo workspace."
            )
        store = Store(profile.db_path, readonly=True)
        try:
            yield store
        finally:
            store.close()
    finally:
        if throwaway:
            shutil.rmtree(profile.folder, ignore_errors=True)
