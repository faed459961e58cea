"""Alembic: empty -> head -> base -> head on both databases, and the models match the migrations."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import JSON, column, create_engine, inspect, select, table, text
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.db import Database
from app.migrate import downgrade, upgrade
from tests.app.conftest import PG_ENV, skip_or_fail

TABLES = {
    "assessment",
    "plan_progress",
    "checkin",
    "checkin_mail",
    "checkin_mail_sent",
    "answer",
    "result",
    "result_history",
    "psychometrics_report",
    "operator_grant",
    "share_link",
    "organisation",
    "hr_user",
    "password_token",
    "hr_session",
    "hr_device",
    "hr_recovery_code",
    "login_attempt",
    "cohort",
    "invitation",
    "participation",
    "audit_event",
    "job",
    "api_token",
    "webhook",
    "webhook_delivery",
    "person",
    "personal_invitation",
    "participation_rollup",
    "org_role_labels",
    "norm_point",
    "result_norm",
    "mail_token",
    "reminder",
    "digest_subscription",
    "digest_run",
    "staged_import",
    "org_sso",
    "sso_state",
    "manager_rating",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[Database]:
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path}/empty.sqlite3")  # type: ignore[str-bytes-safe]
        yield db
        db.dispose()
        return
    import os

    base = os.environ.get(PG_ENV)
    if not base:
        skip_or_fail(f"PostgreSQL not available: set {PG_ENV}")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"rolefit_m_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(re.sub(r"/[^/]*$", f"/{name}", base))
    yield db
    db.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# the people search's own structures (rollout2_0001, search17_0001), outside the models: SQLite's FTS5 tables
# (and the shadow tables FTS5 makes), PostgreSQL's pg_trgm indexes (a GIN operator class SQLAlchemy does not
# reflect)
SEARCH = {"participation_fts", "ix_participation_search", "person_fts", "ix_person_search"}


def tables(db: Database) -> set[str]:
    found = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    return {t for t in found if not t.startswith(("participation_fts", "person_fts"))}


def search_index(db: Database) -> bool:
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            sql = "SELECT count(*) FROM sqlite_master WHERE name IN ('participation_fts', 'person_fts')"
        else:
            sql = "SELECT count(*) FROM pg_indexes WHERE indexname IN ('ix_participation_search', 'ix_person_search')"
        return conn.exec_driver_sql(sql).scalar_one() == 2


def _outside_models(name: str | None, type_: str, _parent: dict[str, str | None]) -> bool:
    return not (name and any(name.startswith(s) for s in SEARCH))


def test_up_down_up(empty_db: Database) -> None:
    assert tables(empty_db) == set()
    upgrade(empty_db.engine)
    assert tables(empty_db) == TABLES and search_index(empty_db)
    downgrade(empty_db.engine, "base")
    assert tables(empty_db) == set() and not search_index(empty_db)
    upgrade(empty_db.engine)
    assert tables(empty_db) == TABLES and search_index(empty_db)


def test_models_match_migrations(empty_db: Database) -> None:
    upgrade(empty_db.engine)
    with empty_db.engine.connect() as conn:
        opts = {"compare_type": True, "include_name": _outside_models}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), SQLModel.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_results_are_packed_losslessly_and_back(empty_db: Database) -> None:
    """scale_0002 stores result snapshots compressed: an old result reads back exactly as it was scored."""
    from datetime import datetime

    from sqlmodel import Session

    from app.models import ResultSnapshot

    data = {"overall": 12.345678901234567, "p_am": 0.1 + 0.2, "flags": [], "text": "Tiếng Việt 中文", "n": [1, -2.5e-7]}
    upgrade(empty_db.engine, "scale_0001")
    now = datetime(2026, 11, 30, 12, 0)
    with empty_db.engine.begin() as conn:
        conn.execute(
            text(
                'INSERT INTO assessment (id, owner_hash, resume_hash, locale, "current_role", bank_version, '
                "position, started_at, updated_at) VALUES ('a1', 'o', 'r', 'en', 'am', '1.0.0', 0, :now, :now)"
            ),
            {"now": now},
        )
        result = table("result", column("assessment_id"), column("bank_version"), column("scoring_version"),
                       column("data", JSON()), column("created_at"))  # fmt: skip
        conn.execute(
            result.insert().values(
                assessment_id="a1", bank_version="1.0.0", scoring_version="1", data=data, created_at=now
            )
        )
    upgrade(empty_db.engine)
    with Session(empty_db.engine) as session:
        snapshot = session.get(ResultSnapshot, "a1")
        assert snapshot is not None and snapshot.data == data
    with empty_db.engine.connect() as conn:
        stored = conn.execute(text("SELECT data FROM result")).scalar_one()
    assert isinstance(stored, bytes | memoryview) and len(bytes(stored)) < len(json.dumps(data))
    downgrade(empty_db.engine, "scale_0001")
    with empty_db.engine.connect() as conn:
        assert conn.execute(select(result.c.data)).scalar_one() == data


def test_hr_migrations_keep_people_down_and_up(empty_db: Database) -> None:
    """scale_0001 down and up keeps every participation (a table rebuild of cohort on SQLite would cascade)."""
    upgrade(empty_db.engine, "0dd3a9ea9452")
    now = "2026-11-30 12:00:00"
    with empty_db.engine.begin() as conn:
        conn.execute(text("INSERT INTO organisation (id, name, created_at) VALUES ('o', 'O', :now)"), {"now": now})
        conn.execute(
            text(
                "INSERT INTO cohort (id, org_id, name, departments, levels, created_at) "
                "VALUES ('c', 'o', 'C', '[]', '[]', :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                'INSERT INTO assessment (id, owner_hash, resume_hash, locale, "current_role", bank_version, '
                "position, started_at, updated_at) VALUES ('a', 'o', 'r', 'en', 'am', '1', 0, :now, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                'INSERT INTO participation (id, org_id, cohort_id, assessment_id, visibility, "current_role", '
                "consented_at, finished_at, d_scope, gaps_am, gaps_pm, gaps_fit) "
                "VALUES ('p', 'o', 'c', 'a', 'aggregate', 'am', :now, :now, 10.0, 0, 0, 3)"
            ),
            {"now": now},
        )
    upgrade(empty_db.engine)
    with empty_db.engine.connect() as conn:
        assert conn.execute(text("SELECT participants, finished FROM cohort")).one() == (1, 1)
        assert conn.execute(text("SELECT sum(n), sum(g1) FROM participation_rollup WHERE grain = 'm'")).one() == (1, 1)
    downgrade(empty_db.engine, "0dd3a9ea9452")
    upgrade(empty_db.engine)
    with empty_db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM participation")).scalar_one() == 1
        assert conn.execute(text("SELECT participants, finished FROM cohort")).one() == (1, 1)


def test_search17_writes_the_search_texts_down_and_up(empty_db: Database) -> None:
    """search17_0001 fills person.search_text and writes participation.search_text in the marked form (words
    after app.search.WORD); its downgrade writes the old form back, which rollout2_0001's search reads."""
    upgrade(empty_db.engine, "checkinmail_0001")
    now = "2026-12-02 10:00:00"
    with empty_db.engine.begin() as conn:
        conn.execute(text("INSERT INTO organisation (id, name, created_at) VALUES ('o', 'O', :now)"), {"now": now})
        conn.execute(
            text(
                "INSERT INTO cohort (id, org_id, name, departments, levels, created_at) "
                "VALUES ('c', 'o', 'C', '[]', '[]', :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                'INSERT INTO assessment (id, owner_hash, resume_hash, locale, "current_role", bank_version, '
                "position, started_at, updated_at) VALUES ('a', 'o', 'r', 'en', 'am', '1', 0, :now, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO person (id, org_id, email, name, department, lang, created_at, updated_at) "
                "VALUES ('pe', 'o', 'an@x.test', 'Nguyễn Văn An', 'Sales', 'vi', :now, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                'INSERT INTO participation (id, org_id, cohort_id, assessment_id, visibility, "current_role", '
                "consented_at, gaps_am, gaps_pm, gaps_fit, display_name, department, person_id, search_text) "
                "VALUES ('p', 'o', 'c', 'a', 'identified', 'am', :now, 0, 0, 0, 'Nguyễn Văn An', 'Sales', 'pe', "
                "'nguyen van an\nsales\nan@x.test')"
            ),
            {"now": now},
        )
    upgrade(empty_db.engine)
    marked = "\x02\x02nguyen \x02\x02van \x02\x02an\n\x02\x02sales\n\x02\x02an@x.test"
    with empty_db.engine.connect() as conn:
        assert conn.execute(text("SELECT search_text FROM participation")).scalar_one() == marked
        assert conn.execute(text("SELECT search_text FROM person")).scalar_one() == marked
    downgrade(empty_db.engine, "checkinmail_0001")
    with empty_db.engine.connect() as conn:
        old = conn.execute(text("SELECT search_text FROM participation")).scalar_one()
        assert old == "nguyen van an\nsales\nan@x.test"
