"""`social-inbox team connect|migrate|status|disconnect`: a profile on a team's PostgreSQL server.

    social-inbox team connect postgresql://alex@db.example:5432/support --password-stdin
    social-inbox team migrate postgresql://alex@db.example:5432/support   # move this laptop's data
    social-inbox team status        # where, and (offline) what waits to sync
    social-inbox team sync          # send the changes made offline now
    social-inbox team disconnect

The password goes to the OS keyring (never into the profile, its logs or team.json); the
profile folder keeps `team.json` with the address. From then on the window and every verb
open the server for this profile (store/team.py).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from inbox.cli import stdin
from inbox.core.errors import ConfigError, ServerUnreachable
from inbox.profile import Profile


def register(sub: Any) -> None:
    parser = sub.add_parser("team", help="share this profile's deck on a team's PostgreSQL server")
    verbs = parser.add_subparsers(dest="team_command", metavar="VERB", required=True)
    connect = verbs.add_parser(
        "connect", help="make this profile a team profile on a PostgreSQL server"
    )
    _server_args(connect, required=True)
    connect.set_defaults(func=_connect)
    move = verbs.add_parser(
        "migrate",
        help="move this profile's local data to an empty team database (every table counted)",
    )
    _server_args(move, required=False)
    move.set_defaults(func=_migrate)
    status = verbs.add_parser(
        "status", help="where this profile's data lives, and what waits to sync"
    )
    status.set_defaults(func=_status)
    sync = verbs.add_parser("sync", help="send the changes made offline to the team server now")
    sync.set_defaults(func=_sync)
    disconnect = verbs.add_parser(
        "disconnect", help="make this profile local again (forgets the server's password)"
    )
    disconnect.add_argument(
        "--discard-offline-changes",
        action="store_true",
        help="disconnect even though changes made offline have not reached the server",
    )
    disconnect.set_defaults(func=_disconnect)


def _server_args(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument(
        "dsn",
        nargs=None if required else "?",
        metavar="postgresql://USER@HOST:PORT/DATABASE",
        help="the team database" + ("" if required else " (default: the connected one)"),
    )
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (else it is asked)",
    )


def _password(args: argparse.Namespace, inline: str | None) -> str | None:
    if args.password_stdin:
        line = stdin.read(line=True).rstrip("\r\n")
        if not line:
            raise ConfigError("--password-stdin: standard input held no password.")
        return line
    if inline is not None:
        return inline
    if sys.stdin.isatty():
        return getpass.getpass("Password for the team server (Enter for none): ") or None
    return None


def _connect(args: argparse.Namespace) -> int:
    from inbox.store import team

    profile = Profile.resolve(args.profile)
    clean, inline = team.split_password(args.dsn)
    password = _password(args, inline)
    # Signs in and brings the server's schema up to this app's before anything is saved.
    where = team.connect(profile.db_path, clean, password)
    print(f"This profile now works on the team server {where}.")
    if profile.db_path.exists():
        print(
            f"Its local data stays in {profile.db_path}; to bring it to the server run "
            "`social-inbox team migrate` (into an empty team database)."
        )
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from inbox.store import team

    profile = Profile.resolve(args.profile)
    connected = team.dsn_of(profile.db_path)
    target = args.dsn or connected
    if target is None:
        raise ConfigError(
            "Name the team database: `social-inbox team migrate postgresql://user@host/db`."
        )
    clean, inline = team.split_password(target)
    # Connected already: the keyring has the password (open_connection reads it).
    asks = args.password_stdin or (args.dsn is not None and clean != connected)
    password = _password(args, inline) if asks else inline
    counts = team.migrate(profile.db_path, clean, password)
    width = max(len(t) for t, _, _ in counts)
    print(f"Moved {profile.db_path} to {team.where_of(clean)}; rows per table (here = server):")
    for table, here, there in counts:
        print(f"  {table:<{width}}  {here:>8} = {there}")
    print(
        "This profile now works on the team server. The local file stays as it was, "
        "as a backup; the app no longer reads it."
    )
    return 0


def _status(args: argparse.Namespace) -> int:
    from inbox.store import journal, team

    profile = Profile.resolve(args.profile)
    db = profile.db_path
    dsn = team.dsn_of(db)
    if dsn is None:
        print(f"Local profile: {db} (SQLite, this computer only).")
        return 0
    waiting, failed = journal.waiting_counts(db) or (0, 0)
    try:
        found = team.status(db)
    except ServerUnreachable as exc:
        print(f"Offline — {_changes(waiting + failed)} waiting to sync.")
        print(f"  {exc}")
        age = journal.replica_age(db)
        if age is None:
            print("  This laptop has no offline copy of the deck yet.")
        else:
            print(f"  Working on this laptop's copy of the deck, made {_ago(age)} ago.")
        _failures(db)
        return 0
    assert found is not None
    where, version, counts = found
    print(f"Team profile on {where} (PostgreSQL, schema {version}).")
    print(
        f"  {counts['accounts']} accounts, {counts['conversations']} conversations,"
        f" {counts['members']} members."
    )
    if waiting:
        print(
            f"  {_changes(waiting)} made offline waiting to sync: they go with the next start"
            " of the app or a command, or `social-inbox team sync`."
        )
    _failures(db)
    return 0


def _failures(db: Any) -> None:
    from inbox.store import journal

    failed = journal.read_failed(db)
    if failed:
        print(f"  {_changes(len(failed))} could not be synced (kept on this laptop):")
        for entry in failed:
            print(f"    {entry.id} at {entry.at[:16].replace('T', ' ')} UTC: {entry.error}")


def _changes(n: int) -> str:
    return f"{n} change{'s' if n != 1 else ''}"


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{int(seconds)} s"
    if seconds < 7200:
        return f"{int(seconds // 60)} min"
    return f"{seconds / 3600:.1f} h"


def _sync(args: argparse.Namespace) -> int:
    from inbox.cli.session import engine
    from inbox.engine import offline
    from inbox.store import team

    profile = Profile.resolve(args.profile)
    if team.dsn_of(profile.db_path) is None:
        print("This profile is local: nothing to sync.")
        return 0
    with engine(args) as e:
        state = offline.state(e)
        if e.team_offline:
            print(f"Still offline — {_changes(state.waiting + state.failed)} waiting to sync.")
            print(f"  {state.reason}")
            return 1
        done = e.last_replay
        e.call(lambda x: offline.refresh_later(x, force=True))  # this laptop's offline copy
        if e.refreshing is not None:
            e.refreshing.join()
    if done is None:
        print("Nothing waits to sync.")
    else:
        print(done.words())
    if state.failed:
        print(
            f"{_changes(state.failed)} could not be synced; `social-inbox team status` lists them."
        )
        return 1
    return 0


def _disconnect(args: argparse.Namespace) -> int:
    from inbox.store import team

    profile = Profile.resolve(args.profile)
    dsn = team.forget(profile.db_path, discard_offline=args.discard_offline_changes)
    if dsn is None:
        print("This profile is already local.")
    else:
        print(f"This profile no longer works on {team.where_of(dsn)}; it reads {profile.db_path}.")
    return 0
