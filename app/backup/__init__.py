"""Online backup and restore of rolefit's database. The one face: :func:`backup`, :func:`restore`,
:func:`inspect_backup`, :func:`describe`.

SQLite: SQLite's backup API copies the database in one step, a consistent snapshot taken while the app
keeps writing (WAL: readers do not block writers); the copy is one self-contained file (journal mode
DELETE) that passes ``PRAGMA integrity_check``. A restore copies a checked backup into the live file
through the same API, holding the app's write lock, so running workers see either the old or the
restored database, never a mix.

PostgreSQL: ``pg_dump --format=custom`` (one snapshot, safe while serving) and ``pg_restore --clean
--single-transaction`` (all or nothing). The password goes to the tools in the environment, never on
their command line.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app.db import Database, sqlite_file

COUNTED = ("assessment", "answer", "answer_pack", "participation", "hr_user")  # answer_pack: finished ones


class BackupError(Exception):
    """A backup or restore that was refused or failed; nothing was replaced."""


@dataclass(frozen=True)
class Summary:
    where: str
    revision: str | None
    counts: dict[str, int] | None  # rows per table in COUNTED (None: not readable without restoring)
    size: int | None = None

    def describe(self) -> str:
        parts = [self.where, f"revision {self.revision or 'none'}"]
        if self.counts is not None:
            parts.append(", ".join(f"{n} {t}" for t, n in self.counts.items()))
        if self.size is not None:
            parts.append(f"{self.size:,} bytes")
        return "; ".join(parts)


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def expected_revisions() -> set[str]:
    """The migration heads this version of rolefit runs on."""
    from alembic.script import ScriptDirectory

    from app.migrate import alembic_config

    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


# --- SQLite ------------------------------------------------------------------------------------------


def _sqlite_connect(url: str) -> sqlite3.Connection:
    """A plain sqlite3 connection to the database of ``url`` (every URL form, as SQLAlchemy opens it)."""
    engine = create_engine(url)
    cargs, cparams = engine.dialect.create_connect_args(engine.url)
    engine.dispose()
    params: dict[str, Any] = {**cparams, "timeout": 30, "isolation_level": None}
    conn: sqlite3.Connection = sqlite3.connect(str(cargs[0]), **params)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def _sqlite_summary(conn: sqlite3.Connection, where: str, size: int | None) -> Summary:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    revision = None
    if "alembic_version" in tables:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    counts = {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in COUNTED if t in tables}  # noqa: S608 (our table names)
    return Summary(where, revision, counts, size)


def _check_integrity(conn: sqlite3.Connection, what: str) -> None:
    result = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
    if result != ["ok"]:
        raise BackupError(f"{what} fails PRAGMA integrity_check: {'; '.join(result[:5])}")


def _sqlite_backup(url: str, partial: Path) -> None:
    path = sqlite_file(url)
    if path is None or not path.is_file():
        raise BackupError(f"no SQLite database file at {path or url}")
    source, copy = _sqlite_connect(url), sqlite3.connect(partial, isolation_level=None)
    try:
        source.backup(copy)  # pages=-1: one step, one read snapshot; the app's writers carry on (WAL)
        copy.execute("PRAGMA journal_mode=DELETE")  # the backup is one file, no -wal beside it
        _check_integrity(copy, "the new backup")
    finally:
        copy.close()
        source.close()


def _sqlite_inspect(path: Path) -> Summary:
    if not path.is_file():
        raise BackupError(f"no backup file at {path}")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        try:
            _check_integrity(conn, str(path))
            return _sqlite_summary(conn, str(path), path.stat().st_size)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite database: {exc}") from exc


def _sqlite_restore(url: str, src: Path) -> None:
    db = Database(url)  # creates the folder; its write lock makes the app's writers wait meanwhile
    try:
        with db.write_lock():
            target = _sqlite_connect(url)
            source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, isolation_level=None)
            try:
                source.backup(target)  # one step: other connections see the old or the new database
                target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                _check_integrity(target, "the restored database")
            finally:
                source.close()
                target.close()
    finally:
        db.dispose()


# --- PostgreSQL --------------------------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install PostgreSQL's client programs (Debian: postgresql-client)")
    return found


def _libpq_env(url: str) -> dict[str, str]:
    """libpq's environment for ``url``: the password stays out of the process list."""
    u = make_url(url)
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", u.host),
        ("PGPORT", u.port),
        ("PGUSER", u.username),
        ("PGPASSWORD", u.password),
        ("PGDATABASE", u.database),
        ("PGSSLMODE", u.query.get("sslmode")),
    ):
        if value:
            env[key] = str(value)
    return env


