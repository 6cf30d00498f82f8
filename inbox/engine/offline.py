"""Working offline on a team profile: the replica, the journal, the replay on reconnect.

A team profile's engine opens the team server; when the server cannot be reached at start
(or the connection drops while it runs) it opens the profile's replica instead
(`store/journal.py`: a SQLite copy of the team database as this laptop last saw it) and
the deck shows that last known state. Every operation run while offline (`ops.run`) is
first written to the journal (`journal.db`, write-ahead), then applied to the replica, so
the user sees it and nothing is lost if the laptop crashes in between.

Back online (at the next start, or when `watch` reaches the server again), the journal is
replayed in order through the same operations on the server, each entry in ONE server
transaction together with its id in `journal_applied`: an entry lands once, even when two
processes of the laptop replay at the same moment. Conflict rules (docs/architecture.md,
"Offline"):

- status and assignee: last writer wins by time. The entry carries the time it was made
  offline; a conversation whose status (assignee) someone changed on the server AFTER
  that time keeps the server's value, and the offline change is written to the audit log
  as `offline.superseded` (both are in the audit).
- notes, replies and everything else: applied as they come (union: nothing is dropped).
- posts: a post made offline lands once (its entry id is the idempotency key; the outbox
  row lease gives it one sender).

An entry the server refuses stays in the journal as failed, with its words, shown in
the window's status bar and `team status`; the entries after it are still replayed.

While offline the engine neither fetches nor sends (the replica is not the team's
database: a post sent from it would be sent again after the replay); the team server is
tried again every RETRY seconds. The replica is refreshed whole (`journal.snapshot`) when
an engine starts online and there is none, after every replay, when a window or `sync`
starts and it is older than FRESH_ENOUGH, and every REFRESH seconds while they run: one
consistent read, in a thread of its own (it never blocks the engine; a stopping engine
cancels it, `team sync` waits for it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from inbox.core.clock import from_iso, to_iso
from inbox.core.errors import InboxError, NotAllowed, ServerUnreachable, StoreError
from inbox.core.events import Changed, ErrorEvent
from inbox.store import Store, journal, team

if TYPE_CHECKING:
    from inbox.engine.ops import Op, Registered
    from inbox.engine.runtime import Engine

log = logging.getLogger(__name__)

RETRY = 15.0  # seconds between looks at the team server (offline: reconnect; online: alive?)
REFRESH = 300.0  # the replica is refreshed this often while a window or `sync` runs
FRESH_ENOUGH = 60.0  # an engine starting online refreshes a replica older than this
WATCH_TASK = "offline:watch"

# Operations that carry a secret: never written to the journal file (no secret in SQLite).
NEEDS_SERVER = {
    "accounts.save": "Adding an account",
    "connectors.save": "Saving a connector",
}

# Last writer wins: the operation, and the audit actions that change the same field.
LAST_WRITER_WINS: dict[str, tuple[str, ...]] = {
    "conversations.set_status": ("status",),
    "conversations.assign": ("assign",),
}


# Edits of a post: both versions are kept when it was edited on the server meanwhile.
POST_EDITS = frozenset({"posts.save_draft", "posts.submit"})

# Replies: the collision guard's question cannot be asked during a replay.
UNION_FORCED = frozenset({"replies.queue"})


@dataclass(frozen=True)
class State:
    """What the window's status bar and `team status` say about syncing."""

    offline: bool = False
    waiting: int = 0
    failed: int = 0
    reason: str = ""
    errors: tuple[str, ...] = ()  # the failed entries' words

    def words(self) -> str:
        if self.offline:
            text = f"Offline — {_changes(self.waiting + self.failed)} waiting to sync"
        elif self.failed:
            text = f"{_changes(self.failed)} could not be synced"
        elif self.waiting:
            text = f"{_changes(self.waiting)} waiting to sync"
        else:
            return ""
        return text


