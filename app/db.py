"""Database engines: SQLite (default) or PostgreSQL via psycopg 3.

SQLite runs in WAL mode with ``busy_timeout`` and foreign keys on; write
transactions start with ``BEGIN IMMEDIATE`` (take the write lock up front, so two
writers never deadlock upgrading a read lock), read transactions with a plain
``BEGIN``. Services choose with :meth:`Database.write` / :meth:`Database.read`.

Erasure: SQLite overwrites deleted content with zeros (``secure_delete``) and, after every erasure and
on a schedule, the WAL is checkpointed and truncated to zero bytes (:meth:`Database.checkpoint`), so
no older copy of an erased row stays in ``-wal``. PostgreSQL's touched tables are vacuumed after an
erasure, outside the request's transaction (:meth:`Database.erased`; what remains is in docs/privacy.md).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import unquote

from sqlalchemy import ClauseElement, Dialect, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Session

IMMEDIATE = "rolefit_immediate"
T = TypeVar("T")
ASYNC_POOL_SIZE = 4  # PostgreSQL connections per worker for the answer path (the ORM pool is separate)
VACUUM_PAUSE = 1.0  # seconds between two post-erasure vacuums of one worker (PostgreSQL)
CHECKPOINT_BUSY_MS = 1000  # how long a checkpoint waits for readers to move on before it gives up (retried later)
log = logging.getLogger("rolefit.db")


def dialect_insert(dialect: str) -> Callable[..., Any]:
    """The dialect's ``insert`` (with ``on_conflict_do_*``) for ``"postgresql"``, else SQLite's.

    Imported here on first use, so that a SQLite install never loads SQLAlchemy's PostgreSQL dialect.
    """
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def sqlite_file(url: str | URL) -> Path | None:
    """The file SQLite opens for ``url``, read the way SQLite reads it; None for an in-memory database.

    Handles plain paths (relative to the working directory, as SQLAlchemy makes them absolute) and
    ``file:`` URIs (``?uri=true``): ``file:/abs``, ``file:rel``, ``file:///abs``, ``file://localhost/abs``,
    percent-escapes, ``:memory:`` and ``mode=memory``. The lock file, backups and erasure use this path.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    uri = str(parsed.query.get("uri", "")).lower() in ("true", "1", "yes", "on")
    if uri and database.startswith("file:"):
        rest = database[len("file:") :]
        if rest.startswith("//"):
            authority, _, path = rest[2:].partition("/")
            if authority not in ("", "localhost"):
                raise ValueError(f"SQLite URI with a remote authority: {database!r}")
            rest = "/" + path
        rest = unquote(rest.split("?", 1)[0].split("#", 1)[0])
        if not rest or rest == ":memory:" or parsed.query.get("mode") == "memory":
            return None
        return Path(rest).absolute()
    if database in ("", ":memory:"):
        return None
    return Path(database).absolute()


def sqlite_read_only(url: str | URL) -> bool:
    parsed = make_url(url)
    uri = str(parsed.query.get("uri", "")).lower() in ("true", "1", "yes", "on")
    return uri and parsed.query.get("mode") == "ro"


def make_engine(url: str, *, synchronous: str = "NORMAL") -> Engine:
    if synchronous not in ("NORMAL", "FULL"):
        raise ValueError("synchronous must be NORMAL or FULL")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(parsed)
        if path is not None and not sqlite_read_only(parsed):
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        read_only = sqlite_read_only(parsed)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event below issue BEGIN; pysqlite's own would be deferred.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            if not read_only:  # a read-only connection cannot change the journal mode (it reads the file's)
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.execute("PRAGMA foreign_keys=ON")
            # deleted rows are overwritten with zeros, whatever the SQLite build's default
            cur.execute("PRAGMA secure_delete=ON")
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            immediate = conn.get_execution_options().get(IMMEDIATE, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20)


