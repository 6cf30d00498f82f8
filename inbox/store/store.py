"""The Store facade: one connection, and the repositories that share it."""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inbox.core import settings as core_settings
from inbox.core.clock import Clock, SystemClock, to_iso
from inbox.core.errors import InboxError, NotFound, ServerUnreachable
from inbox.core.models import Account, AccountInfo
from inbox.store import journal, team
from inbox.store.db import open_connection, translated
from inbox.store.dialect import POSTGRES, SQLITE, Dialect

if TYPE_CHECKING:
    import sqlite_utils

    from inbox.store.changes import ChangeRepo
    from inbox.store.columns import ColumnRepo
    from inbox.store.connectors import ConnectorRepo
    from inbox.store.guidelines import GuidelineRepo, HeldReplyRepo
    from inbox.store.ingest import Ingest
    from inbox.store.leases import LeaseRepo
    from inbox.store.moderation import ModerationStateRepo
    from inbox.store.monitoring import SearchRepo
    from inbox.store.outbox import OutboxRepo
    from inbox.store.posts import PostRepo
    from inbox.store.presence import PresenceRepo
    from inbox.store.queries import ConversationQueries
    from inbox.store.rules import RuleRepo
    from inbox.store.teams import TeamRepo
    from inbox.store.templates import TemplateRepo
    from inbox.store.triage import TriageRepo

log = logging.getLogger(__name__)