def _changes(n: int) -> str:
    return f"{n} change{'s' if n != 1 else ''}"


@dataclass
class Replayed:
    """What one replay did."""

    applied: int = 0
    already: int = 0  # applied before (another process of this laptop, an earlier try)
    superseded: list[str] = field(default_factory=list)  # words: a colleague's later change kept
    failed: list[str] = field(default_factory=list)  # words of entries the server refused

    def words(self) -> str:
        parts = [f"Synced {_changes(self.applied)} made offline."]
        parts += self.superseded
        parts += self.failed
        return " ".join(parts)


# -- opening ---------------------------------------------------------------------------


def open_store(engine: Engine) -> Store:
    """The engine's writer store: the server, or (team profile, server unreachable) the
    replica. Runs on the engine thread before it serves anything."""
    dsn = team.dsn_of(engine.db_path)
    if dsn is None:
        return Store(engine.db_path, clock=engine.clock)
    try:
        engine.journal = journal.Journal(engine.db_path)
    except StoreError as exc:  # a read-only profile folder: online works, offline cannot
        log.warning("no offline journal for this profile: %s", exc)
        return Store(engine.db_path, clock=engine.clock)
    try:
        store = Store(engine.db_path, clock=engine.clock)
    except ServerUnreachable as exc:
        if not journal.replica_path(engine.db_path).exists():
            raise ServerUnreachable(
                f"{exc} This laptop has no offline copy of the team's deck yet: it is made "
                "the first time the app reaches the server."
            ) from exc
        engine.team_offline = True
        journal.set_offline(engine.db_path, True)
        store = Store(engine.db_path, clock=engine.clock, replica_of=dsn)
        _set_state(engine, reason=str(exc))
        return store
    return store


def after_open(engine: Engine) -> None:
    """Online team profile: replay what waits in the journal, then keep the replica fresh."""
    if engine.journal is None:
        return
    if not engine.team_offline:
        if engine.journal.counts() != (0, 0):
            engine.last_replay = replay(engine)
            refresh_later(engine, force=True)
        elif not journal.replica_path(engine.db_path).exists():
            refresh_later(engine, force=True)  # the first start on this laptop
    _set_state(engine)


def state(engine: Engine) -> State:
    return getattr(engine, "offline_state", State())


def _set_state(engine: Engine, reason: str | None = None) -> None:
    if engine.journal is None:
        return
    waiting, failed = engine.journal.counts()
    errors = tuple(f"{e.id}: {e.error}" for e in engine.journal.failed()) if failed else ()
    old = state(engine)
    engine.offline_state = State(
        offline=engine.team_offline,
        waiting=waiting,
        failed=failed,
        reason=(old.reason if reason is None else reason) if engine.team_offline else "",
        errors=errors,
    )


# -- running operations offline ----------------------------------------------------------


def run(
    engine: Engine, registered: Registered, op: Op, apply: Any, *, initiator: str, undoing: bool
) -> Any:
    """ops.run_op while offline: journal the operation, then apply it to the replica."""
    from inbox.engine import ops

    assert engine.journal is not None
    if op.name in NEEDS_SERVER:
        raise NotAllowed(
            f"{NEEDS_SERVER[op.name]} needs the team server (it carries a secret, which is "
            "never written to this laptop's journal). Try again when you are back online."
        )
    entry = None
    retracted = False
    mine = engine.offline_undo.pop(id(op), None) if undoing else None
    if mine is not None and mine[0] is op:
        # Undo of an operation made offline: it never reaches the server. Its entry is
        # taken back (the ids it made exist only in the replica).
        engine.journal.drop(mine[1])
        retracted = True
    if not retracted:
        entry = engine.journal.append(
            op.to_json(), ops.actor(engine), engine.store.now(), _base(engine.store, op)
        )
    stack = ops.undo_stack(engine)
    depth = len(stack)
    try:
        result = apply()
    except BaseException:
        if entry is not None:
            engine.journal.drop(entry.seq)  # the replica refused it: nothing happened
        raise
    if entry is not None and len(stack) > depth:
        engine.offline_undo[id(stack[-1][1])] = (stack[-1][1], entry.seq)
    _set_state(engine)
    return result