class WriterLock:
    """One SQLite writer at a time, queued in the kernel rather than in SQLite's busy handler.

    Threads of a process wait on a ``threading.Lock``; processes (several uvicorn workers) wait on an
    ``flock`` of a sidecar file, which wakes the next writer the moment the lock is released. SQLite's
    own busy handler sleeps in steps of up to 100 ms, which under load turns into seconds of latency.
    """

    def __init__(self, path: str | None) -> None:
        self._thread_lock = threading.Lock()
        self._path = path
        self._fd: int | None = None

    @property
    def path(self) -> str | None:
        return self._path

    def __enter__(self) -> WriterLock:
        self._thread_lock.acquire()
        if self._path is not None:
            try:
                if self._fd is None:
                    self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            except BaseException:
                self._thread_lock.release()
                raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()


class Prepared:
    """A Core statement compiled once for a dialect, run straight on a DB-API cursor.

    SQLAlchemy still writes the SQL (from the models, in the dialect's parameter style) and converts the
    values (its bind processors, e.g. datetimes for SQLite); what is skipped is building an execution
    context for every call, which on the answer path cost more than the database work itself.
    """

    def __init__(self, statement: ClauseElement, dialect: Dialect, column_keys: tuple[str, ...] = ()) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(column_keys) or None)
        assert isinstance(compiled, SQLCompiler)
        self.sql = compiled.string
        self._names = tuple(compiled.positiontup or ())  # positional styles (SQLite's qmark); empty when named
        self._convert = {
            name: convert
            for name, bind in compiled.binds.items()
            if (convert := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }

        # positional: each parameter's name and converter, in order; only the statement's own values are converted
        self._positional = tuple((name, self._convert.get(name)) for name in self._names)

    def params(self, values: dict[str, Any]) -> Any:
        if self._positional:
            return tuple(values[k] if convert is None else convert(values[k]) for k, convert in self._positional)
        return values | {k: convert(values[k]) for k, convert in self._convert.items() if k in values}

    def run(self, cursor: Any, values: dict[str, Any]) -> Any:
        cursor.execute(self.sql, self.params(values))
        return cursor


class Database:
    """One engine per process; sessions are short and owned by the services."""

    def __init__(self, url: str, *, synchronous: str = "NORMAL") -> None:
        self.engine = make_engine(url, synchronous=synchronous)
        self._writer = self.engine.execution_options(**{IMMEDIATE: True})
        # SQLite has one writer at a time: writers of this process and of the other workers queue on a
        # lock (thread lock + flock of a sidecar file) rather than in SQLite's sleeping busy handler.
        self._write_lock: AbstractContextManager[object] = nullcontext()
        self.path = sqlite_file(self.engine.url) if self.dialect == "sqlite" else None
        if self.dialect == "sqlite":
            # beside the real file for every URL form; none for a database opened read-only or in memory
            writable = self.path is not None and not sqlite_read_only(self.engine.url)
            self._write_lock = WriterLock(f"{self.path}.writelock" if writable else None)
        self._vacuum = _Vacuum(self.engine) if self.dialect == "postgresql" else None
        self._prepared: dict[str, object] = {}
        self._async_pool: Any = None  # psycopg_pool.AsyncConnectionPool, see open_async

    def after_fork(self) -> None:
        """In a worker forked from the process that made this object (``rolefit serve`` loads the app once, then
        forks its workers): the pooled connections, the writer lock's file and the vacuum thread's state were
        the parent's. Start this process's own; SQLAlchemy's recipe (``dispose(close=False)``) leaves the
        parent's connections open for the parent."""
        self.engine.dispose(close=False)
        if isinstance(self._write_lock, WriterLock):
            self._write_lock = WriterLock(self._write_lock.path)
        if self._vacuum is not None:
            self._vacuum = _Vacuum(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits on success and rolls back on any error."""
        with self._write_lock, Session(self._writer, expire_on_commit=False) as session, session.begin():
            yield session

    def write_lock(self) -> AbstractContextManager[object]:
        """The lock every writer of this database on this machine queues on (SQLite; no-op otherwise),
        for work outside a transaction that must not interleave with writes (checkpoints, restores)."""
        return self._write_lock

    @contextmanager
    def write_raw(self) -> Iterator[Any]:
        """A DB-API cursor in a write transaction, for the hot path: run :class:`Prepared` statements on it.

        The connection comes from the engine's pool and goes back to it; commit on success, rollback on
        any error, the same SQLite write lock as :meth:`write`.
        """
        with self._write_lock:
            conn = self.engine.raw_connection()
            try:
                cursor = conn.cursor()
                if self.dialect == "sqlite":
                    cursor.execute("BEGIN IMMEDIATE")
                yield cursor
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
            finally:
                conn.close()

    async def open_async(self) -> None:
        """PostgreSQL: open an asyncio connection pool in the running event loop (the app's lifespan
        calls this in each worker). Hot paths then wait for the database without holding up the loop."""
        if self.dialect == "postgresql" and self._async_pool is None:
            from psycopg_pool import AsyncConnectionPool

            url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            pool = AsyncConnectionPool(
                url,
                # a fixed size: opening connections under load (~50 ms each) showed in the p99
                min_size=ASYNC_POOL_SIZE,
                max_size=ASYNC_POOL_SIZE,
                kwargs={"autocommit": True},
                open=False,
            )
            await pool.open()
            self._async_pool = pool

    async def close_async(self) -> None:
        if self._async_pool is not None:
            pool, self._async_pool = self._async_pool, None
            await pool.close()

    @property
    def has_async(self) -> bool:
        return self._async_pool is not None

    async def fetch_idempotent_async(self, statement: Prepared, values: dict[str, Any]) -> list[Any]:
        """Run one statement that is a whole transaction by itself, and that gives the same state when
        run twice, on the asyncio pool (:meth:`open_async` first); return its rows.

        Connections are not checked before each use (a round trip on every request): one the database
        closed (a restart) fails when used, is dropped by the pool, and the statement runs again on the
        next connection, as many times as the pool has connections.
        """
        from psycopg import OperationalError

        if self._async_pool is None:
            raise RuntimeError("no asyncio pool: call open_async in the event loop first")
        for attempt in range(ASYNC_POOL_SIZE + 1):
            try:
                async with self._async_pool.connection() as conn:
                    cursor = await conn.execute(statement.sql, statement.params(values))
                    return list(await cursor.fetchall())
            except OperationalError:
                if attempt == ASYNC_POOL_SIZE:
                    raise
        raise AssertionError("unreachable")

    @contextmanager
    def statement_raw(self) -> Iterator[Any]:
        """A PostgreSQL DB-API cursor in autocommit mode, for one statement that is a whole transaction
        by itself: no BEGIN and COMMIT round trips. The connection goes back to the pool as it came."""
        if self.dialect != "postgresql":
            raise RuntimeError("statement_raw is for PostgreSQL; SQLite writers use write_raw")
        conn = self.engine.raw_connection()
        try:
            conn.driver_connection.autocommit = True  # type: ignore[union-attr]
            yield conn.cursor()
        finally:
            conn.driver_connection.autocommit = False  # type: ignore[union-attr]
            conn.close()

    def fetch_raw(self, statement: Prepared, values: dict[str, Any]) -> list[Any]:
        """The rows of one read that is a whole transaction by itself, for hot paths: on a pooled DB-API
        connection with no ORM session and no BEGIN / COMMIT (SQLite's connections are in autocommit mode,
        see :func:`make_engine`, so a lone SELECT reads one snapshot; PostgreSQL: :meth:`statement_raw`)."""
        if self.dialect == "postgresql":
            with self.statement_raw() as cursor:
                return list(statement.run(cursor, values).fetchall())
        conn = self.engine.raw_connection()
        try:
            return list(statement.run(conn.cursor(), values).fetchall())
        finally:
            conn.close()

    def prepared(self, name: str, build: Callable[[Dialect], T]) -> T:
        """``build(dialect)`` once per database (statements compiled for this engine), then from the cache."""
        if name not in self._prepared:
            self._prepared[name] = build(self.engine.dialect)
        return cast(T, self._prepared[name])

    def write_probe(self, timeout: float, min_free_bytes: int = 0) -> str | None:
        """Can this database take a write now? None if so, else the reason (see :data:`PROBE_REASONS`).

        A write that is rolled back: the same lock, permission and schema checks as a real write, nothing
        kept. It waits at most ``timeout`` seconds for the write lock (SQLite) or a row lock and the
        statement (PostgreSQL). SQLite: a fresh connection each time (a pooled one would keep a file
        descriptor opened before the file became read-only), and the free space of the file's folder
        (a rolled-back write never reaches the disk, so a full disk shows only there).
        """
        try:
            if self.dialect == "sqlite":
                return self._sqlite_probe(timeout, min_free_bytes)
            with self.engine.connect() as conn, conn.begin() as transaction:
                ms = max(1, int(timeout * 1000))
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {ms}")
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = {ms}")
                conn.exec_driver_sql("UPDATE alembic_version SET version_num = version_num")
                transaction.rollback()
            return None
        except Exception as exc:  # every failure is a reason to take this worker out of the rotation
            return _probe_reason(exc)

    def _sqlite_probe(self, timeout: float, min_free_bytes: int) -> str | None:
        if self.path is None:
            return None
        if sqlite_read_only(self.engine.url):
            return "read_only"
        if not self.path.exists():
            return "unavailable"
        if not (os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK)):
            return "read_only"
        stat = os.statvfs(self.path.parent)
        if stat.f_bavail * stat.f_frsize < min_free_bytes:
            return "disk_full"
        cargs, cparams = self.engine.dialect.create_connect_args(self.engine.url)
        conn = self.engine.dialect.loaded_dbapi.connect(*cargs, **{**cparams, "timeout": timeout})
        try:
            conn.isolation_level = None
            conn.execute(f"PRAGMA busy_timeout={max(1, int(timeout * 1000))}")
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("UPDATE alembic_version SET version_num = version_num")
            finally:
                conn.execute("ROLLBACK")
        finally:
            conn.close()
        return None

    def optimize(self) -> None:
        """SQLite: refresh the planner's statistics: ANALYZE bounded by ``analysis_limit`` (about 1,000
        rows read per index, so milliseconds at any size). ``PRAGMA optimize`` alone would do nothing on a
        fresh connection before SQLite 3.46 (it only looks at tables this connection has queried).
        PostgreSQL: nothing (autovacuum analyses; see docs/deploy.md)."""
        if self.dialect != "sqlite":
            return
        with self._write_lock, self.engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA analysis_limit=1000")
            conn.exec_driver_sql("ANALYZE")
            conn.exec_driver_sql("PRAGMA optimize")

    def ok(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def checkpoint(self, busy_ms: int = CHECKPOINT_BUSY_MS) -> bool:
        """SQLite: copy every WAL frame into the database file and truncate the WAL to zero bytes.

        Run after each erasure and on a schedule: until then the WAL holds earlier page images, i.e.
        copies of rows deleted since. Writers of every worker queue on the write lock meanwhile; readers
        get ``busy_ms`` to finish. True when the WAL is empty afterwards (always true on PostgreSQL).
        """
        if self.dialect != "sqlite" or self.path is None or sqlite_read_only(self.engine.url):
            return True
        with self._write_lock:
            conn = self.engine.raw_connection()
            try:
                cursor = conn.cursor()
                cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
                try:
                    busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                finally:
                    cursor.execute("PRAGMA busy_timeout=5000")
            finally:
                conn.close()
        if busy:
            log.warning("WAL checkpoint could not finish (readers busy); the next one retries")
        return not busy

    def erased(self, tables: Iterable[str]) -> None:
        """Call after an erasure has committed, outside its transaction.

        SQLite: checkpoint and truncate the WAL now (the deleted rows were zeroed in place by
        ``secure_delete``). PostgreSQL: VACUUM the touched tables and their indexes in a background thread
        of this process (one at a time, requests merged, a pause between runs), so dead tuples and index
        entries do not wait for autovacuum.
        """
        if self._vacuum is not None:
            self._vacuum.request(tables)
        else:
            self.checkpoint()

    def scrub(self, tables: Iterable[str]) -> str:
        """Rewrite the storage so that no freed space holds old rows (maintenance: blocks writers meanwhile).

        SQLite: ``VACUUM`` (a fresh copy of every page, free pages dropped) and a truncating checkpoint;
        clears what was deleted before ``secure_delete`` was on. PostgreSQL: ``VACUUM FULL`` of ``tables``
        (new files; plain VACUUM leaves deleted bytes in free space until reused) and a ``CHECKPOINT`` if
        the role may (superuser or pg_checkpoint). Returns what was done, for the operator.
        """
        if self.dialect == "sqlite":
            if self.path is None:
                return "nothing to do (in-memory database)"
            with self._write_lock:
                conn = self.engine.raw_connection()
                try:
                    cursor = conn.cursor()
                    cursor.execute("VACUUM")
                    for fts in ("participation_fts", "person_fts"):
                        if cursor.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (fts,)).fetchone():
                            # the people search's FTS5 rows are keyed by the table's rowid, which VACUUM may renumber
                            cursor.execute(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')")  # noqa: S608 (two names)
                            conn.commit()
                    busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                finally:
                    conn.close()
            return f"VACUUM of {self.path}; WAL {'truncated' if not busy else 'busy, truncated later'}"
        names = sorted(tables)
        quote = self.engine.dialect.identifier_preparer.quote
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as pg:
            pg.exec_driver_sql("VACUUM FULL " + ", ".join(quote(t) for t in names))
            try:
                pg.exec_driver_sql("CHECKPOINT")
                checkpoint = "CHECKPOINT done"
            except Exception:
                checkpoint = "no CHECKPOINT (needs superuser or pg_checkpoint); the next scheduled one follows"
        return f"VACUUM FULL of {', '.join(names)}; {checkpoint}"

    def wait_vacuumed(self, timeout: float = 30.0) -> bool:
        """PostgreSQL: wait until no vacuum requested by :meth:`erased` is pending or running."""
        return self._vacuum is None or self._vacuum.wait(timeout)

    def dispose(self) -> None:
        self.wait_vacuumed(10.0)
        self.engine.dispose()


PROBE_REASONS = {
    "read_only": "the database is read-only (file permissions, a read-only mount or mode=ro, a standby server)",
    "disk_full": "the disk holding the database is (nearly) full",
    "timeout": "the database did not take a write within the timeout (locked or overloaded)",
    "schema": "the tables are missing: run rolefit db upgrade",
    "unavailable": "the database cannot be opened or reached",
}


def _probe_reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    sqlstate = getattr(orig, "sqlstate", None) or ""
    message = str(orig).lower()
    if sqlstate == "25006" or "readonly" in message or "read-only" in message:
        return "read_only"
    if sqlstate.startswith("53") or "disk is full" in message or "disk full" in message:
        return "disk_full"
    if sqlstate in ("57014", "55P03") or "locked" in message or "timeout" in message:
        return "timeout"
    if sqlstate == "42P01" or "no such table" in message:
        return "schema"
    return "unavailable"


class _Vacuum:
    """Vacuums tables after erasures: one thread per process at most, requests merged while it runs."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._pending: set[str] = set()
        self._running = False
        self._cond = threading.Condition()
        self.runs = 0

    def request(self, tables: Iterable[str]) -> None:
        with self._cond:
            self._pending.update(tables)
            if not self._running and self._pending:
                self._running = True
                threading.Thread(target=self._run, name="rolefit-vacuum", daemon=True).start()

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._pending:
                    self._running = False
                    self._cond.notify_all()
                    return
                tables, self._pending = sorted(self._pending), set()
            quote = self._engine.dialect.identifier_preparer.quote
            try:
                with self._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    # INDEX_CLEANUP ON: by default VACUUM may skip the indexes when few rows died (PostgreSQL
                    # 14+), which leaves an erased id in them (measured on a 50,000-row table)
                    conn.exec_driver_sql("VACUUM (INDEX_CLEANUP ON) " + ", ".join(quote(t) for t in tables))
            except Exception:  # the data is already deleted; autovacuum will get there
                log.warning("VACUUM after an erasure failed", exc_info=True)
            with self._cond:
                self.runs += 1
                # a burst of erasures: let it gather into the next run rather than vacuum back to back
                self._cond.wait_for(lambda: False, VACUUM_PAUSE if self._pending else 0)

    def wait(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: not self._running, timeout)
