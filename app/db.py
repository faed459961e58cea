"""Database engines: SQLite (default) or PostgreSQL via psycopg 3.

SQLite runs in WAL mode with ``busy_timeout`` and foreign keys on; write
transactions start with ``BEGIN IMMEDIATE`` (take the write lock up front, so two
writers never deadlock upgrading a read lock), read transactions with a plain
``BEGIN``. Services choose with :meth:`Database.write` / :meth:`Database.read`.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import ClauseElement, Dialect, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Session

IMMEDIATE = "rolefit_immediate"
T = TypeVar("T")
ASYNC_POOL_SIZE = 4  # PostgreSQL connections per worker for the answer path (the ORM pool is separate)


def make_engine(url: str, *, synchronous: str = "NORMAL") -> Engine:
    if synchronous not in ("NORMAL", "FULL"):
        raise ValueError("synchronous must be NORMAL or FULL")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event below issue BEGIN; pysqlite's own would be deferred.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.execute("PRAGMA foreign_keys=ON")
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

    def params(self, values: dict[str, Any]) -> Any:
        converted = {k: (self._convert[k](v) if k in self._convert else v) for k, v in values.items()}
        return tuple(converted[name] for name in self._names) if self._names else converted

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
        if self.dialect == "sqlite":
            path = self.engine.url.database
            self._write_lock = WriterLock(f"{path}.writelock" if path and path != ":memory:" else None)
        self._prepared: dict[str, object] = {}
        self._async_pool: Any = None  # psycopg_pool.AsyncConnectionPool, see open_async

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

    def prepared(self, name: str, build: Callable[[Dialect], T]) -> T:
        """``build(dialect)`` once per database (statements compiled for this engine), then from the cache."""
        if name not in self._prepared:
            self._prepared[name] = build(self.engine.dialect)
        return cast(T, self._prepared[name])

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

    def dispose(self) -> None:
        self.engine.dispose()
