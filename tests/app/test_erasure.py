"""Erasure leaves no bytes: after "delete my data", the API's DELETE and a withdrawal, the SQLite file,
its ``-wal`` and ``-shm`` hold none of the person's values. On PostgreSQL, the touched tables are vacuumed.

Each SQLite test runs on a real file, with another person's data beside it as a control: the scan finds
the control's values (so it can find things), and none of the erased person's.
"""

from __future__ import annotations

import os
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
from app.services import quiz
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.app.test_hr import join_link, make_org, take_part
from tests.app.test_share import create_link

NAME = "Nguyễn Thị Erasure-7f3a"  # the free text a participant types (UTF-8 on disk)
CONTROL = "Control Person-c41b"


@pytest.fixture
def sqlite_app(tmp_path: Path, sqlite_template: Path) -> Iterator[Any]:
    path = tmp_path / "rolefit.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app(Settings(database_url=f"sqlite:///{path}"))
    yield app
    app.state.db.dispose()


def files_of(app: Any) -> list[Path]:
    path: Path = app.state.db.path
    return [path, Path(f"{path}-wal"), Path(f"{path}-shm")]


def hits(app: Any, values: list[str]) -> dict[str, list[str]]:
    """Which of ``values`` occur, as UTF-8 bytes, in the database file, its -wal or its -shm."""
    found: dict[str, list[str]] = {}
    for file in files_of(app):
        data = file.read_bytes() if file.exists() else b""
        for value in values:
            if value.encode() in data:
                found.setdefault(value, []).append(file.name)
    return found


def values_of(app: Any, assessment_id: str) -> list[str]:
    """Everything stored that belongs to this person: ids, token hashes, free text."""
    out = [assessment_id]
    with app.state.db.engine.connect() as conn:
        out += [
            v
            for v in conn.execute(
                text("SELECT owner_hash, resume_hash FROM assessment WHERE id = :a"), {"a": assessment_id}
            ).one()
        ]
        for table, cols in (("share_link", "id, token_hash"), ("participation", "id, display_name")):
            for row in conn.execute(text(f"SELECT {cols} FROM {table} WHERE assessment_id = :a"), {"a": assessment_id}):
                out += [str(v) for v in row if v]
    return out


def participant(app: Any, bank: Bank, path: str, name: str) -> tuple[Browser, str, str]:
    """A person who joins a cohort under ``name``, finishes, and makes a share link."""
    b = take_part(app, bank, path, "identified", name)
    result_url = b.post("/quiz/finish").headers["location"]
    create_link(b, result_url)
    return b, result_url, result_url.rsplit("/", 1)[1]


def test_secure_delete_is_on_for_every_connection(sqlite_app: Any) -> None:
    with sqlite_app.state.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


def test_delete_my_data_leaves_no_bytes_in_the_file_wal_or_shm(sqlite_app: Any, bank: Bank) -> None:
    org, _ = make_org(sqlite_app)
    _, path = join_link(sqlite_app, org)
    person, result_url, aid = participant(sqlite_app, bank, path, NAME)
    _, _, control_id = participant(sqlite_app, bank, path, CONTROL)
    mine, theirs = values_of(sqlite_app, aid), values_of(sqlite_app, control_id)
    assert NAME in mine and len(mine) == 7  # id, 2 hashes, share id + hash, participation id + name
    assert set(hits(sqlite_app, mine)) == set(mine)  # before: everything is on disk somewhere
    assert quiz.count_rows(sqlite_app.state.db)["answer_pack"] == 2  # both finished: answers packed

    assert person.post(f"{result_url}/delete").status_code == 303
    assert quiz.count_rows(sqlite_app.state.db)["answer_pack"] == 1
    assert quiz.get(sqlite_app.state.db, aid) is None
    assert hits(sqlite_app, mine) == {}
    assert set(hits(sqlite_app, theirs)) == set(theirs)  # the control's data is still readable
    assert Path(f"{sqlite_app.state.db.path}-wal").stat().st_size == 0