def go_offline(engine: Engine, exc: ServerUnreachable) -> bool:
    """The server dropped while the engine runs: switch to the replica (False: no replica
    or not a team profile, the caller re-raises)."""
    dsn = team.dsn_of(engine.db_path)
    if engine.team_offline or engine.journal is None or dsn is None:
        return False
    if not journal.replica_path(engine.db_path).exists():
        return False
    replica = Store(engine.db_path, clock=engine.clock, replica_of=dsn)
    old = engine.swap_store(replica)
    with contextlib.suppress(Exception):
        old.close()
    engine.team_offline = True
    journal.set_offline(engine.db_path, True)
    _forget_undo(engine)
    _set_state(engine, reason=str(exc))
    running = engine.stop_background(keep=WATCH_TASK)
    if running:
        spawn_watch(engine)
    engine.publish(ErrorEvent(f"Working offline: {exc}"))
    engine.publish(_everything())
    return True


def _forget_undo(engine: Engine) -> None:
    """Undo entries name rows of the database they were made on: never run them on the
    other one (a note id of the replica is another note on the server)."""
    from inbox.engine import ops

    ops.undo_stack(engine).clear()
    engine.offline_undo.clear()


def _everything() -> Changed:
    return Changed(columns=True, accounts=True, outbox=True, posts=True, teams=True)


# -- replay ------------------------------------------------------------------------------


class _At:
    """A clock that reads the time an entry was made: the replayed rows and audit say when
    the member did it, and last-writer-wins compares those times."""

    def __init__(self, when: datetime) -> None:
        self.when = when

    def now(self) -> datetime:
        return self.when


def replay(engine: Engine) -> Replayed:
    """Apply the journal's waiting (and failed) entries to the server, in order."""
    from inbox.engine import ops

    assert engine.journal is not None
    store = engine.store
    done = Replayed()
    real, engine_real = store.clock, engine.clock
    engine.replaying = True
    try:
        for entry in engine.journal.pending():
            op = ops.Op.from_json(entry.op)
            # Checks such as "that time has passed" judge the change as of when it was made.
            store.clock = engine.clock = _At(from_iso(entry.at))
            try:
                with store.transaction():
                    if not journal.claim_entry(store, entry.id, entry.actor, op.name):
                        done.already += 1
                    else:
                        kept = _last_writer(engine, op, entry)
                        if kept is not None:
                            ops.run_op(engine, kept, initiator="sync", undoing=True)
                        store.audit(
                            entry.actor,
                            "offline.replayed",
                            None,
                            journal_id=entry.id,
                            op=op.name,
                            made_at=entry.at,
                        )
                        done.applied += 1
            except ServerUnreachable:
                raise  # gone again: the entries stay waiting
            except (InboxError, TypeError, ValueError, KeyError) as exc:
                words = f"{_label(op)} made offline at {entry.at[:16]} could not be synced: {exc}"
                store.clock, engine.clock = real, engine_real
                engine.journal.fail(entry.seq, str(exc), store.now())
                done.failed.append(words)
                continue
            store.clock, engine.clock = real, engine_real
            engine.journal.done(entry.seq, store.now())
    finally:
        store.clock, engine.clock = real, engine_real
        engine.replaying = False
    for superseded in engine.journal_superseded:
        done.superseded.append(superseded)
    engine.journal_superseded.clear()
    _set_state(engine)
    if done.applied or done.failed:
        engine.publish(_everything())
    if done.failed:
        engine.publish(ErrorEvent(" ".join(done.failed)))
    return done