class Store:
    """A profile's database. One writer Store per process; readers open readonly=True.

    Repositories: columns, conversations (read queries), ingest, outbox, teams (and
    members), posts, templates, rules, triage (working conversations, notes, undo),
    connectors (configured systems and the tickets/articles made from conversations),
    searches (monitoring columns: what each looks for, its fetch state, its hits).
    """

    def __init__(
        self,
        path: Path | str,
        *,
        clock: Clock | None = None,
        readonly: bool = False,
        dsn: str | None = None,
        replica_of: str | None = None,
    ) -> None:
        """Open the profile's store: `path` is its `inbox.db`. A team profile (team.json in
        its folder, see store/team.py), or an explicit `dsn` (postgresql://…, a password in
        it or in the keyring), opens that PostgreSQL database instead; `path`'s folder is
        still the profile's (knowledge base, exports).

        replica_of: open the team profile's offline replica (store/journal.py) of that
        server instead. A read-only store of a team profile opens the replica by itself
        when this process works offline (journal.is_offline) or the server cannot be
        reached and a replica exists."""
        self.path = Path(path)
        self.clock: Clock = clock or SystemClock()
        self.readonly = readonly
        self._asked = (dsn, replica_of)
        self._seen = journal.switches()
        self._open(dsn, replica_of)
        # A read-only store of a team profile follows this process's engine between the
        # server and the offline replica (the window's and the reader's stores).
        self._follows = readonly and dsn is None and replica_of is None and self.team
        self._rollback_hooks: list[Callable[[], None]] = []
        if not readonly:
            self.rules.seed_defaults()

    def _open(self, dsn: str | None, replica_of: str | None) -> None:
        self.dsn = None if replica_of else (dsn or team.dsn_of(self.path))
        self.dialect: Dialect = SQLITE
        if self.dsn is not None and self.readonly and dsn is None and journal.is_offline(self.path):
            replica_of, self.dsn = self.dsn, None
        # The team server this store stands in for while offline (None: it is the real one).
        self.replica_of = replica_of
        if self.dsn is not None:
            self.dialect = POSTGRES
            try:
                self._conn: sqlite3.Connection = team.open_connection(  # type: ignore[assignment]
                    self.dsn, readonly=self.readonly
                )
            except ServerUnreachable:
                replica = journal.replica_path(self.path)
                if not (self.readonly and dsn is None and replica.exists()):
                    raise
                self.replica_of, self.dsn, self.dialect = self.dsn, None, SQLITE
                self._conn = open_connection(replica, readonly=True)
        elif replica_of is not None:
            self._conn = open_connection(journal.replica_path(self.path), readonly=self.readonly)
        else:
            self._conn = open_connection(self.path, readonly=self.readonly)

    @property
    def conn(self) -> sqlite3.Connection:
        if self._follows and self._seen != journal.switches():
            self._seen = journal.switches()
            try:
                self.reopen()
            except InboxError as exc:  # neither answers: keep the old one, say why on use
                log.warning("a read-only store stays where it was: %s", exc)
        return self._conn

    def reopen(self) -> None:
        """A read-only store of a team profile after its engine went offline or came back
        (`conn` calls it): the same Store (the window holds it) on the replica or the
        server now. On failure the old connection stays.

        Raises:
            StoreError: neither can be opened.
        """
        old = self._conn
        state = (self.dsn, self.replica_of, self.dialect)
        try:
            self._open(*self._asked)
        except BaseException:
            self._conn = old
            self.dsn, self.replica_of, self.dialect = state
            raise
        with contextlib.suppress(Exception):
            old.close()

    # -- repositories, each made (and its module imported) on first use: the window's
    # first paint reads columns, conversations, accounts and settings only, and the
    # other repositories import most of core (posts, bulk, rules, text) with them.

    @functools.cached_property
    def columns(self) -> ColumnRepo:
        from inbox.store.columns import ColumnRepo

        return ColumnRepo(self)

    @functools.cached_property
    def conversations(self) -> ConversationQueries:
        from inbox.store.queries import ConversationQueries

        return ConversationQueries(self)

    @functools.cached_property
    def ingest(self) -> Ingest:
        from inbox.store.ingest import Ingest

        return Ingest(self)

    @functools.cached_property
    def outbox(self) -> OutboxRepo:
        from inbox.store.outbox import OutboxRepo

        return OutboxRepo(self)

    @functools.cached_property
    def teams(self) -> TeamRepo:
        from inbox.store.teams import TeamRepo

        return TeamRepo(self)

    @functools.cached_property
    def posts(self) -> PostRepo:
        from inbox.store.posts import PostRepo

        return PostRepo(self)

    @functools.cached_property
    def templates(self) -> TemplateRepo:
        from inbox.store.templates import TemplateRepo

        return TemplateRepo(self)

    @functools.cached_property
    def rules(self) -> RuleRepo:
        from inbox.store.rules import RuleRepo

        return RuleRepo(self)

    @functools.cached_property
    def triage(self) -> TriageRepo:
        from inbox.store.triage import TriageRepo

        return TriageRepo(self)

    @functools.cached_property
    def connectors(self) -> ConnectorRepo:
        from inbox.store.connectors import ConnectorRepo

        return ConnectorRepo(self)

    @functools.cached_property
    def guidelines(self) -> GuidelineRepo:
        from inbox.store.guidelines import GuidelineRepo

        return GuidelineRepo(self)

    @functools.cached_property
    def held_replies(self) -> HeldReplyRepo:
        from inbox.store.guidelines import HeldReplyRepo

        return HeldReplyRepo(self)

    @functools.cached_property
    def moderation(self) -> ModerationStateRepo:
        from inbox.store.moderation import ModerationStateRepo

        return ModerationStateRepo(self)

    @functools.cached_property
    def searches(self) -> SearchRepo:
        from inbox.store.monitoring import SearchRepo

        return SearchRepo(self)

    @functools.cached_property
    def leases(self) -> LeaseRepo:
        from inbox.store.leases import LeaseRepo

        return LeaseRepo(self)

    @functools.cached_property
    def presence(self) -> PresenceRepo:
        from inbox.store.presence import PresenceRepo

        return PresenceRepo(self)

    @functools.cached_property
    def changes(self) -> ChangeRepo:
        from inbox.store.changes import ChangeRepo

        return ChangeRepo(self)

    @functools.cached_property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over the same connection, imported on first use (~70 ms of start-up)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    @property
    def team(self) -> bool:
        """A team profile's store: the server, or its offline replica."""
        return self.dsn is not None or self.replica_of is not None

    def close(self) -> None:
        self._conn.close()

    def now(self) -> str:
        return to_iso(self.clock.now())

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error; errors become StoreError."""
        with translated(self.path):
            if self.conn.in_transaction:  # nested: join the outer transaction
                yield self.conn
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")  # disk full may only show here
            except BaseException:
                self._rolled_back()
                raise

    def on_rollback(self, forget: Callable[[], None]) -> None:
        """Call forget after any rollback: caches of ids written in that transaction
        (ingest's contacts) must not outlive it, even when it was an outer one."""
        self._rollback_hooks.append(forget)

    def _rolled_back(self) -> None:
        try:
            if self.conn.in_transaction:  # a failed COMMIT can leave it open: never join it
                self.conn.execute("ROLLBACK")
        finally:
            for forget in self._rollback_hooks:
                forget()

    def query(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        with translated(self.path):
            return self.conn.execute(sql, params).fetchall()

    # -- accounts -------------------------------------------------------------

    def add_account(self, info: AccountInfo) -> Account:
        """Insert or refresh an account (same network, instance and remote id)."""
        with self.transaction() as conn:
            row = conn.execute(
                """INSERT INTO accounts (network, instance, remote_id, handle, display_name,
                       avatar_url, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (network, instance, remote_id) DO UPDATE SET
                       handle = excluded.handle, display_name = excluded.display_name,
                       avatar_url = excluded.avatar_url, status = 'ok', status_detail = ''
                   RETURNING id""",
                (
                    info.network,
                    info.instance,
                    info.remote_id,
                    info.handle,
                    info.display_name,
                    info.avatar_url,
                    self.now(),
                ),
            ).fetchone()
        return self.account(int(row[0]))

    def accounts(self) -> list[Account]:
        return [_account(r) for r in self.query("SELECT * FROM accounts ORDER BY id")]

    def account(self, account_id: int) -> Account:
        rows = self.query("SELECT * FROM accounts WHERE id = ?", (account_id,))
        if not rows:
            raise NotFound(f"Account {account_id} no longer exists.")
        return _account(rows[0])

    def remove_account(self, account_id: int) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM accounts WHERE id = ?", (account_id,))

    def set_account_status(self, account_id: int, status: str, detail: str = "") -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE accounts SET status = ?, status_detail = ? WHERE id = ?",
                (status, detail, account_id),
            )

    # -- sync cursors ----------------------------------------------------------

    def last_synced(self, account_id: int) -> str | None:
        """When a sync of the account last stored its position (UTC ISO), None: never."""
        rows = self.query(
            "SELECT max(updated_at) FROM sync_cursors WHERE account_id = ?", (account_id,)
        )
        return rows[0][0] if rows and rows[0][0] else None

    def cursor(self, account_id: int, stream: str) -> str | None:
        rows = self.query(
            "SELECT cursor FROM sync_cursors WHERE account_id = ? AND stream = ?",
            (account_id, stream),
        )
        return rows[0][0] if rows else None

    def set_cursor(self, account_id: int, stream: str, cursor: str | None) -> None:
        with self.transaction() as conn:
            conn.execute(
                """INSERT INTO sync_cursors (account_id, stream, cursor, updated_at)
                   VALUES (?, ?, ?, ?)
                   ON CONFLICT (account_id, stream) DO UPDATE SET
                       cursor = excluded.cursor, updated_at = excluded.updated_at""",
                (account_id, stream, cursor, self.now()),
            )

    # -- apps registered per network server (client secrets live in the keyring) --------

    def network_app(self, network: str, instance: str) -> tuple[str, str] | None:
        """(app id, scopes) of the app registered on instance, if any."""
        rows = self.query(
            "SELECT app_id, scopes FROM network_apps WHERE network = ? AND instance = ?",
            (network, instance),
        )
        return (rows[0]["app_id"], rows[0]["scopes"]) if rows else None

    def save_network_app(self, network: str, instance: str, app_id: str, scopes: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                """INSERT INTO network_apps (network, instance, app_id, scopes, created_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (network, instance) DO UPDATE SET
                       app_id = excluded.app_id, scopes = excluded.scopes""",
                (network, instance, app_id, scopes, self.now()),
            )

    # -- settings, audit, quarantine ------------------------------------------

    def setting(self, key: str) -> Any:
        """The stored value of a declared setting (core.settings), else its default.

        Raises:
            UnknownSetting: key is not declared.
        """
        declared = core_settings.declared(key)
        if declared.scope == "laptop" and self.team:
            laptop = team.laptop_settings(self.path)
            if key not in laptop:
                return copy.deepcopy(declared.default)
            return _checked(key, lambda: laptop[key], declared.default)
        rows = self.query("SELECT value_json FROM settings WHERE key = ?", (key,))
        if not rows:
            return copy.deepcopy(declared.default)
        return _checked(key, lambda: json.loads(rows[0][0]), declared.default)

    def set_setting(self, key: str, value: Any) -> None:
        """Store a declared setting.

        Raises:
            UnknownSetting: key is not declared.
            ConfigError: value is not of the declared type.
        """
        core_settings.check(key, value)
        if core_settings.declared(key).scope == "laptop" and self.team:
            team.save_laptop_settings(self.path, {key: value})
            return
        with self.transaction() as conn:
            conn.execute(
                """INSERT INTO settings (key, value_json) VALUES (?, ?)
                   ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json""",
                (key, json.dumps(value)),
            )

    def audit(
        self, actor: str, action: str, conversation_id: int | None = None, **detail: Any
    ) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO audit_log (at, actor, action, conversation_id, detail_json)"
                " VALUES (?, ?, ?, ?, ?)",
                (self.now(), actor, action, conversation_id, json.dumps(detail)),
            )

    def audit_many(
        self, actor: str, action: str, rows: Iterable[tuple[int | None, dict[str, Any]]]
    ) -> None:
        """One audit row per (conversation id, detail), in one transaction (a sweep)."""
        now = self.now()
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO audit_log (at, actor, action, conversation_id, detail_json)"
                " VALUES (?, ?, ?, ?, ?)",
                [(now, actor, action, cid, json.dumps(detail)) for cid, detail in rows],
            )

    def quarantine(self, source: str, reason: str, raw: str = "") -> None:
        """Keep a bad input aside so it is reported, never fatal and never lost."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO quarantine (at, source, reason, raw) VALUES (?, ?, ?, ?)",
                (self.now(), source, reason, raw[:100_000]),
            )


def _account(row: sqlite3.Row) -> Account:
    return Account(
        network=row["network"],
        instance=row["instance"],
        remote_id=row["remote_id"],
        handle=row["handle"],
        display_name=row["display_name"],
        avatar_url=row["avatar_url"],
        id=row["id"],
        status=row["status"],
        status_detail=row["status_detail"],
    )


def _checked(key: str, read: Callable[[], Any], default: Any) -> Any:
    """A stored setting's value, or its default when what is stored cannot be read or
    has the wrong type (a hand edit, an older or newer version, a damaged laptop.json):
    every reader would otherwise crash on it. The stored text is left as it is; the
    next `set_setting` replaces it."""
    try:
        return core_settings.check(key, read())
    except (ValueError, RecursionError, InboxError) as exc:
        log.warning("setting %s cannot be used (%s); using its default", key, exc)
        return copy.deepcopy(default)