def test_api_delete_leaves_no_bytes(sqlite_app: Any, bank: Bank) -> None:
    client = TestClient(sqlite_app)
    answers = {"lang": "en", "current_role": "pm", "answers": {bank.items[0].id: 4}}
    created = client.post("/api/v1/assessments", json=answers)
    assert created.status_code == 201, created.text
    body = created.json()
    aid, token = body["id"], body["owner_token"]
    control = client.post("/api/v1/assessments", json=answers).json()["id"]
    mine, theirs = values_of(sqlite_app, aid), values_of(sqlite_app, control)
    assert set(hits(sqlite_app, mine)) == set(mine)

    res = client.delete(f"/api/v1/assessments/{aid}", headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 204
    assert hits(sqlite_app, [*mine, token]) == {}
    assert set(hits(sqlite_app, theirs)) == set(theirs)


def test_withdrawal_leaves_no_bytes_of_the_participation(sqlite_app: Any, bank: Bank) -> None:
    org, _ = make_org(sqlite_app)
    _, path = join_link(sqlite_app, org)
    person, result_url, aid = participant(sqlite_app, bank, path, NAME)
    participant(sqlite_app, bank, path, CONTROL)
    with sqlite_app.state.db.engine.connect() as conn:
        pid = conn.execute(text("SELECT id FROM participation WHERE assessment_id = :a"), {"a": aid}).scalar_one()
    gone = [pid, NAME]
    assert set(hits(sqlite_app, gone)) == set(gone)

    assert person.post(f"{result_url}/withdraw/{pid}").status_code == 303
    assert hits(sqlite_app, gone) == {}
    assert CONTROL in hits(sqlite_app, [CONTROL])
    assert aid in hits(sqlite_app, [aid])  # their own assessment stays theirs: withdrawal is not deletion


def test_the_wal_is_truncated_on_a_schedule(tmp_path: Path, sqlite_template: Path) -> None:
    path = tmp_path / "rolefit.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app(Settings(database_url=f"sqlite:///{path}", checkpoint_seconds=0.2))
    wal = Path(f"{path}-wal")
    with TestClient(app) as client:  # the lifespan runs the schedule
        for _ in range(50):  # a write that leaves frames in the WAL (the schedule may empty it in between)
            client.post("/api/v1/assessments", json={"lang": "en", "current_role": "pm", "answers": {}})
            if wal.stat().st_size > 0:
                break
        assert wal.stat().st_size > 0
        deadline = time.monotonic() + 10
        while wal.stat().st_size and time.monotonic() < deadline:
            time.sleep(0.05)
        assert wal.stat().st_size == 0
    app.state.db.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgresql_vacuums_the_touched_tables_after_an_erasure(db_url: str) -> None:
    app = create_app(Settings(database_url=db_url))
    db = app.state.db
    client = TestClient(app)
    created = client.post("/api/v1/assessments", json={"lang": "en", "current_role": "pm", "answers": {}}).json()

    def vacuums() -> dict[str, int]:
        with db.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT relname, vacuum_count FROM pg_stat_user_tables WHERE relname = ANY(:t)"),
                {"t": list(quiz.ERASED_TABLES)},
            )
            return {name: int(count) for name, count in rows}

    before = vacuums()
    res = client.delete(
        f"/api/v1/assessments/{created['id']}", headers={"Authorization": f"Bearer {created['owner_token']}"}
    )
    assert res.status_code == 204
    assert db.wait_vacuumed(30)
    after = vacuums()
    assert set(after) == set(quiz.ERASED_TABLES)
    assert all(after[t] == before.get(t, 0) + 1 for t in quiz.ERASED_TABLES), (before, after)
    app.state.db.dispose()


