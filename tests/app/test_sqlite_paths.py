"""Every SQLite URL form: the database file is where SQLite puts it, and the write-lock file is beside it.

SQLite itself decides where the file goes (a plain path, or a ``file:`` URI with ``uri=true``); each test
lets SQLite create the file, then checks that rolefit's path agrees and that nothing else appeared
(a URI used to create a ``./file:/...`` folder for the lock).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.db import Database, sqlite_file


def everything_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def write_once(db: Database) -> None:
    with db.write() as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
        session.execute(text("INSERT INTO t VALUES (1)"))


FORMS = [
    # (URL with {d} = the data folder, file SQLite creates, relative to the test's root)
    ("sqlite:///rel.sqlite3", "cwd/rel.sqlite3"),
    ("sqlite:///sub/dir/rel.sqlite3", "cwd/sub/dir/rel.sqlite3"),
    ("sqlite:///{d}/abs.sqlite3", "data/abs.sqlite3"),
    ("sqlite:///{d}/my%20db.sqlite3", "data/my db.sqlite3"),
    ("sqlite+pysqlite:///{d}/driver.sqlite3", "data/driver.sqlite3"),
    ("sqlite:///file:{d}/uri.sqlite3?uri=true", "data/uri.sqlite3"),
    ("sqlite:///file:{d}/rwc.sqlite3?mode=rwc&uri=true", "data/rwc.sqlite3"),
    ("sqlite:///file:rel-uri.sqlite3?uri=true", "cwd/rel-uri.sqlite3"),
    ("sqlite:///file://{d}/triple.sqlite3?uri=true", "data/triple.sqlite3"),
    ("sqlite:///file://localhost{d}/host.sqlite3?uri=true", "data/host.sqlite3"),
    ("sqlite:///file:{d}/my%2520uri.sqlite3?uri=true", "data/my uri.sqlite3"),  # %25 -> %, SQLite decodes %20
]


@pytest.mark.parametrize(("form", "created"), FORMS, ids=[f for f, _ in FORMS])
def test_lock_file_beside_the_real_database(
    form: str, created: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cwd").mkdir()
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    url = form.replace("{d}", str(tmp_path / "data"))
    db = Database(url)
    write_once(db)
    expected = tmp_path / created
    assert db.path == expected == sqlite_file(url)
    lock = Path(f"{expected}.writelock")
    assert lock.is_file()
    db.dispose()  # the last connection closed: SQLite removes -wal and -shm
    folders = {str(p.relative_to(tmp_path)) for p in expected.parents if tmp_path in p.parents}
    assert everything_under(tmp_path) == {created, f"{created}.writelock", "cwd", "data"} | folders
    with sqlite3.connect(expected) as conn:  # the data is in the file SQLite created
        assert conn.execute("SELECT x FROM t").fetchall() == [(1,)]


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_read_only_uri_makes_no_lock_and_no_folder(
    journal: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "ro.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA journal_mode={journal}")
        conn.execute("CREATE TABLE t (x INTEGER)")
        conn.execute("INSERT INTO t VALUES (1)")
    conn.close()
    db = Database(f"sqlite:///file:{path}?mode=ro&uri=true")
    assert db.path == path
    with db.read() as session:
        assert session.execute(text("SELECT x FROM t")).scalar() == 1
    with pytest.raises(OperationalError, match="readonly"):
        write_once(db)
    db.dispose()
    # SQLite's own -wal/-shm of a WAL file may stay (a read-only connection does not remove them)
    assert everything_under(tmp_path) - {"ro.sqlite3-wal", "ro.sqlite3-shm"} == {"ro.sqlite3"}


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file::memory:?uri=true",
        "sqlite:///file:mem1?mode=memory&cache=shared&uri=true",
    ],
)
def test_in_memory_forms_create_no_file(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    db = Database(url)
    assert db.path is None
    with db.write() as session:
        session.execute(text("SELECT 1"))
    db.dispose()
    assert everything_under(tmp_path) == set()


def test_a_remote_file_uri_is_refused() -> None:
    with pytest.raises(ValueError, match="remote"):
        sqlite_file("sqlite:///file://server/share/x.sqlite3?uri=true")