def _run(args: list[str], url: str) -> str:
    done = subprocess.run(args, env=_libpq_env(url), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return done.stdout


def _pg_inspect(url: str, path: Path) -> Summary:
    if not path.is_file():
        raise BackupError(f"no backup file at {path}")
    _run([_tool("pg_restore"), "--list", str(path)], url)  # reads the archive's table of contents
    data = _run([_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)], url)
    found = re.search(r"COPY \S*alembic_version \(version_num\) FROM stdin;\n([^\n\\]+)\n", data)
    return Summary(str(path), found.group(1) if found else None, None, path.stat().st_size)


# --- the face ----------------------------------------------------------------------------------------


def describe(url: str) -> Summary:
    """The live database: revision and row counts."""
    where = make_url(url).render_as_string(hide_password=True)
    if _is_sqlite(url):
        path = sqlite_file(url)
        if path is None or not path.is_file():
            return Summary(where, None, {}, None)
        conn = _sqlite_connect(url)
        try:
            return _sqlite_summary(conn, where, path.stat().st_size)
        finally:
            conn.close()
    db = Database(url)
    try:
        with db.engine.connect() as pg:
            tables = set(inspect(pg).get_table_names())
            revision = (
                pg.execute(text("SELECT version_num FROM alembic_version")).scalar()
                if "alembic_version" in tables
                else None
            )
            counts = {
                t: int(pg.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one())  # noqa: S608 (our table names)
                for t in COUNTED
                if t in tables
            }
        return Summary(where, revision, counts)
    finally:
        db.dispose()


def inspect_backup(url: str, path: Path) -> Summary:
    """Check a backup file for the database kind of ``url``; raise :class:`BackupError` if it is unusable."""
    return _sqlite_inspect(path) if _is_sqlite(url) else _pg_inspect(url, path)


def backup(url: str, dest: Path, *, overwrite: bool = False) -> Summary:
    """Write a consistent backup of the database at ``url`` to ``dest`` while the app may be serving.

    Written to a hidden partial file first and renamed when complete and checked, so ``dest`` is never
    half a backup.
    """
    if dest.exists() and not overwrite:
        raise BackupError(f"{dest} exists: choose another name (or --overwrite)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if _is_sqlite(url):
            _sqlite_backup(url, partial)
        else:
            _run([_tool("pg_dump"), "--format=custom", f"--file={partial}"], url)
        with open(partial, "rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, dest)
        folder = os.open(dest.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    finally:
        partial.unlink(missing_ok=True)
    return inspect_backup(url, dest)


def restore(url: str, src: Path, *, any_revision: bool = False) -> Summary:
    """Replace the database at ``url`` with the backup ``src`` (checked first); return the result.

    Refuses a backup of another schema revision than this version's (unless ``any_revision``: then run
    ``rolefit db upgrade`` before serving).
    """
    found = inspect_backup(url, src)
    expected = expected_revisions()
    if found.revision not in expected and not any_revision:
        raise BackupError(
            f"the backup is at revision {found.revision}, this version of rolefit expects "
            f"{', '.join(sorted(expected))}: use --any-revision, then run rolefit db upgrade before serving"
        )
    if _is_sqlite(url):
        _sqlite_restore(url, src)
    else:
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={make_url(url).database}",
                str(src),
            ],
            url,
        )
    return describe(url)