def test_scrub_clears_what_was_deleted_without_secure_delete(tmp_path: Path, sqlite_template: Path) -> None:
    """A database deleted from before this version (or by a build without secure_delete) still holds the
    bytes in free space; ``rolefit db scrub`` rewrites it."""
    from tests.app.test_backup import rolefit

    path = tmp_path / "old.sqlite3"
    shutil.copy(sqlite_template, path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA secure_delete=OFF")
    conn.execute("INSERT INTO organisation (id, name, created_at) VALUES ('o1', ?, '2026-01-01')", (NAME,))
    conn.execute("INSERT INTO organisation (id, name, created_at) VALUES ('o2', ?, '2026-01-01')", (CONTROL,))
    conn.execute("DELETE FROM organisation WHERE id = 'o1'")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert NAME.encode() in path.read_bytes()  # deleted, yet on disk

    res = rolefit(f"sqlite:///{path}", "db", "scrub")
    assert res.exit_code == 0, res.output
    assert "VACUUM" in res.output
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        assert not file.exists() or NAME.encode() not in file.read_bytes()
    assert CONTROL.encode() in path.read_bytes()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgresql_scrub_rewrites_the_tables(db_url: str) -> None:
    from tests.app.test_backup import rolefit

    def files() -> dict[str, int]:
        engine = create_engine(db_url)
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT relname, relfilenode FROM pg_class WHERE relname = ANY(:t)"),
                {"t": list(quiz.ERASED_TABLES)},
            )
            found = {name: int(node) for name, node in rows}
        engine.dispose()
        return found

    before = files()
    res = rolefit(db_url, "db", "scrub")
    assert res.exit_code == 0, res.output
    assert "VACUUM FULL" in res.output
    after = files()
    assert set(after) == set(quiz.ERASED_TABLES)
    assert all(after[t] != before[t] for t in after)  # new files: the old ones, with their free space, are gone


def _as_postgres(sql: str) -> str:
    """Run SQL as the server's superuser (root on the database's machine only: CI and these machines)."""
    if os.geteuid() != 0 or shutil.which("su") is None:
        pytest.skip("reading PostgreSQL's files needs root on the database's machine")
    done = subprocess.run(["su", "postgres", "-c", f'psql -qtAc "{sql}"'], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"no local PostgreSQL superuser: {done.stderr.strip()}")
    return done.stdout.strip()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgresql_data_files_hold_no_erased_bytes_after_scrub(db_url: str) -> None:
    """Byte scan of the database's own files (not the WAL: see docs/privacy.md) for an erased person's
    id and hashes: present before, 0 hits after the erasure and ``rolefit db scrub``."""
    from tests.app.test_backup import rolefit

    folder = Path(_as_postgres("SHOW data_directory")) / "base"
    app = create_app(Settings(database_url=db_url))
    client = TestClient(app)
    made = [client.post("/api/v1/assessments", json={"lang": "en", "current_role": "pm", "answers": {}}).json()]
    made += [client.post("/api/v1/assessments", json={"lang": "en", "current_role": "pm", "answers": {}}).json()]
    victim = made[-1]  # inserted last: its bytes stay in free space after a plain VACUUM
    mine = values_of(app, victim["id"])
    with app.state.db.engine.connect() as conn:
        oid = conn.execute(text("SELECT oid FROM pg_database WHERE datname = current_database()")).scalar_one()

    def hits_in_files() -> int:
        _as_postgres("CHECKPOINT")  # dirty pages to the files
        data = b"".join(p.read_bytes() for p in (folder / str(oid)).iterdir() if p.is_file())
        return sum(data.count(v.encode()) for v in mine)

    assert hits_in_files() > 0
    headers = {"Authorization": f"Bearer {victim['owner_token']}"}
    assert client.delete(f"/api/v1/assessments/{victim['id']}", headers=headers).status_code == 204
    assert app.state.db.wait_vacuumed(30)
    app.state.db.dispose()
    assert rolefit(db_url, "db", "scrub").exit_code == 0
    assert hits_in_files() == 0