def _label(op: Op) -> str:
    from inbox.engine import ops

    registered = ops.OPERATIONS.get(op.name)
    label = registered.label if registered is not None else op.name
    return label[:1].upper() + label[1:]


def _post_target(store: Store, op: Op) -> int | None:
    """The post an edit changes (by its client key, else its id); None: a new post."""
    data = op.args.get("post")
    if op.name not in POST_EDITS or not isinstance(data, dict):
        return None
    key = op.args.get("key") or ""
    if isinstance(key, str) and key:
        found = store.posts.by_key(key)
        if found is not None:
            return found.id
    post_id = data.get("id")
    if isinstance(post_id, int) and not isinstance(post_id, bool) and post_id > 0:
        return post_id
    return None


def _base(store: Store, op: Op) -> str:
    """What an offline change was made on, for the replay's conflict rules (JSON)."""
    target = _post_target(store, op)
    if target is None:
        return "{}"
    return json.dumps({"post": target, "post_updated_at": journal.post_version(store, target)})


def _post_conflict(engine: Engine, op: Op, entry: journal.Entry) -> Op | None:
    """A post edited offline AND on the server since this laptop's copy: both versions are
    kept. The later one (by time) is the post, with its state (scheduled stays scheduled);
    the other becomes a new draft whose note starts "Conflict:"."""
    from inbox.core.posts import post_to_data
    from inbox.engine import ops

    store = engine.store
    base = json.loads(entry.base or "{}").get("post_updated_at")
    target = _post_target(store, op)
    if target is None or not base:
        return op
    theirs_at = journal.post_version(store, target)
    if theirs_at is None or theirs_at <= base:
        return op  # nobody changed it meanwhile: the offline edit applies
    when = entry.at[:16].replace("T", " ")
    conflict_key = f"{entry.id}:conflict"
    if theirs_at > entry.at:  # the colleague's edit is the later one: it stays
        mine = {
            **op.args["post"],
            "id": 0,
            "state": "draft",
            "note": f"Conflict: your offline edit of post {target} ({when} UTC); a later edit"
            " made on another laptop is the one scheduled.",
        }
        store.audit(
            entry.actor,
            "offline.superseded",
            None,
            journal_id=entry.id,
            op=op.name,
            post_id=target,
            made_at=entry.at,
            kept={"at": theirs_at},
        )
        engine.journal_superseded.append(
            f"Post {target}: a later edit made on another laptop was kept; your offline"
            " version is a draft marked Conflict."
        )
        return ops.Op("posts.save_draft", {"post": mine, "key": conflict_key})
    theirs = post_to_data(store.posts.get(target))
    copy = {
        **theirs,
        "id": 0,
        "state": "draft",
        "note": f"Conflict: the version of post {target} replaced by a later offline edit"
        f" ({when} UTC).",
    }
    ops.run_op(
        engine,
        ops.Op("posts.save_draft", {"post": copy, "key": conflict_key}),
        initiator="sync",
        undoing=True,
    )
    engine.journal_superseded.append(
        f"Post {target}: your later offline edit is the one scheduled; the other version is"
        " a draft marked Conflict."
    )
    return op


def _last_writer(engine: Engine, op: Op, entry: journal.Entry) -> Op | None:
    """The operation narrowed to the conversations whose field nobody changed on the server
    after the entry was made; each one left out is audited `offline.superseded`."""
    from inbox.engine import ops

    if op.name in POST_EDITS:
        return _post_conflict(engine, op, entry)
    if op.name in UNION_FORCED:
        # Messages are a union: the reply goes even when a colleague answered meanwhile
        # (nobody is there to ask during a replay); the forced send is audited
        # `reply.despite_answer`.
        return ops.Op(op.name, {**op.args, "force": True})
    actions = LAST_WRITER_WINS.get(op.name)
    if actions is None:
        return op
    ids = [int(i) for i in op.args.get("ids", ())]
    later = journal.later_audit(engine.store, ids, actions, entry.at)
    for conversation_id, row in later.items():
        engine.store.audit(
            entry.actor,
            "offline.superseded",
            conversation_id,
            journal_id=entry.id,
            op=op.name,
            args={k: v for k, v in op.args.items() if k != "ids"},
            made_at=entry.at,
            kept={"at": row["at"], "actor": row["actor"], "detail": row["detail"]},
        )
        engine.journal_superseded.append(
            f"Conversation {conversation_id}: {row['actor']}'s later change"
            f" ({row['at'][:16].replace('T', ' ')}) was kept over yours."
        )
    rest = [i for i in ids if i not in later]
    if not rest:
        return None
    return ops.Op(op.name, {**op.args, "ids": rest})


