"""/healthz (liveness, no database) and /readyz (a rolled-back write) on real databases that are
healthy, read-only, full, locked and gone."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.config import Settings
from app.main import create_app
from scoring import SCORING_VERSION
from scoring.model import Bank


def ready(settings: Settings) -> Any:
    app = create_app(settings)
    try:
        return TestClient(app).get("/readyz")
    finally:
        app.state.db.dispose()


def test_healthz_reports_versions_without_touching_the_database(app: Any, bank: Bank) -> None:
    res = TestClient(app).get("/healthz")
    assert res.status_code == 200
    assert res.json() == {"status": "ok", "bank_version": bank.version, "scoring_version": SCORING_VERSION}
    assert res.headers["cache-control"] == "no-store"


def test_readyz_takes_a_write_and_keeps_nothing(app: Any, bank: Bank) -> None:
    db = app.state.db
    with db.engine.connect() as conn:
        before = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    res = TestClient(app).get("/readyz")
    assert res.status_code == 200, res.text
    assert res.json() == {
        "status": "ready",
        "database": "ok",
        "bank_version": bank.version,
        "scoring_version": SCORING_VERSION,
    }
    assert res.headers["cache-control"] == "no-store"
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == before


def test_database_gone_alive_but_not_ready(tmp_path: Path) -> None:
    # a folder where the database file should be: SQLite cannot open it
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}"))
    client = TestClient(app)
    assert client.get("/healthz").status_code == 200
    res = client.get("/readyz")
    assert res.status_code == 503
    assert res.json()["database"] == "unavailable" and res.json()["reason"]


def test_sqlite_opened_read_only_is_not_ready(tmp_path: Path, sqlite_template: Path) -> None:
    path = tmp_path / "rolefit.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app(Settings(database_url=f"sqlite:///file:{path}?mode=ro&uri=true"))
    client = TestClient(app)
    res = client.get("/readyz")
    assert res.status_code == 503 and res.json()["database"] == "read_only"
    assert client.get("/").status_code == 200  # reading still works: only writes are refused
    app.state.db.dispose()


def test_sqlite_write_lock_held_elsewhere_times_out(tmp_path: Path, sqlite_template: Path) -> None:
    path = tmp_path / "rolefit.sqlite3"
    shutil.copy(sqlite_template, path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a long write
    try:
        started = time.monotonic()
        res = ready(Settings(database_url=f"sqlite:///{path}", readyz_timeout_seconds=0.3))
        took = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert res.status_code == 503 and res.json()["database"] == "timeout"
    assert took < 5
    assert ready(Settings(database_url=f"sqlite:///{path}")).status_code == 200


@pytest.fixture
def small_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MiB tmpfs (needs root and mount rights; skipped where a container forbids it)."""
    where = tmp_path / "mnt"
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_full_disk_is_not_ready(small_filesystem: Path, sqlite_template: Path) -> None:
    path = small_filesystem / "rolefit.sqlite3"
    shutil.copy(sqlite_template, path)
    settings = Settings(database_url=f"sqlite:///{path}", readyz_min_free_mb=1)
    assert ready(settings).status_code == 200
    with open(small_filesystem / "filler", "wb") as filler:  # fill the disk as another program would
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError:
            pass
    res = ready(settings)
    assert res.status_code == 503 and res.json()["database"] == "disk_full"
    # and a real write does fail (SQLite in WAL mode calls it "disk I/O error")
    with pytest.raises(sqlite3.OperationalError, match=r"full|I/O"), sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE big (x BLOB)")
        conn.execute("INSERT INTO big VALUES (zeroblob(2000000))")


def test_read_only_file_system_is_not_ready(small_filesystem: Path, sqlite_template: Path) -> None:
    path = small_filesystem / "rolefit.sqlite3"
    shutil.copy(sqlite_template, path)
    settings = Settings(database_url=f"sqlite:///{path}", readyz_min_free_mb=1)
    assert ready(settings).status_code == 200
    subprocess.run(["mount", "-o", "remount,ro", str(small_filesystem)], check=True)
    res = ready(settings)
    assert res.status_code == 503 and res.json()["database"] == "read_only"


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgresql_read_only_and_locked_and_down(db_url: str) -> None:
    assert ready(Settings(database_url=db_url)).status_code == 200
    other = create_engine(db_url)
    with other.connect() as conn, conn.begin():
        # a row lock held by another session: the probe gives up after its timeout
        conn.execute(text("SELECT * FROM alembic_version FOR UPDATE"))
        res = ready(Settings(database_url=db_url, readyz_timeout_seconds=0.3))
    other.dispose()
    assert res.status_code == 503 and res.json()["database"] == "timeout"
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # what a standby, or a database switched to read-only, looks like
        conn.execute(text(f'ALTER DATABASE "{db_url.rsplit("/", 1)[1]}" SET default_transaction_read_only = on'))
    admin.dispose()
    res = ready(Settings(database_url=db_url))
    assert res.status_code == 503 and res.json()["database"] == "read_only"
    # nothing listens on port 1: the server is down
    down = re.sub(r"@[^/]+/", "@127.0.0.1:1/", db_url)
    res = ready(Settings(database_url=down))
    assert res.status_code == 503 and res.json()["database"] == "unavailable"


def test_unmigrated_database_is_not_ready(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    sqlite3.connect(path).close()  # a database file without rolefit's tables
    res = ready(Settings(database_url=f"sqlite:///{path}"))
    assert res.status_code == 503 and res.json()["database"] == "schema"
    assert "rolefit db upgrade" in res.json()["reason"]
