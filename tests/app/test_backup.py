"""``rolefit db backup`` / ``rolefit db restore`` under a real write load: another process saves answers
while the backup runs; the restored database passes ``PRAGMA integrity_check`` and holds every answer
acknowledged before the backup started. SQLite (backup API) and PostgreSQL (pg_dump / pg_restore)."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from app.cli import cli
from app.config import ROOT, get_settings
from tests.app.conftest import PG_ENV

Ack = tuple[str, str, int]


def rolefit(url: str, *args: str, answer: str | None = None) -> Any:
    """The CLI as a user types it, with ROLEFIT_DATABASE_URL=url."""
    old = os.environ.get("ROLEFIT_DATABASE_URL")
    os.environ["ROLEFIT_DATABASE_URL"] = url
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, list(args), input=answer)
    finally:
        if old is None:
            del os.environ["ROLEFIT_DATABASE_URL"]
        else:
            os.environ["ROLEFIT_DATABASE_URL"] = old
        get_settings.cache_clear()


class Load:
    """Answers saved by another process (tests/app/backup_writer.py), each acknowledged in a file."""

    def __init__(self, url: str, folder: Path) -> None:
        self.acks, self.stop_file = folder / "acks.txt", folder / "stop"
        self.acks.touch()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.app.backup_writer", url, str(self.acks), str(self.stop_file)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )

    def acknowledged(self) -> list[Ack]:
        lines = self.acks.read_text(encoding="utf-8").split("\n")[:-1]  # complete lines only
        return [(a, i, int(v)) for a, i, v in (line.split(" ") for line in lines)]

    def wait_for(self, n: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged()) < n:
            assert self.proc.poll() is None, self.proc.stderr.read() if self.proc.stderr else ""
            assert time.monotonic() < deadline, "the writer is too slow"
            time.sleep(0.05)

    def stop(self) -> None:
        self.stop_file.touch()
        _, err = self.proc.communicate(timeout=60)
        assert self.proc.returncode == 0, err


def answers_in(url: str) -> set[Ack]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT assessment_id, item_id, value_int FROM answer WHERE value_int IS NOT NULL"))
        found = {(a, i, int(v)) for a, i, v in rows}
    engine.dispose()
    return found


def prefill(path: Path, people: int = 3000, items: int = 30) -> None:
    """Make the database a realistic few megabytes, so that the backup takes a while."""
    conn = sqlite3.connect(path)
    conn.executemany(
        "INSERT INTO assessment (id, owner_hash, resume_hash, locale, current_role, bank_version, position,"
        " started_at, updated_at) VALUES (?, ?, ?, 'en', 'pm', 'x', 0, '2026-01-01', '2026-01-01')",
        [(f"pre{n:029d}", f"o{n:063d}", f"r{n:063d}") for n in range(people)],
    )
    conn.executemany(
        "INSERT INTO answer (assessment_id, item_id, value_int, answered_at) VALUES (?, ?, ?, '2026-01-01')",
        [(f"pre{n:029d}", f"item_{k}", k % 5 + 1) for n in range(people) for k in range(items)],
    )
    conn.commit()
    conn.close()


def backup_under_load(url: str, tmp_path: Path, dest: Path) -> list[Ack]:
    """Start the load, back up in the middle of it; return the answers acknowledged before the backup."""
    load = Load(url, tmp_path)
    try:
        load.wait_for(200)
        before = load.acknowledged()
        res = rolefit(url, "db", "backup", str(dest))
        during = len(load.acknowledged()) - len(before)
        assert res.exit_code == 0, res.output
        assert "backup written" in res.output
        load.wait_for(len(before) + during + 50)  # the writer goes on: nothing it did failed or stalled
    finally:
        load.stop()
    assert during > 0  # answers were committed while the backup ran (~800 on SQLite, ~90 on PostgreSQL here)
    return before


def test_sqlite_backup_during_writes_restores_every_acknowledged_answer(tmp_path: Path, sqlite_template: Path) -> None:
    live = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, live)
    prefill(live)
    url = f"sqlite:///{live}"
    dest = tmp_path / "backups" / "rolefit.sqlite3"
    before = backup_under_load(url, tmp_path, dest)
    assert not Path(f"{dest}-wal").exists()  # one self-contained file

    restored = tmp_path / "restored" / "rolefit.sqlite3"
    target = f"sqlite:///{restored}"
    res = rolefit(target, "db", "restore", str(dest), "--yes")
    assert res.exit_code == 0, res.output
    assert "restored:" in res.output
    with sqlite3.connect(restored) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("SELECT count(*) FROM answer WHERE assessment_id LIKE 'pre%'").fetchone() == (90000,)
    conn.close()
    missing = set(before) - answers_in(target)
    assert not missing, f"{len(missing)} acknowledged answers lost, e.g. {sorted(missing)[:3]}"


def test_restore_asks_first_and_refuses_what_is_not_a_backup(tmp_path: Path, sqlite_template: Path) -> None:
    live = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, live)
    url = f"sqlite:///{live}"
    dest = tmp_path / "b.sqlite3"
    assert rolefit(url, "db", "backup", str(dest)).exit_code == 0
    again = rolefit(url, "db", "backup", str(dest))
    assert again.exit_code == 2 and "exists" in again.output  # a backup is never overwritten by mistake

    prefill(live, people=10, items=1)  # the live database moves on after the backup
    refused = rolefit(url, "db", "restore", str(dest), answer="n\n")
    assert refused.exit_code == 1 and "nothing changed" in refused.output
    assert "10 assessment" in refused.output and "0 assessment" in refused.output  # what it would replace, by what
    assert len(answers_in(url)) == 10

    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database" * 100)
    res = rolefit(url, "db", "restore", str(garbage), "--yes")
    assert res.exit_code == 2 and "not a SQLite database" in res.output
    other = tmp_path / "other.sqlite3"
    shutil.copy(dest, other)
    with sqlite3.connect(other) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'zz_future'")
    conn.close()
    res = rolefit(url, "db", "restore", str(other), "--yes")
    assert res.exit_code == 2 and "zz_future" in res.output
    assert len(answers_in(url)) == 10  # nothing changed by the refusals

    res = rolefit(url, "db", "restore", str(dest), answer="y\n")
    assert res.exit_code == 0, res.output
    assert answers_in(url) == set()
    with sqlite3.connect(live) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()


def test_sqlite_restore_while_another_process_writes_is_atomic(tmp_path: Path, sqlite_template: Path) -> None:
    """Not the advice (stop the app first), but what happens if not: the file stays whole, the backup's
    rows are all there, and the other process's writes go on or fail cleanly."""
    live = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, live)
    prefill(live, people=500)
    url = f"sqlite:///{live}"
    dest = tmp_path / "b.sqlite3"
    assert rolefit(url, "db", "backup", str(dest)).exit_code == 0
    in_backup = answers_in(f"sqlite:///{dest}")
    load = Load(url, tmp_path)
    try:
        load.wait_for(100)
        res = rolefit(url, "db", "restore", str(dest), "--yes")
    finally:
        load.stop_file.touch()
        _, err = load.proc.communicate(timeout=60)
    assert res.exit_code == 0, res.output
    # the writer's assessment may vanish under it: then its next answer is refused, which it reports
    assert load.proc.returncode == 0 or "answer refused" in err, err
    with sqlite3.connect(live) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    assert in_backup <= answers_in(url)


@pytest.fixture
def empty_pg_database() -> Iterator[str]:
    base = os.environ[PG_ENV]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"rolefit_restore_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield re.sub(r"/[^/]*$", f"/{name}", base)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgresql_pg_dump_during_writes_restores_every_acknowledged_answer(
    db_url: str, tmp_path: Path, empty_pg_database: str
) -> None:
    dest = tmp_path / "rolefit.dump"
    before = backup_under_load(db_url, tmp_path, dest)
    assert dest.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    res = rolefit(empty_pg_database, "db", "restore", str(dest), "--yes")
    assert res.exit_code == 0, res.output
    missing = set(before) - answers_in(empty_pg_database)
    assert not missing, f"{len(missing)} acknowledged answers lost"
    # restoring again over a database that has the tables (--clean) gives the same answers
    again = rolefit(empty_pg_database, "db", "restore", str(dest), "--yes")
    assert again.exit_code == 0, again.output
    assert answers_in(empty_pg_database) >= set(before)
