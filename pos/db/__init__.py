"""The one place that owns the database: connection, pragmas, write lock, migrations.

Durability: WAL journal with ``synchronous=FULL``, so every COMMIT waits for the
write-ahead log to reach the disk; a sale that was answered survives a power cut.
Writes are serialised inside the process (one lock) and start with
``BEGIN IMMEDIATE`` so a transaction never upgrades from read to write and
never meets "database is locked". Sales arriving together share one transaction
(`group_commit`): one COMMIT, one wait for the disk, answers only after it.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from importlib import resources
from pathlib import Path
from typing import Any

import sqlite_utils

from pos import clock
from pos.errors import DatabaseMissing, DatabaseUnusable, EtalError
from pos.turns import released

WRITE_LOCK = threading.RLock()
BUSY_TIMEOUT_MS = 10_000
OTHER_PROCESSES = False  # True in a worker of `pos serve --workers`: the others write the file too


def query(db: sqlite_utils.Database, sql: str, params: list | tuple = ()) -> Iterator[dict]:
    """Rows as dicts from the cursor (sqlite-utils' `query` adds a savepoint each call)."""
    cursor = db.conn.execute(sql, params)
    keys = [column[0] for column in cursor.description]
    for row in cursor:
        yield dict(zip(keys, row, strict=True))


def now_iso() -> str:
    """The current UTC time as an ISO 8601 string with offset, to the microsecond."""
    return clock.now().isoformat(timespec="microseconds")


def file_of(db: sqlite_utils.Database) -> str:
    """The path of the database file this connection has open."""
    return db.execute("PRAGMA database_list").fetchone()[2]


JOURNAL_TABLES = ("sales", "closures", "events")


def count_rows(db: sqlite_utils.Database, table: str) -> int:
    """How many rows one of the journal's tables holds."""
    if table not in JOURNAL_TABLES:
        raise ValueError(table)
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def connect(path: str | Path, *, create: bool = False) -> sqlite_utils.Database:
    """Open the coop's database with Étal's pragmas (WAL, FULL sync, foreign keys)."""
    path = Path(path)
    if not create and not path.is_file():
        raise DatabaseMissing(str(path))
    if create and not path.parent.is_dir():
        raise DatabaseUnusable(f"dossier introuvable : {path.parent}")
    try:
        conn = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        # 1 MiB of page cache per connection (SQLite's default is 2 MiB): a coop's database is
        # small, and a Pi Zero 2 W has 512 MB for eight connections and everything else.
        conn.execute("PRAGMA cache_size = -1024")
        conn.create_function("etal_now", 0, now_iso)  # the till's clock, for SQL (orders' delays)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise DatabaseUnusable(f"{path} : {exc}") from exc
    db = sqlite_utils.Database(conn)
    db.etal_path = str(path.resolve())  # connections to one file share group commits
    return db


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One atomic write: process-wide lock, BEGIN IMMEDIATE, COMMIT or ROLLBACK.

    The one way Étal writes. Nested in another, it is a savepoint (as sqlite-utils' `atomic`):
    a failure inside rolls back to where the inner block began and goes on up; only the
    outermost block commits.
    """
    with write_lock():
        if db.conn.in_transaction:
            with _savepoint(db):
                yield db
            return
        begin(db.conn)
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


def begin(conn: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE: the file's write lock, under the process's (`write_lock`).

    When other processes write the file too (`OTHER_PROCESSES`: the workers of
    `pos serve --workers`), SQLite's busy handler may wait here until another's COMMIT: that
    wait gives this thread's turn back (pos.turns), or every request of this process would
    wait with it. Alone on the file, nothing here can wait, and the turn is kept."""
    with released() if OTHER_PROCESSES else nullcontext():
        conn.execute("BEGIN IMMEDIATE")


@contextmanager
def write_lock() -> Iterator[None]:
    """The process's write lock, waited for without holding a turn (pos.turns).

    Its holder may have to wait for a turn (after its wait, or a send to the printer), so no
    one may wait for it while holding one. While a sale waits here, its turn lets another
    request work, such as the next sale, which joins the group then committed: on a slow
    disk (an SD card), the sales of a rush share a flush instead of queueing for turns.
    """
    if WRITE_LOCK.acquire(blocking=False):  # free, or already this thread's: no wait
        try:
            yield
        finally:
            WRITE_LOCK.release()
        return
    with released():
        WRITE_LOCK.acquire()
    try:
        yield
    finally:
        WRITE_LOCK.release()


_savepoints = itertools.count(1)


@contextmanager
def _savepoint(db: sqlite_utils.Database) -> Iterator[None]:
    name = f"etal_{next(_savepoints)}"
    db.conn.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        if db.conn.in_transaction:  # a RAISE(ROLLBACK) trigger may have ended it all already
            db.conn.execute(f"ROLLBACK TO {name}")
            db.conn.execute(f"RELEASE {name}")
        raise
    db.conn.execute(f"RELEASE {name}")


class _Ticket:
    """One write waiting for a group commit, and what came of it.

    `wake` is held from the start; whoever settles the ticket releases it, once: the
    leader that wrote it (`done`), or the one that hands it the lead (`lead`). So each
    caller waits on a lock of its own and is woken once, never with the others."""

    __slots__ = ("work", "done", "ok", "value", "error", "lead", "wake")

    def __init__(self, work: Callable[[sqlite_utils.Database], Any]):
        self.work, self.done, self.ok, self.value, self.error = work, False, False, None, None
        self.lead = False
        self.wake = threading.Lock()
        self.wake.acquire()


_queued: dict[object, list[_Ticket]] = {}  # per database file: the writes waiting
_leading: set[object] = set()  # the files whose group is being written
_queue_lock = threading.Lock()  # guards both


def group_commit(db: sqlite_utils.Database, work: Callable[[sqlite_utils.Database], Any]) -> Any:
    """Run `work(db)` in a write transaction shared with the writes queued meanwhile.

    Group commit: a caller that finds no group being written leads one: it takes every
    queued write, runs them under the write lock and COMMITs once; the others queue meanwhile
    (parked, holding no turn nor lock) and the first of them leads the next group, which
    takes them all along. Each caller gets its own result or exception only after that
    COMMIT, so nothing is answered before it is on disk. `work` must raise an EtalError only
    before it writes (a refusal): the others in the group go on. Anything else, or a refusal
    that wrote, rolls the group back and each write is run again alone, so one cannot sink
    another.

    The group runs on `db.etal_writer` when the caller's connection has one (pos.web.db gives
    each request's connection the app's single writer): only the lock's holder uses it, so its
    page cache stays warm, where a request's connection finds the journal changed by the
    others at each new read and reads its pages from the file again.
    """
    if db.conn.in_transaction:  # inside a caller's transaction: part of it
        return work(db)
    if WRITE_LOCK._is_owned():  # under the lock for another connection: alone, at once
        with transaction(db):
            return work(db)
    ticket = _Ticket(work)
    file = getattr(db, "etal_path", db.conn)
    with _queue_lock:
        _queued.setdefault(file, []).append(ticket)
        ticket.lead = file not in _leading
        if ticket.lead:
            _leading.add(file)
    if not ticket.lead:
        with released():  # parked until written or handed the lead: no turn (pos.turns)
            ticket.wake.acquire()
    if ticket.lead:
        _lead(db, file, ticket)
    if ticket.error is not None:
        raise ticket.error
    return ticket.value


def _lead(db: sqlite_utils.Database, file: object, ticket: _Ticket) -> None:
    """Write every queued write in one transaction, wake each, and hand the lead on."""
    group: list[_Ticket] = []
    try:
        with write_lock():
            with _queue_lock:  # what queued while the lock was awaited comes along
                group = _queued.pop(file)
            _run_group(getattr(db, "etal_writer", None) or db, group)
    finally:
        with _queue_lock:
            if not group and ticket in _queued.get(file, ()):  # interrupted: never written
                _queued[file].remove(ticket)
            waiting = _queued.get(file)
            if waiting:  # queued while this group was written: the first leads the next
                waiting[0].lead = True
                waiting[0].wake.release()
            else:
                _leading.discard(file)
        for each in group:
            if not each.done:  # interrupted before it ran: no caller waits forever
                each.error, each.done = DatabaseUnusable("écriture interrompue"), True
            if each is not ticket:
                each.wake.release()


def _run_group(db: sqlite_utils.Database, group: list[_Ticket]) -> None:
    try:
        _together(db, group)
    except Exception as exc:
        if len(group) == 1:
            group[0].ok, group[0].error = False, exc
        else:
            _each_alone(db, group)
    finally:
        for ticket in group:
            if not ticket.ok and ticket.error is None:  # interrupted before its turn
                ticket.error = DatabaseUnusable("écriture interrompue")
            ticket.done = True


def _together(db: sqlite_utils.Database, group: list[_Ticket]) -> None:
    conn = db.conn
    begin(conn)
    try:
        for ticket in group:
            before = conn.total_changes
            try:
                ticket.value, ticket.ok = ticket.work(db), True
            except EtalError as exc:
                if conn.total_changes != before:  # a refusal after writing: not shareable
                    raise
                ticket.error = exc
        with released():  # the flush costs no turn: the next sales are checked meanwhile
            conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _each_alone(db: sqlite_utils.Database, group: list[_Ticket]) -> None:
    for ticket in group:
        ticket.ok, ticket.value, ticket.error = False, None, None
        try:
            with transaction(db):
                ticket.value, ticket.ok = ticket.work(db), True
        except Exception as exc:  # handed to its caller, raised in its own request
            ticket.error = exc


def _migrations() -> list[tuple[int, str, str]]:
    """The numbered SQL files shipped in pos/migrations, in order."""
    found = []
    for entry in resources.files("pos").joinpath("migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def schema_version(db: sqlite_utils.Database) -> int:
    """The number of the last migration applied."""
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations not yet applied, each in its own transaction; return their names."""
    applied = []
    for number, name, sql in _migrations():
        if number <= schema_version(db):
            continue
        with transaction(db):
            for statement in _split_sql(sql):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")
        applied.append(name)
    return applied


def _split_sql(sql: str) -> list[str]:
    """Split a migration file into statements, keeping trigger bodies whole."""
    statements, current = [], []
    for line in sql.splitlines():
        current.append(line)
        candidate = "\n".join(current).strip()
        if candidate and sqlite3.complete_statement(candidate):
            statements.append(candidate)
            current = []
    rest = "\n".join(current).strip()
    if rest and not rest.startswith("--"):
        statements.append(rest)
    return statements


def open_existing(path: str | Path) -> sqlite_utils.Database:
    """Open a coop database that `pos init` made, migrating it; clear errors otherwise."""
    db = connect(path)
    try:
        if "settings" not in db.table_names():
            raise DatabaseUnusable(f"{path} n'est pas une base Étal (lancez « pos init »)")
        applied = migrate(db)
        if applied and "events" in db.table_names():
            from pos.db.events import log_event

            log_event(db, "migration", None, applied=applied)
    except sqlite3.DatabaseError as exc:
        raise DatabaseUnusable(f"{path} : {exc}") from exc
    return db


def quick_check(path: str | Path) -> list[str]:
    """SQLite's quick_check of a database file: ["ok"], or the first problems it lists."""
    db = connect(path)
    try:
        return [row[0] for row in db.execute("PRAGMA quick_check(5)")]
    finally:
        db.close()