# -- back online -------------------------------------------------------------------------


def spawn_watch(engine: Engine) -> None:
    """Start the task that watches the team server (call on the engine thread)."""
    if engine.journal is None:
        return
    if any(t.get_name() == WATCH_TASK and not t.done() for t in asyncio.all_tasks()):
        return
    engine.spawn(watch(engine), name=WATCH_TASK)


async def watch(engine: Engine, retry: float | None = None) -> None:
    """Offline: try the server every RETRY s and come back online. Online: look whether it
    still answers (and go offline when not), and refresh the replica every REFRESH s."""
    pause = RETRY if retry is None else retry
    since_refresh = 0.0
    refresh_later(engine)  # a window or `sync` keeps the copy fresh
    while True:
        await asyncio.sleep(pause)
        if engine.team_offline:
            await try_online(engine)
            since_refresh = 0.0
            continue
        try:
            journal.ping(engine.store)
        except ServerUnreachable as exc:
            go_offline(engine, exc)
            continue
        except InboxError:
            continue
        since_refresh += pause
        if since_refresh >= REFRESH:
            since_refresh = 0.0
            refresh_later(engine, force=True)


async def try_online(engine: Engine) -> bool:
    """Reach the server; on success replay the journal, switch the engine to the server,
    restart its loops and refresh the replica. False while it cannot be reached."""
    try:
        server = await asyncio.to_thread(Store, engine.db_path, clock=engine.clock)
    except ServerUnreachable as exc:
        _set_state(engine, reason=str(exc))
        return False
    replica = engine.swap_store(server)
    engine.team_offline = False
    journal.set_offline(engine.db_path, False)
    _forget_undo(engine)
    with contextlib.suppress(Exception):
        replica.close()
    try:
        engine.last_replay = replay(engine)
    except ServerUnreachable as exc:  # gone again at once
        go_offline(engine, exc)
        return False
    if engine.loops_wanted:
        from inbox.engine import loops

        loops.start(engine, engine.loop_settings)
    refresh_later(engine, force=True)
    engine.publish(_everything())
    return True


def refresh_later(engine: Engine, *, force: bool = False) -> None:
    """Refresh the replica in a thread of its own (not when one runs, nor when the replica
    is younger than FRESH_ENOUGH unless forced)."""
    dsn = team.dsn_of(engine.db_path)
    if dsn is None or engine.team_offline:
        return
    age = journal.replica_age(engine.db_path)
    if not force and age is not None and age < FRESH_ENOUGH:
        return
    if engine.refreshing is not None and engine.refreshing.is_alive():
        return

    cancel = engine.refresh_cancel

    def work() -> None:
        try:
            made = journal.snapshot(dsn, engine.db_path, cancel)
            if made is None:
                log.info("replica refresh cancelled: the engine stopped")
                return
            log.info(
                "replica refreshed: %s rows of %s tables in %.2f s",
                made.rows,
                made.tables,
                made.seconds,
            )
        except InboxError as exc:
            log.warning("could not refresh the offline replica: %s", exc)

    engine.refreshing = threading.Thread(target=work, name="inbox-replica", daemon=True)
    engine.refreshing.start()


def status_now(when: datetime) -> str:
    return to_iso(when)
