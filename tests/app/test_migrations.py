"""Alembic: empty -> head -> base -> head on both databases, and the models match the migrations."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.db import Database
from app.migrate import downgrade, upgrade
from tests.app.conftest import PG_ENV, skip_or_fail

TABLES = {
    "assessment",
    "answer",
    "result",
    "share_link",
    "organisation",
    "hr_user",
    "password_token",
    "hr_session",
    "hr_device",
    "login_attempt",
    "cohort",
    "invitation",
    "participation",
    "audit_event",
    "org_role_labels",
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


def tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_up_down_up(empty_db: Database) -> None:
    assert tables(empty_db) == set()
    upgrade(empty_db.engine)
    assert tables(empty_db) == TABLES
    downgrade(empty_db.engine, "base")
    assert tables(empty_db) == set()
    upgrade(empty_db.engine)
    assert tables(empty_db) == TABLES


def test_models_match_migrations(empty_db: Database) -> None:
    upgrade(empty_db.engine)
    with empty_db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"
